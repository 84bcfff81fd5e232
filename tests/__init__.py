"""The tests that cross apps (isolation, robustness, security, the browser journeys), and the
scaffolding every test stands on, kept out of the application packages: the personas
(personas.py), the builders of their data (builders.py), the suite's clock and its shared moments
(clock.py) and the database helpers (database.py). Tests import them from here:
`from tests import make_owner, make_order, NOW`."""
from tests.builders import (
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
from tests.clock import DEFAULT_TEST_CLOCK, ELEVEN_AM, MID_MINUTE, NINE_AM, NINE_AM_THURSDAY, NOW, TEN_AM, suite_clock
from tests.database import on_postgres, race
from tests.personas import log_in, make_owner

__all__ = [
    "DEFAULT_TEST_CLOCK", "ELEVEN_AM", "MID_MINUTE", "NINE_AM", "NINE_AM_THURSDAY", "NOW", "TEN_AM", "WEEKDAYS_9_TO_5", "log_in", "make_booking", "make_meeting_type", "make_member", "make_order",
    "make_owner", "make_package", "make_team", "make_team_meeting_type", "on_postgres", "open_ledgers", "race", "set_weekly_hours",
    "suite_clock",
]
