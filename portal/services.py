"""Writes of the client portal: asking for a sign-in link and using one.

A link is a random token (leadmonk.tokens) of which only the SHA-256 is stored; it works once, for
SIGN_IN_LINK_LIFETIME. Its email leaves through the notifications outbox in the transaction that
writes the link, so a link is never written without its email nor an email sent for a link that
rolled back. The answer a visitor sees never depends on whether the address has orders: the view
shows the same page whatever `sign_in_link_request` returns.
"""
import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from leadmonk.client_email import is_erased_email, normalize_email
from leadmonk.languages import translatable as _
from leadmonk.tokens import looks_like_token, new_token
from notifications.services import notify_portal_sign_in
from portal.models import SignInLink
from portal.selectors import client_has_history

SIGN_IN_LINK_LIFETIME = timedelta(minutes=30)
# How long an expired or used link is kept, so opening it still says "expired" or "already used"
# rather than "not valid"; then the purge deletes it (and the address it carries).
SIGN_IN_LINK_KEPT = timedelta(days=1)


class SignInLinkError(Exception):
    """A sign-in link that opens nothing; `message` says why, in the client's words."""

    message = _("This sign-in link is not valid. Ask for a new one below.")


class SignInLinkUnknown(SignInLinkError):
    message = _("This sign-in link is not valid: it may have been copied only in part. "
                "Ask for a new one below.")


class SignInLinkExpired(SignInLinkError):
    template = _("This sign-in link has expired: links work for %(minutes)s minutes. Ask for a new one below.")

    @property
    def message(self) -> str:
        return self.template % {"minutes": int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)}


class SignInLinkUsed(SignInLinkError):
    message = _("This sign-in link was already used: each link works once. Ask for a new one below.")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_link_request(*, email: str, now: datetime | None = None) -> bool:
    """Email a sign-in link to `email` when it has placed an order or booked a session (nobody else
    is written to: the form must not become a way to mail strangers). Returns whether one was
    sent; the caller must not tell the visitor."""
    email = normalize_email(email)
    now = now or timezone.now()
    # An erased client's rows carry a pseudonym (leadmonk.client_email) that no inbox receives.
    if not email or is_erased_email(email) or not client_has_history(email=email):
        return False
    token = new_token()
    expires_at = now + SIGN_IN_LINK_LIFETIME
    with transaction.atomic():
        SignInLink.objects.create(email=email, token_hash=hash_token(token), created_at=now, expires_at=expires_at)
        notify_portal_sign_in(email=email, link=settings.SITE_URL + reverse("portal:sign_in", args=[token]),
                              expires_at=expires_at)
    return True


def sign_in_link_check(*, token: str, now: datetime | None = None) -> SignInLink:
    """The link behind `token` if it can still be used; raises SignInLinkError saying why not."""
    now = now or timezone.now()
    link = SignInLink.objects.filter(token_hash=hash_token(token)).first() if looks_like_token(token) else None
    if link is None:
        raise SignInLinkUnknown
    if link.used_at is not None:
        raise SignInLinkUsed
    if link.expires_at <= now:
        raise SignInLinkExpired
    return link


def sign_in_link_use(*, token: str, now: datetime | None = None) -> str:
    """Use the link behind `token` (once) and return the email it proves. The conditional update
    makes two clicks at once open one session: the second finds the link used."""
    now = now or timezone.now()
    link = sign_in_link_check(token=token, now=now)
    used = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not used:
        sign_in_link_check(token=token, now=now)  # raises: used or expired in between
        raise SignInLinkUsed
    return link.email


def sign_in_links_purge(*, now: datetime | None = None) -> int:
    """Delete the links expired more than SIGN_IN_LINK_KEPT ago (hourly, portal.tasks); returns
    how many. Nothing of a client's email stays in this table longer than a day after its link."""
    now = now or timezone.now()
    deleted, _ = SignInLink.objects.filter(expires_at__lt=now - SIGN_IN_LINK_KEPT).delete()
    return deleted
