"""Where an uncontended booking's time goes: `python -m bench.profile_booking`.

Seeds one owner (500 bookings, as `make bench`'s booking path uses the smallest owner) in its own
database (`BENCH_DATABASE_URL`, default lm_profile_booking; Redis db 13) with `make bench`'s
settings, then books the owner's "intro" type one time after another as `bench.booking_path.
uncontended` does (`scheduling.services.booking_create`, its transaction, its on-commit work):

- one booking with every query captured (its SQL and wall time: the round trips) and its cache's
  calls to Redis counted;
- PROFILE_BOOKINGS bookings (default 150) timed: wall and this process's CPU (`time.process_time`)
  per booking, medians; wall minus CPU is the waiting (PostgreSQL's work, its commit, Redis);
- as many again sampled on the process's CPU clock (bench.profile.Sampler): CPU by layer and the
  project's functions by cumulative share.
"""
import os
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime

from bench import environment

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lm_profile_booking")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
COUNT = int(os.environ.get("PROFILE_BOOKINGS", "150"))
TOP = int(os.environ.get("PROFILE_TOP", "15"))


@contextmanager
def _counting_cache_calls(calls: Counter):
    """Count the cache's calls to Redis by method (a set_many is one call, one round trip)."""
    from django.core.cache.backends.redis import RedisCacheClient

    methods = {name: getattr(RedisCacheClient, name) for name in (
        "get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch", "has_key")}

    def counted(name, method):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return method(*args, **kwargs)
        return wrapper

    for name, method in methods.items():
        setattr(RedisCacheClient, name, counted(name, method))
    try:
        yield
    finally:
        for name, method in methods.items():
            setattr(RedisCacheClient, name, method)


def main() -> None:
    environment.start_afresh(database_url=DATABASE_URL, redis_url=REDIS_URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import seed
    from bench.booking_path import _free_starts
    from bench.profile import Sampler, layer, short
    from scheduling import services
    from scheduling.models import MeetingType

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    owner = seed.seed_and_analyze(size=500, now=now)
    meeting_type = MeetingType.objects.get(owner=owner, slug="intro")
    starts = iter(_free_starts(meeting_type, now, 2 * COUNT + 2))
    counter = iter(range(10**6))

    def book() -> None:
        index = next(counter)
        services.booking_create(meeting_type=meeting_type, start=next(starts), client_name=f"U{index}",
                                client_email=f"u{index}@example.com", now=now)

    book()  # warm: templates of the messages, zoneinfo, the connection
    cache_calls: Counter = Counter()
    with CaptureQueriesContext(connection) as captured, _counting_cache_calls(cache_calls):
        began = time.perf_counter()
        book()
        one_wall = (time.perf_counter() - began) * 1000
    walls, cpus = [], []
    for _ in range(COUNT):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        book()
        walls.append((time.perf_counter() - wall0) * 1000)
        cpus.append((time.process_time() - cpu0) * 1000)
    with Sampler() as sampler:
        for _ in range(COUNT):
            book()
    own, anywhere, _sets = sampler.tables()
    samples = len(sampler.stacks) or 1
    cpu_ms = statistics.median(cpus)
    environment.empty_redis(REDIS_URL)

    out = [f"## Booking path profile: {COUNT} uncontended bookings (owner of 500 bookings)", "",
           f"load average {os.getloadavg()[0]:.1f} · {now:%Y-%m-%d %H:%M} UTC", "",
           f"- wall per booking: median {statistics.median(walls):.2f} ms "
           f"({1000 / statistics.median(walls):.0f}/s one after another)",
           f"- CPU of this process per booking: median {cpu_ms:.2f} ms",
           f"- queries per booking: {len(captured.captured_queries)}, "
           f"{sum(float(q['time']) for q in captured.captured_queries) * 1000:.2f} ms wall inside them "
           f"(of {one_wall:.2f} ms for that booking)",
           f"- Redis calls of the cache for that booking: {sum(cache_calls.values())} "
           f"({', '.join(f'{count} {name}' for name, count in sorted(cache_calls.items())) or 'none'}; "
           "the Celery message is not counted)", "",
           "| # | query (first 110 characters) | ms |", "|---:|---|---:|"]
    for number, query in enumerate(captured.captured_queries, 1):
        sql = query["sql"].replace("|", "\\|")[:110]
        out.append(f"| {number} | `{sql}` | {float(query['time']) * 1000:.2f} |")
    by_layer = Counter()
    for key, count in own.items():
        by_layer[layer(key[0])] += count
    out += ["", "| layer (self time) | share of CPU | ms |", "|---|---:|---:|"]
    for name, count in by_layer.most_common():
        if count / samples >= 0.02:
            out.append(f"| {name} | {count / samples:.0%} | {count / samples * cpu_ms:.2f} |")
    project = [(key, count) for key, count in anywhere.most_common() if layer(key[0]) == "project code"]
    out += ["", f"| project function (top {TOP} by cumulative) | share of CPU | ms |", "|---|---:|---:|"]
    for key, count in project[:TOP]:
        out.append(f"| {short(key)} | {count / samples:.0%} | {count / samples * cpu_ms:.2f} |")
    out += ["", f"| function (top {TOP} by self time) | share of CPU | ms |", "|---|---:|---:|"]
    for key, count in own.most_common(TOP):
        out.append(f"| {short(key)} | {count / samples:.0%} | {count / samples * cpu_ms:.2f} |")
    print("\n".join(out))
    print(f"(profiled {COUNT} bookings)", file=sys.stderr)


if __name__ == "__main__":
    main()
