"""`manage.py charge_due_instalments`: what the beat task does, by hand (e.g. after moving the clock)."""
from django.core.management.base import BaseCommand

from instalments.services import instalments_charge_due


class Command(BaseCommand):
    help = "Charge every payment plan instalment that is due to the card kept at its checkout."

    def handle(self, *args, **options) -> None:
        charged = instalments_charge_due()
        self.stdout.write(f"Charged {charged} instalment{'s' if charged != 1 else ''}.")
