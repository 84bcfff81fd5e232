"""Slot engine timings: median and p95 of computing 7, 30 and 60 days of slots."""
import statistics
import time
from datetime import timedelta

from scheduling import slots
from scheduling.availability import available_slots, engine_inputs, rules_for
from scheduling.models import MeetingType

REPEATS = 40


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_engine(*, owner, now, days: int) -> dict:
    """Times the pure engine over inputs loaded once (the database part is timed separately)."""
    meeting_type = MeetingType.objects.select_related("owner").get(owner=owner, slug="coaching")
    range_start, range_end = now, now + timedelta(days=days)
    availability, busy = engine_inputs(meeting_type, range_start, range_end)  # as available_slots loads them
    rules = rules_for(meeting_type)
    samples, count = [], 0
    for _ in range(REPEATS):
        began = time.perf_counter()
        result = slots.compute_slots(rules=rules, availability=availability, busy=busy, now=now,
                                     range_start=range_start, range_end=range_end)
        samples.append((time.perf_counter() - began) * 1000)
        count = len(result)
    # The same with loading from the database, as a page does it.
    loaded = []
    for _ in range(REPEATS // 4):
        began = time.perf_counter()
        available_slots(meeting_type=meeting_type, range_start=range_start, range_end=range_end, now=now)
        loaded.append((time.perf_counter() - began) * 1000)
    return {
        "median_ms": statistics.median(samples), "p95_ms": percentile(samples, 0.95),
        "with_db_median_ms": statistics.median(loaded), "slots": count, "busy": len(busy),
    }
