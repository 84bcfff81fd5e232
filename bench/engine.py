"""Slot engine timings: median and p95 of computing 7, 30 and 60 days of slots.

`python -m bench.engine` measures one size alone, as `make bench` does at each of its sizes: it
seeds one owner (ENGINE_SIZE bookings, default 50,000) in its own PostgreSQL database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/lm_engine_bench — dropped and
re-created, unless ENGINE_REUSE=1 and that owner is there already; BENCH_REDIS_URL default
redis://127.0.0.1:6379/13, emptied), then times the engine ENGINE_ROUNDS times (default 5) and
prints each round and the medians: on a shared machine one round says little.
"""
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench import environment

REPEATS = 40


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_engine(*, owner, now, days: int) -> dict:
    """Times the pure engine over inputs loaded once (the database part is timed separately)."""
    from scheduling import slots
    from scheduling.availability import available_slots, engine_inputs, rules_for
    from scheduling.models import MeetingType

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


def main() -> None:
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lm_engine_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    size = int(os.environ.get("ENGINE_SIZE", "50000"))
    rounds = int(os.environ.get("ENGINE_ROUNDS", "5"))
    reuse = os.environ.get("ENGINE_REUSE") == "1"
    environment.configure(database_url=database_url, redis_url=redis_url)
    if not reuse:
        environment.recreate_database(database_url)
    environment.empty_redis(redis_url)
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from bench import seed

    call_command("migrate", verbosity=0)
    owner = User.objects.filter(slug=f"bench-{size}").first() if reuse else None
    if owner is None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        owner = seed.seed_and_analyze(size=size, now=now)
    else:
        now = owner.date_joined.replace(second=0, microsecond=0)  # about when it was seeded
    figures: dict[int, list[dict]] = {7: [], 30: [], 60: []}
    for round_number in range(1, rounds + 1):
        for days, results in figures.items():
            result = time_engine(owner=owner, now=now, days=days)
            results.append(result)
            print(f"round {round_number}, {days} days: pure engine {result['median_ms']:.2f} ms "
                  f"(p95 {result['p95_ms']:.2f}), with DB {result['with_db_median_ms']:.2f} ms", file=sys.stderr)
    print(f"{size} bookings, medians of {rounds} rounds:")
    for days, results in figures.items():
        print(f"- {days} days ({results[0]['slots']} slots, {results[0]['busy']} busy in window): pure engine "
              f"{statistics.median(r['median_ms'] for r in results):.2f} ms, with DB "
              f"{statistics.median(r['with_db_median_ms'] for r in results):.2f} ms")


if __name__ == "__main__":
    main()
