"""One place for what the tests build: the personas (owners), the builders of their meeting
types, hours, packages, orders, bookings, payments and teams, the clock the suite runs at, and
the database helpers (which engine, racing threads)."""
from leadmonk.testing.clock import DEFAULT_TEST_CLOCK, suite_clock
from leadmonk.testing.database import on_postgres, race
from leadmonk.testing.personas import make_owner

__all__ = ["DEFAULT_TEST_CLOCK", "make_owner", "on_postgres", "race", "suite_clock"]
