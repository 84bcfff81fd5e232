"""`manage.py clients_table --verify` (the default) compares the Clients table with a recompute from
the orders, bookings, payments and ledger, and fails listing the differences; `--rebuild` rewrites
it from them (after rows were inserted in bulk, or to repair). `--owner ID`: one owner only."""
from django.core.management.base import BaseCommand, CommandError

from clients.upkeep import clients_rebuild, clients_verify


class Command(BaseCommand):
    help = "Check the Clients table against the orders and bookings (--verify), or rewrite it (--rebuild)."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--verify", action="store_true", help="report differences (the default)")
        action.add_argument("--rebuild", action="store_true", help="rewrite the table from the source rows")
        parser.add_argument("--owner", type=int, default=None, help="only this owner's clients (user id)")

    def handle(self, *args, verify=False, rebuild=False, owner=None, **options):
        if rebuild:
            count = clients_rebuild(owner)
            self.stdout.write(f"Rebuilt the Clients table: {count} client{'s' if count != 1 else ''}.")
            return
        problems = clients_verify(owner)
        if problems:
            for line in problems[:50]:
                self.stderr.write(line)
            more = " (the first 50 shown)" if len(problems) > 50 else ""
            raise CommandError(f"The Clients table differs from its orders and bookings in {len(problems)} "
                               f"place{'s' if len(problems) != 1 else ''}{more}: run clients_table --rebuild.")
        self.stdout.write("The Clients table matches the orders and bookings.")
