"""Idempotent demo data for local runs: a Team-plan owner, then each app's own demo records."""
import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.plans import Plan

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo12345"
DEMO_SLUG = "demo"
# Each app that has demo data exposes `seed(owner)` in its demo module; run in this order.
DEMO_MODULES = ["scheduling.demo", "teams.demo", "packages.demo", "orders.demo", "payments.demo"]


class Command(BaseCommand):
    help = "Create (or refresh) the demo owner demo@example.com / demo12345 and its demo data."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on; it creates a known password.")
        with transaction.atomic():
            owner, created = User.objects.get_or_create(
                email=DEMO_EMAIL,
                defaults={
                    "display_name": "Dana Demo",
                    "slug": DEMO_SLUG,
                    "timezone": "America/New_York",
                    "plan": Plan.TEAM,
                    "email_verified": True,
                },
            )
            if created:
                owner.set_password(DEMO_PASSWORD)
                owner.save()
            for module_name in DEMO_MODULES:
                # An app without demo data has no demo module; a broken import must still fail loudly.
                if importlib.util.find_spec(module_name) is None:
                    continue
                importlib.import_module(module_name).seed(owner)
        self.stdout.write(
            self.style.SUCCESS(f"Demo owner ready: {DEMO_EMAIL} / {DEMO_PASSWORD} (booking page /{DEMO_SLUG}/)")
        )
