"""The clock every test runs at (conftest.py travels there for each test; module-wide test data
is built there too), read from LEADMONK_TEST_CLOCK or the default below."""
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

