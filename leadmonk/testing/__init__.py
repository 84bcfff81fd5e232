"""One place for what the tests build: the personas (owners), the builders of their meeting
types, hours, packages, bookings and teams, the clock the suite runs at, and the database
helpers (which engine, racing threads). Tests import them from here."""
from leadmonk.testing.builders import (
    WEEKDAYS_9_TO_5,
    make_booking,
    make_meeting_type,
    make_member,
    make_order,
    make_package,
    make_team,
    make_team_meeting_type,
    open_ledgers,
    set_weekly_hours,
)
from leadmonk.testing.clock import DEFAULT_TEST_CLOCK, suite_clock
from leadmonk.testing.database import on_postgres, race
from leadmonk.testing.personas import make_owner

__all__ = [
    "DEFAULT_TEST_CLOCK", "WEEKDAYS_9_TO_5", "make_booking", "make_meeting_type", "make_member", "make_order",
    "make_owner", "make_package", "make_team", "make_team_meeting_type", "on_postgres", "open_ledgers", "race",
    "set_weekly_hours", "suite_clock",
]
