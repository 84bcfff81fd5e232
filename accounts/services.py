"""Writes for owner accounts."""
import logging
import re

from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts import tasks
from accounts.models import RESERVED_SLUGS, User
from accounts.plans import Plan
from accounts.signals import owner_signed_up
from leadmonk.tokens import new_token

logger = logging.getLogger(__name__)


def _free_slug(base: str) -> str:
    # slugify keeps underscores, which a booking link may not have (accounts.models.SLUG_RE).
    base = re.sub(r"[^a-z0-9]+", "-", slugify(base))[:50].strip("-") or "owner"
    if base in RESERVED_SLUGS:
        base = f"{base}-1"
    candidate, counter = base, 1
    while User.objects.filter(slug=candidate).exists():
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


class EmailTaken(Exception):
    """Another sign-up with this address was created at the same moment and got there first."""


# A sign-up with the same name at the same moment can take the free booking link between
# _free_slug and the insert; each retry sees it and takes the next one.
SLUG_ATTEMPTS = 5


@transaction.atomic
def owner_signup(*, email: str, password: str, display_name: str, timezone: str = "UTC") -> User:
    """Create an owner on the Free plan with a booking link made from their name, and tell the
    other apps (scheduling gives them working hours) within the same transaction. Raises
    EmailTaken when the address was signed up by someone else at the same moment."""
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        try:
            # A savepoint: the unique index refuses the second of two owners with the same slug
            # (or email), and only this insert is undone.
            with transaction.atomic():
                owner = User.objects.create_user(
                    email=email, password=password, display_name=display_name,
                    slug=_free_slug(display_name or email.split("@")[0]), timezone=timezone, plan=Plan.FREE,
                )
            break
        except IntegrityError as error:
            # The insert waited for the other sign-up to commit, so its row is visible now.
            if User.objects.filter(email__iexact=email).exists():
                raise EmailTaken from error
            if attempt == SLUG_ATTEMPTS:
                raise
    owner_signed_up.send(sender=User, owner=owner)
    return owner


def calendar_feed_regenerate(*, owner: User) -> str:
    """Give the owner a new calendar feed address; the old one stops answering at once."""
    owner.calendar_feed_token = new_token()
    owner.save(update_fields=["calendar_feed_token"])
    return owner.calendar_feed_token


def owner_set_plan(*, owner: User, plan: str) -> User:
    """Staff set the plan by hand (set_plan, admin): Stripe does not overwrite it (billing_services)."""
    from accounts.billing_services import owner_set_plan_by_staff

    updated = owner_set_plan_by_staff(owner_id=owner.pk, plan=plan)
    owner.plan, owner.plan_grace_until = updated.plan, updated.plan_grace_until
    return owner


def _queue_after_commit(task, *args) -> None:
    """Queue `task` once the surrounding write commits; a broker that is down is logged, never an
    error page (the person can ask for the email again)."""
    transaction.on_commit(lambda: task.delay(*args), robust=True)


def _queue_now(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:
        logger.exception("Could not queue %s", task.name)


def owner_signup_request(*, email: str, password: str, display_name: str, timezone: str = "UTC") -> User | None:
    """Sign-up that gives nothing away: a new address gets an unverified account and a link to
    confirm it; a taken address gets an email telling its owner (the password typed in is hashed
    all the same, so both take as long). Returns the new owner, or None for a taken address."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)
    else:
        try:
            with transaction.atomic():
                user = owner_signup(email=email, password=password, display_name=display_name, timezone=timezone)
                _queue_after_commit(tasks.send_verification_email, user.pk)
            return user
        except EmailTaken:
            # The same address signed up at the same moment (a double click) and got there first:
            # a taken address, like any other.
            existing = User.objects.get(email__iexact=email)
    _queue_now(tasks.send_signup_existing_email, existing.pk)
    return None


def owner_verification_resend(*, owner: User) -> None:
    if not owner.email_verified:
        _queue_now(tasks.send_verification_email, owner.pk)


def owner_verify_email(*, owner: User) -> User:
    """The owner proved they read this address (the emailed link, or a password reset)."""
    if not owner.email_verified:
        owner.email_verified = True
        owner.save(update_fields=["email_verified"])
    return owner


def password_reset_request(*, email: str) -> None:
    """Queue the reset email: the worker looks the address up, so the answer takes as long for an
    unknown address as for a real account."""
    _queue_now(tasks.send_password_reset_email, email.strip())


def brand_files_discard(*, names: list[str], owner: User) -> None:
    """Delete the photo and logo files `names` that `owner` no longer uses (replaced or cleared),
    once the change has committed: a rolled back change keeps its files."""
    kept = {owner.photo.name, owner.logo.name}
    gone = [name for name in names if name and name not in kept]

    def delete() -> None:
        for name in gone:
            try:
                default_storage.delete(name)
            except Exception:  # noqa: BLE001 - an orphan file is no reason to fail the save
                logger.warning("could not delete the replaced brand file %s", name, exc_info=True)

    if gone:
        transaction.on_commit(delete)


def owner_setup_done(*, owner: User, now) -> None:
    """The first-hour checklist is complete: remember it, so the dashboard's home stops asking.
    A conditional update: two tabs finishing together write the first moment only."""
    if User.objects.filter(pk=owner.pk, setup_done_at__isnull=True).update(setup_done_at=now):
        owner.setup_done_at = now
