"""Where the renewal burst's time goes: `python -m bench.profile_renewal`.

In a database of its own (`BENCH_DATABASE_URL`, default lm_renewal_profile, dropped and re-created;
Redis db 10) with `make bench`'s settings, each on a fresh owner (the burst's seed names its package
and meeting type, one per owner):

- one renewal with every query captured (its SQL and wall time), marking those inside the owner's
  lock (from `lock_owner` to the commit: what the burst's renewals queue on);
- PROFILE_RENEWALS (default 40) renewals one after another: wall and this process's CPU per renewal
  (medians), and the time from taking each lock to the commit; as many again sampled on the
  process's CPU clock (bench.profile.Sampler): the project's functions by cumulative share, the top
  functions by self time;
- `bench.memberships.renewal_burst` PROFILE_BURSTS times (default 3): seconds, exactness, the
  process's CPU during the burst (its 50 threads share one interpreter: that part is serial
  whatever the locks do), and per renewal the wait for the owner's lock and the time it was held.
"""
import os
import statistics
import threading
import time
from datetime import UTC, datetime

from bench import environment

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lm_renewal_profile")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
COUNT = int(os.environ.get("PROFILE_RENEWALS", "40"))
BURSTS = int(os.environ.get("PROFILE_BURSTS", "3"))
TOP = int(os.environ.get("PROFILE_TOP", "25"))


class LockClock:
    """Times the locks a renewal queues on: the owner's (`lock_owner`, or `lock_owner_shared` as a
    renewal takes it) and the owner's invoice numbers (`invoices.services._next_invoice_number`, on
    PostgreSQL `_insert_numbered` with the invoice in one statement, before them `_lock_sequence`).
    For each, the wait for it and from holding it to the end of the COMMIT (the connection's
    `commit` wrapped: the transaction's locks are released there)."""

    TARGETS = [("memberships.services", "lock_owner"), ("memberships.services", "lock_owner_shared"),
               ("invoices.services", "_next_invoice_number"), ("invoices.services", "_lock_sequence"),
               ("invoices.services", "_insert_numbered")]

    def __init__(self):
        self.waits: dict[str, list[float]] = {}
        self.holds: dict[str, list[float]] = {}
        self.mutex = threading.Lock()
        self.pending = threading.local()
        self.originals = []

    def _timed(self, name: str, original):
        def timed(*args, **kwargs):
            asked = time.perf_counter()
            result = original(*args, **kwargs)
            held = time.perf_counter()
            if not hasattr(self.pending, "locks"):
                self.pending.locks = []
            self.pending.locks.append((name, held - asked, held))
            return result
        return timed

    def _committing(self, original):
        def commit(connection, *args, **kwargs):
            result = original(connection, *args, **kwargs)
            done = time.perf_counter()
            with self.mutex:
                for name, wait, held in getattr(self.pending, "locks", []):
                    self.waits.setdefault(name, []).append(wait)
                    self.holds.setdefault(name, []).append(done - held)
            self.pending.locks = []
            return result
        return commit

    def __enter__(self) -> "LockClock":
        import importlib

        from django.db import connections

        for module_name, name in self.TARGETS:
            module = importlib.import_module(module_name)
            original = getattr(module, name, None)
            if original is None:  # the code before a change (an A/B run with this runner)
                continue
            self.originals.append((module, name, original))
            setattr(module, name, self._timed(name, original))
        wrapper = type(connections["default"])
        self.originals.append((wrapper, "commit", wrapper.commit))
        wrapper.commit = self._committing(wrapper.commit)
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self.originals):
            setattr(owner, name, original)

    def summary(self) -> str:
        return "; ".join(
            f"{name} {len(holds)}×: wait median {statistics.median(self.waits[name]) * 1000:.1f} ms "
            f"(max {max(self.waits[name]) * 1000:.0f}), held median {statistics.median(holds) * 1000:.2f} ms, "
            f"in all {sum(holds):.2f} s"
            for name, holds in sorted(self.holds.items()))


def _owner(slug: str):
    from accounts.models import User
    from accounts.plans import Plan

    return User.objects.create_user(email=f"{slug}@example.com", password="bench-pass-123", slug=slug,
                                    display_name=slug, timezone="UTC", plan=Plan.TEAM, email_verified=True)


def main() -> None:
    environment.start_afresh(database_url=DATABASE_URL, redis_url=REDIS_URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import memberships as bench_memberships
    from bench.profile import Sampler, layer, short
    from memberships.services import membership_renew_locally

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    out = [f"## Renewal profile ({COUNT} renewals one after another, {BURSTS} bursts)", "",
           f"load average {os.getloadavg()[0]:.1f} · {now:%Y-%m-%d %H:%M} UTC", ""]

    memberships = bench_memberships.seed(owner=_owner("renewal-serial"), now=now, members=2 * COUNT + 2)
    sampled = memberships[COUNT + 2:]
    memberships = memberships[:COUNT + 2]

    def renew(membership) -> bool:
        return membership_renew_locally(membership_id=membership.pk, period_start=membership.current_period_end,
                                        now=now).renewed

    renew(memberships[0])  # warm: the connection, the first invoice's sequence row
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        assert renew(memberships[1])
        one_wall = (time.perf_counter() - began) * 1000
    walls, cpus = [], []
    with LockClock() as serial:
        for membership in memberships[2:]:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            assert renew(membership)
            walls.append((time.perf_counter() - wall0) * 1000)
            cpus.append((time.process_time() - cpu0) * 1000)
    again_cpus = []
    for membership in memberships[2:]:
        cpu0 = time.process_time()
        assert not renew(membership)
        again_cpus.append((time.process_time() - cpu0) * 1000)

    with Sampler() as sampler:
        for membership in sampled:
            assert renew(membership)
    own, anywhere, _sets = sampler.tables()
    samples = len(sampler.stacks) or 1
    cpu_ms = statistics.median(cpus)

    queries = captured.captured_queries
    # From the first lock the renewals of one owner queue on (the owner's, or the invoice numbers'
    # when the owner's is shared) to the commit.
    locked_from = next((n for n, q in enumerate(queries)
                        if q["sql"].startswith('SELECT "id" FROM "accounts_user"') and "FOR UPDATE" in q["sql"]
                        or q["sql"].startswith('INSERT INTO "invoices_numbersequence"')
                        or q["sql"].startswith('WITH n AS (INSERT INTO "invoices_numbersequence"')), None)
    out += [f"- one renewal: {len(queries)} queries, {sum(float(q['time']) for q in queries) * 1000:.2f} ms wall "
            f"inside them (of {one_wall:.2f} ms); "
            + (f"{len(queries) - locked_from} of them from the lock renewals queue on to the commit"
               if locked_from is not None else "no lock"),
            f"- one after another: wall median {statistics.median(walls):.2f} ms, CPU median "
            f"{statistics.median(cpus):.2f} ms; a period already recorded: CPU median "
            f"{statistics.median(again_cpus):.2f} ms",
            f"- {serial.summary()}", "",
            "| # | query (first 110 characters) | ms |", "|---:|---|---:|"]
    for number, query in enumerate(queries, 1):
        sql = query["sql"].replace("|", "\\|")[:110]
        mark = " (locked)" if locked_from is not None and number > locked_from else ""
        out.append(f"| {number}{mark} | `{sql}` | {float(query['time']) * 1000:.2f} |")

    project = [(key, count) for key, count in anywhere.most_common() if layer(key[0]) == "project code"]
    out += ["", f"| project function (top {TOP} by cumulative, {len(sampled)} renewals sampled) | share of CPU | ms |",
            "|---|---:|---:|"]
    out += [f"| {short(key)} | {count / samples:.0%} | {count / samples * cpu_ms:.2f} |"
            for key, count in project[:TOP]]
    out += ["", f"| function (top {TOP} by self time) | share of CPU | ms |", "|---|---:|---:|"]
    out += [f"| {short(key)} | {count / samples:.0%} | {count / samples * cpu_ms:.2f} |"
            for key, count in own.most_common(TOP)]
    out += ["", "| burst | seconds | renewed | errors | CPU s | load | locks |",
            "|---:|---:|---:|---:|---:|---:|---|"]
    for run in range(1, BURSTS + 1):
        burst_memberships = bench_memberships.seed(owner=_owner(f"renewal-burst-{run}"), now=now)
        with LockClock() as clock:
            result = bench_memberships.renew_at_once(burst_memberships, now=now)
        out.append(f"| {run} | {result['seconds']:.2f} | {result['succeeded']}/{result['expected']} | "
                   f"{result['errors']} | {result['cpu_seconds']:.2f} | {os.getloadavg()[0]:.1f} | {clock.summary()} |")
    environment.empty_redis(REDIS_URL)
    print("\n".join(out))


if __name__ == "__main__":
    main()
