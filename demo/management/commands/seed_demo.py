"""Idempotent demo data for local runs: a Team-plan owner, then each app's own demo records.
It lives in the `demo` app, above every app with demo data, so it imports each demo module plainly."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo as accounts_demo
from accounts.models import User
from accounts.plans import Plan
from api import demo as api_demo
from embed import demo as embed_demo
from instalments import demo as instalments_demo
from invoices import demo as invoices_demo
from memberships import demo as memberships_demo
from orders import demo as orders_demo
from packages import demo as packages_demo
from payments import demo as payments_demo
from payments import demo_history
from promotions import demo as promotions_demo
from scheduling import demo as scheduling_demo
from teams import demo as teams_demo
from waitlists import demo as waitlists_demo
from webhooks import demo as webhooks_demo

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo12345"
DEMO_SLUG = "demo"
# Each app that has demo data exposes `seed(owner)` in its demo module; run in this order.
# demo_history: a year of past packs and sessions, so Insights has something to draw.
# Invoices before orders: the demo order keeps the owner's tax when it is placed.
DEMO_MODULES = [accounts_demo, scheduling_demo, teams_demo, packages_demo, promotions_demo, invoices_demo,
                orders_demo, payments_demo, embed_demo, waitlists_demo, memberships_demo, instalments_demo,
                demo_history,
                webhooks_demo]


def _free_demo_slug() -> str:
    """/demo/, or /demo-2/, … when someone signed up locally with that booking link already."""
    slug, counter = DEMO_SLUG, 1
    while User.objects.filter(slug=slug).exists():
        counter += 1
        slug = f"{DEMO_SLUG}-{counter}"
    return slug


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
                    "slug": _free_demo_slug(),
                    "timezone": "America/New_York",
                    "plan": Plan.TEAM,
                    "email_verified": True,
                },
            )
            if created:
                owner.set_password(DEMO_PASSWORD)
                owner.save()
            for module in DEMO_MODULES:
                module.seed(owner)
            # A read-write API key, printed below the first time it is made (only its hash is kept).
            api_key_lines = api_demo.seed(owner)
        self.stdout.write(
            self.style.SUCCESS(f"Demo owner ready: {DEMO_EMAIL} / {DEMO_PASSWORD} (booking page /{owner.slug}/)")
        )
        for line in api_key_lines:
            self.stdout.write(line)
        # The client portal needs no password: the sign-in link is in the email, which a local run
        # prints to the console.
        self.stdout.write(f"Demo client: {orders_demo.DEMO_CLIENT_EMAIL} (Find my bookings at /my/; the sign-in "
                          "link is printed by the console email backend)")
