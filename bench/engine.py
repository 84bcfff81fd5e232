"""Slot engine timings: median and p95 of computing 7, 30 and 60 days of slots.

`python -m bench.engine` measures one size alone, as `make bench` does at each of its sizes: it
seeds one owner (ENGINE_SIZE bookings, default 50,000) in its own PostgreSQL database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/lm_engine_bench — dropped and
re-created, unless ENGINE_REUSE=1 and that owner is there already; BENCH_REDIS_URL default
redis://127.0.0.1:6379/13, emptied), then times the engine ENGINE_ROUNDS times (default 5) and
prints each round and the medians: on a shared machine one round says little. Then the month with
and without the owner's external busy times (time_month_external).
"""
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench import environment

REPEATS = 40
# The month with and without external events: rounds alternate the two sides, samples per side and round.
MONTH_ROUNDS = 6
MONTH_SAMPLES = 20


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


def _park_external(*, owner, parking) -> int:
    """Move `owner`'s external busy times to `parking` (or back), then VACUUM ANALYZE the table so
    neither side of the comparison walks the dead index entries the UPDATE leaves. Returns how many
    rows moved."""
    from django.db import connection

    from scheduling.models import ExternalBusy

    moved = ExternalBusy.objects.filter(owner=owner).update(owner=parking)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(ExternalBusy._meta.db_table)}")
    return moved


def time_month_external(*, owner, now, rounds: int = MONTH_ROUNDS, samples: int = MONTH_SAMPLES) -> dict:
    """A month (30 days) of the coaching type's availability as a page asks for it
    (`available_slots`: its one query and the engine), with the owner's external busy times and
    without them, in alternating rounds: on a machine others load, a slow spell then falls on both
    sides alike, and their ratio is what the external events cost. 'Without' parks the owner's
    ExternalBusy rows on another owner for its round (the same table, the same index).

    Returns the medians of all samples of each side (wall clock, and this process's CPU), their
    ratio, the busy intervals each side reads in the window and the external rows the owner has."""
    from accounts.models import User
    from scheduling.availability import available_slots, engine_inputs
    from scheduling.models import ExternalBusy, MeetingType

    meeting_type = MeetingType.objects.select_related("owner").get(owner=owner, slug="coaching")
    range_start, range_end = now, now + timedelta(days=30)
    parking, _ = User.objects.get_or_create(email="bench-parking@example.com",
                                            defaults={"slug": "bench-parking", "display_name": "Parking"})
    external_rows = ExternalBusy.objects.filter(owner=owner).count()
    with_external, without_external = [], []
    cpu_with, cpu_without = [], []
    busy_with = len(engine_inputs(meeting_type, range_start, range_end)[1])
    busy_without = busy_with

    def run(into: list[float], cpu: list[float]) -> None:
        available_slots(meeting_type=meeting_type, range_start=range_start, range_end=range_end, now=now)  # warm
        for _ in range(samples):
            began, began_cpu = time.perf_counter(), time.process_time()
            available_slots(meeting_type=meeting_type, range_start=range_start, range_end=range_end, now=now)
            into.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)

    for _ in range(rounds):
        run(with_external, cpu_with)
        _park_external(owner=owner, parking=parking)
        try:
            busy_without = len(engine_inputs(meeting_type, range_start, range_end)[1])
            run(without_external, cpu_without)
        finally:
            _park_external(owner=parking, parking=owner)
    with_ms, without_ms = statistics.median(with_external), statistics.median(without_external)
    return {
        "with_ms": with_ms, "without_ms": without_ms, "ratio": with_ms / without_ms,
        "with_p95_ms": percentile(with_external, 0.95), "without_p95_ms": percentile(without_external, 0.95),
        "busy_with": busy_with, "busy_without": busy_without, "external_rows": external_rows,
        "samples": len(with_external),
        # This process's CPU only (the engine and reading the rows; not PostgreSQL's side, nor
        # the time spent waiting for a core): what the load of other processes hardly moves.
        "cpu_with_ms": statistics.median(cpu_with), "cpu_without_ms": statistics.median(cpu_without),
    }


def month_external_line(month: dict, *, size: int) -> str:
    return (f"a month (30 days) of availability at {size} bookings plus {month['external_rows']:,} external events, "
            f"with its query: median {month['with_ms']:.2f} ms (p95 {month['with_p95_ms']:.2f}; target ≤ 5 ms); "
            f"the same month without the external events in the same run {month['without_ms']:.2f} ms "
            f"(p95 {month['without_p95_ms']:.2f}): ratio {month['ratio']:.2f}; busy intervals in the window "
            f"{month['busy_with']} with, {month['busy_without']} without; this process's CPU per month "
            f"{month['cpu_with_ms']:.2f} ms with, {month['cpu_without_ms']:.2f} ms without "
            f"(ratio {month['cpu_with_ms'] / month['cpu_without_ms']:.2f}); {month['samples']} samples each, "
            f"in alternating rounds")


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
    month = time_month_external(owner=owner, now=now)
    print(f"{size} bookings, medians of {rounds} rounds:")
    for days, results in figures.items():
        print(f"- {days} days ({results[0]['slots']} slots, {results[0]['busy']} busy in window): pure engine "
              f"{statistics.median(r['median_ms'] for r in results):.2f} ms, with DB "
              f"{statistics.median(r['with_db_median_ms'] for r in results):.2f} ms")
    print(f"- {month_external_line(month, size=size)}")


if __name__ == "__main__":
    main()
