"""Owners: the people who run a scheduling account (a booking slug, a time zone, a plan)."""
import re

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models

from accounts.plans import (
    BillingInterval,
    Plan,
    SubscriptionStatus,
    plan_includes_packages,
    plan_includes_paid_sessions,
    plan_includes_sms,
)
from leadmonk.languages import ENGLISH, PAGE_LANGUAGE_CHOICES
from leadmonk.tokens import new_token

# Slugs that would shadow a top-level URL of the product.
RESERVED_SLUGS = frozenset(
    {
        "dashboard", "accounts", "orders", "bookings", "payments", "team", "api", "admin", "static",
        "media", "notifications", "login", "logout", "signup", "settings", "help", "about", "www",
        "packages", "pricing", "favicon.ico", "robots.txt",
        # Every top-level path the site serves or may serve, so no owner's page can shadow it.
        "healthz", "home", "support", "privacy", "terms", "status", "robots", "sitemap",
        "sitemap.xml", "security.txt", ".well-known", "well-known", "webhooks", "bench",
        # The owner's calendar feed, /calendar/<token>.ics.
        "calendar",
        # The booking pages framed on an owner's own site (embed app).
        "embed",
        # The client portal, /my/ ("Find my bookings"): portal.checks reports an owner who held it before.
        "my",
        # The client pages' language switcher, /language/<code>/.
        "language",
    }
)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def validate_booking_slug(value: str) -> None:
    if not SLUG_RE.match(value or ""):
        raise ValidationError(
            "Use lowercase letters, numbers and single hyphens, starting and ending with a letter or number."
        )
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is reserved. Please choose another booking link.")


def brand_upload_path(instance, filename: str) -> str:
    return f"brand/{instance.pk or 'new'}/{new_token()[:16]}-{filename}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An owner. Logs in with the email address; `slug` is the personal booking page address."""

    username = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=120)
    slug = models.SlugField(
        "booking link", max_length=60, unique=True, null=True, blank=True,
        validators=[validate_booking_slug],
    )
    timezone = models.CharField(max_length=64, default="UTC")
    # The language of the client pages (a fixed one, or "visitor": from the visitor's browser, with a
    # switcher on the page); leadmonk.languages. English by default, as before there was a choice.
    page_language = models.CharField(
        "booking page language", max_length=8, choices=PAGE_LANGUAGE_CHOICES, default=ENGLISH)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.FREE)
    # Owner notices (new order, booking made/moved/cancelled) can be turned off in Settings.
    notify_owner_by_email = models.BooleanField(default=True)
    # Set while a failed subscription payment is in its grace period (the dashboard shows a banner);
    # kept on the user row so that banner costs no query on every page.
    plan_grace_until = models.DateTimeField(null=True, blank=True)
    # Set by the link emailed at sign-up (or a password reset, which proves the same). Until then
    # the owner's booking page is not public, so nobody can publish a page in someone else's name.
    email_verified = models.BooleanField(default=False)
    # The only key to the owner's calendar feed (/calendar/<token>.ics); a new one (Settings)
    # retires the old address at once.
    calendar_feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # The brand on the client's pages and emails (accounts/brand.py checks and re-encodes them). The
    # files are stored through Django's storage API (MEDIA_ROOT here, an object store in production),
    # under a new random name each time, so a replaced file is never served from an old cache.
    photo = models.ImageField(upload_to=brand_upload_path, blank=True)
    logo = models.ImageField(upload_to=brand_upload_path, blank=True)
    bio = models.TextField(max_length=600, blank=True)
    business_name = models.CharField(max_length=120, blank=True)
    brand_color = models.CharField(max_length=7, blank=True)
    # When the first-hour checklist on the dashboard's home was first seen complete
    # (scheduling.setup): from then on the home page neither shows nor computes it.
    setup_done_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def has_packages(self) -> bool:
        return plan_includes_packages(self.plan)

    @property
    def has_paid_sessions(self) -> bool:
        return plan_includes_paid_sessions(self.plan)

    @property
    def has_sms(self) -> bool:
        return plan_includes_sms(self.plan)


class Subscription(models.Model):
    """An owner's subscription to a paid plan at Stripe (or on the local test page), as last read.

    `User.plan` is what the product reads; `accounts.billing_services.subscription_sync` derives
    it from this row. One row per owner: a new subscription replaces the old one's fields.
    """

    owner = models.OneToOneField(User, on_delete=models.CASCADE, related_name="subscription")
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.FREE)
    interval = models.CharField(max_length=8, choices=BillingInterval.choices, blank=True)
    status = models.CharField(max_length=24, choices=SubscriptionStatus.choices, default=SubscriptionStatus.NONE)
    # The subscription's own timestamps (from Stripe): they order the states we read (see
    # billing_services.subscription_apply), so an older read never overwrites a newer one.
    started_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # When we first saw the subscription past due: the grace period runs from here.
    past_due_since = models.DateTimeField(null=True, blank=True)
    # A plan set by staff (admin, set_plan) wins over any subscription started before it.
    staff_plan_set_at = models.DateTimeField(null=True, blank=True)
    # The next moment the plan changes by time alone (grace or paid period over); the periodic
    # task `accounts.tasks.review_subscriptions` picks rows whose moment has come.
    review_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Started on the local test subscription page: no money, no Stripe.
    is_test = models.BooleanField(default=False)
    # Stripe moved the subscription to a price the site does not sell (not in STRIPE_BILLING_PRICES
    # or STRIPE_EARLIER_PRICES): it grants nothing. The owner keeps their plan until the end of the
    # period paid when the price was first seen (`unknown_price_until`; later renewals at that
    # price do not extend it), then Free.
    unknown_price_id = models.CharField(max_length=255, blank=True)
    unknown_price_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_plan_display()} subscription of owner {self.owner_id} ({self.status})"
