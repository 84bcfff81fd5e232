"""The account emails: confirm your address, someone tried to sign up with your address, the
password reset, and "your plan is now Free" when a subscription on a price we do not sell ends.
They are sent from Celery tasks (accounts/tasks.py), so a request that leads to one takes the same
time whether or not the address has an account."""
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tokens import email_verification_token

logger = logging.getLogger(__name__)


class AccountEmailError(Exception):
    """The mail server could not be reached or refused the message: worth another try."""


# How the tasks that send these emails retry a mail server error (accounts.tasks, accounts.notices).
TASK_RETRY = {"autoretry_for": (AccountEmailError,), "retry_backoff": 30, "retry_jitter": True, "max_retries": 4}


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as error:  # SMTP refused, DNS, connection refused, timeout
        logger.warning("Could not send %r to an owner: %s", subject, error)
        raise AccountEmailError(str(error)) from error


def verification_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    return settings.SITE_URL + reverse("accounts:verify_email", args=[uid, token])


def send_verification_email(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id, email_verified=False).first()
    if user is None:
        return  # verified meanwhile, or gone
    _send(to=user.email, subject="Confirm your email address for Leadmonk",
          template="accounts/email/verify_email.txt", context={"user": user, "url": verification_url(user)})


def send_signup_existing_email(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    _send(to=user.email, subject="Someone tried to create a Leadmonk account with your email",
          template="accounts/email/signup_existing.txt", context={
              "user": user,
              "login_url": settings.SITE_URL + reverse("accounts:login"),
              "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
          })


def send_unknown_price_email(*, user_id: int, price_id: str) -> None:
    """The owner's paid period on a price the site does not sell is over: they are on Free now."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    _send(to=user.email, subject="Your Leadmonk plan is now Free",
          template="accounts/email/plan_unknown_price.txt", context={
              "user": user, "price_id": price_id,
              "plan_url": settings.SITE_URL + reverse("billing:plan"),
          })


class _ResetEmail(PasswordResetForm):
    """Django's reset email, except that a mail server error is raised (Django logs and drops it),
    so the task tries again."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name:
            message.attach_alternative(render_to_string(html_email_template_name, context), "text/html")
        try:
            message.send()
        except Exception as error:
            logger.warning("Could not send a password reset email: %s", error)
            raise AccountEmailError(str(error)) from error


def send_password_reset_email(*, email: str) -> None:
    """Django's reset email, built outside the request: the link's address comes from SITE_URL."""
    site = urlsplit(settings.SITE_URL)
    form = _ResetEmail(data={"email": email})
    if not form.is_valid():
        return
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        email_template_name="registration/password_reset_email.txt",
        html_email_template_name="registration/password_reset_email.html",
        subject_template_name="registration/password_reset_subject.txt",
        from_email=settings.DEFAULT_FROM_EMAIL,
    )
