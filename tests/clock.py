"""The clock every test runs at (conftest.py travels there for each test; module-wide test data
is built there too), read from LEADMONK_TEST_CLOCK or the default below; and the fixed moments
the tests that freeze time share."""
import datetime
import os

import pytest

DEFAULT_TEST_CLOCK = "2026-06-10T15:00:00+00:00"  # a Wednesday afternoon in summer time


def suite_clock() -> datetime.datetime:
    raw = os.environ.get("LEADMONK_TEST_CLOCK") or DEFAULT_TEST_CLOCK
    try:
        moment = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise pytest.UsageError(f"LEADMONK_TEST_CLOCK={raw!r} is not an ISO 8601 date and time") from error
    if moment.tzinfo is None:
        raise pytest.UsageError(f"LEADMONK_TEST_CLOCK={raw!r} needs a UTC offset, e.g. 2026-12-31T23:30:00Z")
    return moment



# The moments most tests freeze the clock at (UTC), one definition for every module: Tuesday
# 1 December 2026 at noon (07:00 in New York), a week of winter time ahead with no change of
# offset; and the Monday after at 9, 10 and 11 in New York, when the owners' weekday hours
# (9-17 New York) are open.
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
MID_MINUTE = NOW + datetime.timedelta(seconds=20)  # inside a minute, where the pages' caches are used
NINE_AM = datetime.datetime(2026, 12, 7, 14, 0, tzinfo=datetime.UTC)
TEN_AM = NINE_AM + datetime.timedelta(hours=1)
ELEVEN_AM = NINE_AM + datetime.timedelta(hours=2)
NINE_AM_THURSDAY = datetime.datetime(2026, 12, 3, 14, 0, tzinfo=datetime.UTC)  # Thursday 3 December, 9:00 in New York
