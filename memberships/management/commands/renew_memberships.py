"""`manage.py renew_memberships`: the test provider's billing run. Every test-provider membership
whose period has ended is charged its next period (or ends, when the client cancelled)."""
from django.core.management.base import BaseCommand

from memberships.services import memberships_renew_due


class Command(BaseCommand):
    help = "Renew every test-provider membership whose period has ended (one period each run)."

    def handle(self, *args, **options) -> None:
        renewed, ended = memberships_renew_due()
        self.stdout.write(f"Renewed {renewed} membership{'s' if renewed != 1 else ''}; "
                          f"ended {ended} cancelled one{'s' if ended != 1 else ''}.")
