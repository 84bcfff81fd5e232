"""Run the benchmark: `make bench` (python -m bench). Needs PostgreSQL (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/leadmonk_bench — dropped and re-created), Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/15 — emptied) and wrk."""
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import environment

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadmonk_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "500,5000,50000").split(",")]


def main() -> None:
    environment.start_afresh(database_url=DATABASE_URL, redis_url=REDIS_URL)
    from bench import booking_path, engine, pages, seed
    from bench import memberships as bench_memberships
    from bench import teams as bench_teams
    from bench.report import Report

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    report = Report()
    report.load.append(("start", os.getloadavg()[0]))
    owners = {}
    for size in SIZES:
        began = time.perf_counter()
        owners[size] = seed.seed_owner(size=size, now=now)
        print(f"seeded {size} bookings in {time.perf_counter() - began:.1f}s", file=sys.stderr)

    # A team of three: the smallest owner and two more, with a round-robin meeting type.
    team_members = [owners[SIZES[0]]] + [seed.seed_owner(size=100, now=now, slug=f"team-{n}") for n in "bc"]
    _team, team_meeting_type = bench_teams.seed_team(members=team_members, now=now)

    # Statistics and the visibility map as autovacuum keeps them on a live database; without them
    # PostgreSQL plans the orders list's subqueries as if the bookings table were empty.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    for size in SIZES:
        for days in (7, 30, 60):
            report.engine[(size, days)] = engine.time_engine(owner=owners[size], now=now, days=days)
    report.month_external = engine.time_month_external(owner=owners[SIZES[-1]], now=now)

    next_month = (now.replace(day=28) + timedelta(days=4)).replace(day=1)
    with pages.Server(DATABASE_URL) as server:
        for size in SIZES:
            urls = pages.page_urls(owners[size], next_month=next_month)
            only = [part for part in os.environ.get("BENCH_PAGES", "").split(",") if part]
            for name, (path, header) in urls.items():
                if only and name != "trivial view (base template)" and not any(part in name for part in only):
                    continue
                status, queries = pages.count_queries(path, header)
                figures = pages.load_with_cache_ratio(path, header)
                report.pages[(size, name)] = dict(figures, queries=queries, status=status)
                print(f"{size} {name}: {status} {figures}", file=sys.stderr)
            # Memory per worker after this size's page runs: must not grow with the bookings.
            report.worker_rss[size] = server.worker_rss_mb()
            report.load.append((f"after the {size} pages", os.getloadavg()[0]))
            print(f"{size} worker RSS MB: {report.worker_rss[size]}", file=sys.stderr)

    path_owner = owners[SIZES[0]]
    report.uncontended = booking_path.uncontended(owner=path_owner, now=now)
    # The same at the largest size: a booking must not slow down as the owner's history grows.
    report.uncontended_largest = booking_path.uncontended(owner=owners[SIZES[-1]], now=now)
    report.paid = booking_path.paid_uncontended(owner=path_owner, now=now)
    report.bursts = booking_path.bursts(owner=path_owner, now=now)
    report.bursts.append(bench_teams.round_robin_burst(team_meeting_type=team_meeting_type, now=now))
    report.bursts.append(bench_memberships.renewal_burst(owner=path_owner, now=now))
    owner_a = seed.seed_owner(size=100, now=now, slug="parallel-a")
    owner_b = seed.seed_owner(size=100, now=now, slug="parallel-b")
    report.parallel = booking_path.two_owners(owner_a=owner_a, owner_b=owner_b, now=now)
    report.violations = booking_path.violations()
    report.load.append(("end", os.getloadavg()[0]))

    text = report.render(machine=f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
                                 f"PostgreSQL · {now:%Y-%m-%d}", sizes=SIZES)
    print(text)
    environment.empty_redis(REDIS_URL)
    out = Path(__file__).resolve().parent.parent / "var" / "bench-latest.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(f"(also written to {out})", file=sys.stderr)


if __name__ == "__main__":
    main()
