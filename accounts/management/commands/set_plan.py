from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.plans import Plan
from accounts.services import owner_set_plan


class Command(BaseCommand):
    help = "Set an owner's plan: manage.py set_plan owner@example.com team"

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("plan", choices=[p.value for p in Plan])

    def handle(self, *args, email: str, plan: str, **options) -> None:
        try:
            owner = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            raise CommandError(f"No owner with the email {email}") from None
        owner_set_plan(owner=owner, plan=plan)
        self.stdout.write(self.style.SUCCESS(f"{owner.email} is now on the {Plan(plan).label} plan."))
