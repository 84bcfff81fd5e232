"""Owners: the people who run a scheduling account (a booking slug, a time zone, a plan)."""
import re

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models

from accounts.plans import Plan, plan_includes_packages

# Slugs that would shadow a top-level URL of the product.
RESERVED_SLUGS = frozenset(
    {
        "dashboard", "accounts", "orders", "bookings", "payments", "team", "api", "admin", "static",
        "media", "notifications", "login", "logout", "signup", "settings", "help", "about", "www",
        "packages", "favicon.ico", "robots.txt",
        # Every top-level path the site serves or may serve, so no owner's page can shadow it.
        "healthz", "pricing", "home", "support", "privacy", "terms", "status", "robots", "sitemap",
        "sitemap.xml", "security.txt", ".well-known", "well-known", "webhooks", "bench",
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
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.FREE)
    # Owner notices (new order, booking made/moved/cancelled) can be turned off in Settings.
    notify_owner_by_email = models.BooleanField(default=True)
    # Set by the link emailed at sign-up (or a password reset, which proves the same). Until then
    # the owner's booking page is not public, so nobody can publish a page in someone else's name.
    email_verified = models.BooleanField(default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def has_packages(self) -> bool:
        return plan_includes_packages(self.plan)
