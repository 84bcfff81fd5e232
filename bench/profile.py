"""Where a page's time goes: `python -m bench.profile`.

Seeds one owner (PROFILE_SIZE bookings, default 5,000) and the bench's team of three in its own PostgreSQL database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/lm_profile — dropped and
re-created) with Redis database 14 (BENCH_REDIS_URL, emptied), in the settings `make bench` uses
(DEBUG off, Redis cache and sessions, persistent connections). Then, for each page the bench
measures, in this one process, through Django's WSGI handler as gunicorn calls it:

- one request to warm it (templates, zoneinfo, the page's own cache entries), one to count its
  SQL queries (and the wall time inside them) and its cache calls;
- PROFILE_REQUESTS requests (default 200) timed in ten batches: CPU ms per request, the median
  batch (time.process_time: this process only, so PostgreSQL's and Redis's work and any waiting
  are not in it; other load on the machine moves it far less than wall time), and wall ms for
  information;
- where that CPU goes, sampled: a SIGPROF timer fires on the process's CPU time (ITIMER_PROF:
  waiting on a socket or for a core takes no samples) and each sample records the Python stack,
  for at least PROFILE_CPU_SECONDS (default 4) of CPU. A C function's time lands on the Python
  function that called it (psycopg2's execute on Django's cursor wrapper). From the samples:
  Django's major stages (inclusive), the time by layer (self), the top functions by self time and
  the project's top functions by cumulative time, each as a share of the page's CPU and as ms;
- PROFILE_REQUESTS requests under cProfile, for the calls per request of the functions listed
  (cProfile's clock is the wall clock, which counts waiting on a loaded machine; a CPU clock
  costs a system call per event and inflated call-heavy code five-fold, so its times are not used).

Prints markdown. No gunicorn, no wrk: `make bench` measures throughput; this says where it goes.
"""
import cProfile
import io
import os
import pstats
import signal
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench import environment

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lm_profile")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SIZE = int(os.environ.get("PROFILE_SIZE", "5000"))
REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "200"))
TOP = int(os.environ.get("PROFILE_TOP", "10"))
CPU_SECONDS = float(os.environ.get("PROFILE_CPU_SECONDS", "4"))


def environ(path: str, cookie: str) -> dict:
    """A GET as gunicorn hands it to Django."""
    path_info, _, query = path.partition("?")
    env = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path_info, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "bench-profile",
        "HTTP_ACCEPT": "text/html", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if path.startswith("/api/"):
        env["HTTP_ACCEPT"] = "application/json"
    name, _, value = cookie.partition(": ")  # a request header of bench.pages.page_urls
    if name:
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def request(handler, path: str, cookie: str) -> tuple[str, int]:
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    response = handler(environ(path, cookie), start_response)
    try:
        size = sum(len(chunk) for chunk in response)
    finally:
        response.close()  # request_finished, as gunicorn does
    return status[0], size


def code_key(function) -> tuple[str, int, str]:
    code = getattr(function, "__code__", None) or function.__func__.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def stages() -> list[tuple[str, list]]:
    """Django's major stages, each as the functions whose inclusive time it is."""
    from django.contrib.auth import get_user
    from django.core.cache.backends.redis import RedisCache
    from django.core.handlers.base import BaseHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.db.backends.utils import CursorWrapper
    from django.db.models.base import Model
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.backends.django import Template
    from django.urls.resolvers import URLResolver

    from leadmonk.sessions import SessionStore

    cache_methods = ["get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch",
                     "has_key", "get_or_set"]
    return [
        ("request (WSGI handler)", [WSGIHandler.__call__]),
        ("view + response render", [BaseHandler._get_response]),
        ("URL resolve", [URLResolver.resolve]),
        ("template render", [Template.render]),
        ("ORM: queries run (compile + DB + rows)", [SQLCompiler.execute_sql]),
        ("ORM: SQL compile", [SQLCompiler.as_sql]),
        ("DB execute (psycopg2, CPU side)", [CursorWrapper._execute]),
        ("ORM: model instances", [Model.from_db]),
        ("cache (Redis) calls", [getattr(RedisCache, name) for name in cache_methods if hasattr(RedisCache, name)]),
        ("session load", [SessionStore.load]),
        ("auth: get_user", [get_user]),
    ]


def layer(filename: str) -> str:
    path = filename.replace(os.sep, "/")
    if path.endswith("encodings/utf_8.py"):
        # Called by psycopg2's C code for each text value: the first Python frame a sample can land on
        # after the driver's C work (sending the query, reading and parsing rows), so that work shows here.
        return "DB driver"
    if "site-packages/" not in path:
        if path.startswith(str(ROOT)) and "/bench/" not in path:
            return "project code"
        return "bench harness" if "/bench/" in path else "Python stdlib"
    package = path.split("site-packages/", 1)[1]
    for prefix, name in [
        ("django/template/", "templates"), ("django/templatetags/", "templates"), ("django/forms/", "forms"),
        ("django/db/models/sql/", "ORM: SQL compile"), ("django/db/models/", "ORM: querysets and models"),
        ("django/db/backends/", "DB driver"), ("django/db/", "DB driver"), ("psycopg", "DB driver"),
        ("django/core/cache/", "cache (Redis)"), ("redis/", "cache (Redis)"),
        ("django/middleware/", "middleware"), ("django/contrib/sessions/", "middleware"),
        ("django/contrib/auth/", "middleware"), ("django/contrib/messages/", "middleware"),
        ("csp/", "middleware"), ("axes/", "middleware"), ("whitenoise/", "middleware"),
        ("django/core/handlers/", "request/response"), ("django/http/", "request/response"),
        ("django/urls/", "request/response"), ("django/core/signals", "request/response"),
        ("django/dispatch/", "request/response"), ("django/contrib/staticfiles/", "templates"),
        ("django/utils/", "django utils (translation, dates, escaping)"),
    ]:
        if package.startswith(prefix):
            return name
    return "other libraries" if not package.startswith("django/") else "django other"


def short(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    path = filename.replace(os.sep, "/")
    if path.startswith(str(ROOT)):
        path = path[len(str(ROOT)) + 1:]
    elif "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    return f"`{path}:{line} {name}`"


class Sampler:
    """Python stacks sampled on the process's CPU clock (SIGPROF)."""

    def __init__(self, interval: float = 0.0005):
        self.interval = interval
        self.stacks: list[tuple] = []

    def _sample(self, _signum, frame) -> None:
        codes = []
        while frame is not None:
            codes.append(frame.f_code)
            frame = frame.f_back
        self.stacks.append(tuple(codes))

    def __enter__(self) -> "Sampler":
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)

    def tables(self) -> tuple[Counter, Counter, list[set]]:
        """Samples per function as the innermost frame (self), per function anywhere on the stack
        (cumulative), and each sample's set of functions."""
        own, anywhere, sets = Counter(), Counter(), []
        for stack in self.stacks:
            keys = {(c.co_filename, c.co_firstlineno, c.co_name) for c in stack}
            top = stack[0]
            own[(top.co_filename, top.co_firstlineno, top.co_name)] += 1
            anywhere.update(keys)
            sets.append(keys)
        return own, anywhere, sets


def profile_page(handler, name: str, path: str, cookie: str) -> tuple[str, float, int]:
    from django.core.cache.backends.redis import RedisCacheClient
    from django.db import connection

    status, body = request(handler, path, cookie)  # warm: templates, zoneinfo, the page's cache entries
    if not status.startswith("200"):
        raise SystemExit(f"{path} answered {status}: a profile of an error page would say nothing")
    queries = [0, 0.0]

    def count(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries[0] += 1
            queries[1] += time.perf_counter() - began

    cache_calls = [0]
    client_methods = {m: getattr(RedisCacheClient, m) for m in ("get", "get_many", "set", "set_many", "add",
                                                                "delete", "incr", "touch", "has_key")}

    def counted(method):
        def wrapper(*args, **kwargs):
            cache_calls[0] += 1
            return method(*args, **kwargs)
        return wrapper

    for method_name, method in client_methods.items():
        setattr(RedisCacheClient, method_name, counted(method))
    try:
        with connection.execute_wrapper(count):
            request(handler, path, cookie)
    finally:
        for method_name, method in client_methods.items():
            setattr(RedisCacheClient, method_name, method)

    # Ten batches; the median batch, so that a burst of load elsewhere moves the figure little.
    batch = max(1, REQUESTS // 10)
    cpu, wall = [], []
    for _ in range(10):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(batch):
            request(handler, path, cookie)
        cpu.append((time.process_time() - cpu0) * 1000 / batch)
        wall.append((time.perf_counter() - wall0) * 1000 / batch)
    cpu_ms, wall_ms = statistics.median(cpu), statistics.median(wall)

    sampled = 0
    with Sampler() as sampler:
        cpu0 = time.process_time()
        while sampled < REQUESTS or time.process_time() - cpu0 < CPU_SECONDS:
            request(handler, path, cookie)
            sampled += 1
    own, anywhere, sets = sampler.tables()
    samples = len(sampler.stacks) or 1

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(REQUESTS):
        request(handler, path, cookie)
    profiler.disable()
    calls = {key: value[1] / REQUESTS for key, value in pstats.Stats(profiler).stats.items()}

    def cell(count: float) -> str:
        return f"{count / samples:.0%} | {count / samples * cpu_ms:.2f}"

    lines = [f"### {name} — `{path}`", "",
             f"{status}, {body} bytes · **CPU {cpu_ms:.2f} ms/request** (wall {wall_ms:.2f}) · "
             f"{queries[0]} queries ({queries[1] * 1000:.2f} ms wall inside them) · {cache_calls[0]} cache calls · "
             f"{samples} samples over {sampled} requests", ""]
    lines += ["| stage (inclusive) | share of CPU | ms |", "|---|---:|---:|"]
    stage_list = stages()
    for stage_name, functions in stage_list:
        keys = {code_key(f) for f in functions}
        spent = sum(1 for stack in sets if stack & keys)
        if spent or stage_name.startswith(("request", "view")):
            lines.append(f"| {stage_name} | {cell(spent)} |")
    request_key, view_key = code_key(stage_list[0][1][0]), code_key(stage_list[1][1][0])
    outside = sum(1 for stack in sets if request_key in stack and view_key not in stack)
    lines.append(f"| middleware + handler, outside the view | {cell(outside)} |")
    by_layer = Counter()
    for key, count in own.items():
        by_layer[layer(key[0])] += count
    lines += ["", "| layer (self time) | share of CPU | ms |", "|---|---:|---:|"]
    for layer_name, count in by_layer.most_common():
        if count / samples >= 0.02:
            lines.append(f"| {layer_name} | {cell(count)} |")
    lines += ["", f"| function (top {TOP} by self time) | calls/request | share of CPU | ms |", "|---|---:|---:|---:|"]
    for key, count in own.most_common(TOP):
        lines.append(f"| {short(key)} | {calls.get(key, 0):g} | {cell(count)} |")
    project = [(key, count) for key, count in anywhere.most_common() if layer(key[0]) == "project code"]
    lines += ["", f"| project function (top {TOP} by cumulative) | calls/request | share of CPU | ms |",
              "|---|---:|---:|---:|"]
    for key, count in project[:TOP]:
        lines.append(f"| {short(key)} | {calls.get(key, 0):g} | {cell(count)} |")
    lines.append("")
    return "\n".join(lines), cpu_ms, queries[0]


def main() -> None:
    environment.start_afresh(database_url=DATABASE_URL, redis_url=REDIS_URL)
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest {% static %} reads
    from bench import pages, seed

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    owner = seed.seed_and_analyze(size=SIZE, now=now)
    # The bench's team of three (this owner and two of 100 bookings), for the team pages.
    from bench import teams as bench_teams

    bench_teams.seed_team(members=[owner] + [seed.seed_owner(size=100, now=now, slug=f"team-{n}") for n in "bc"],
                          now=now)
    urls = pages.page_urls(owner)
    handler = WSGIHandler()
    sections, summary = [], []
    only = [name for name in os.environ.get("PROFILE_PAGES", "").split(",") if name]
    for name, (path, page_cookie) in urls.items():
        if only and name != "trivial view (base template)" and not any(part in name for part in only):
            continue
        text, cpu_ms, queries = profile_page(handler, name, path, page_cookie)
        sections.append(text)
        print(text, file=sys.stderr, flush=True)
        summary.append((name, cpu_ms, queries))
        print(f"{name}: {cpu_ms:.2f} ms CPU, {queries} queries", file=sys.stderr)
    environment.empty_redis(REDIS_URL)
    import platform

    print(f"## Profile: {SIZE} bookings, {REQUESTS} requests per page\n")
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
          f"load average {os.getloadavg()[0]:.1f} · {now:%Y-%m-%d %H:%M} UTC\n")
    print("| page | CPU ms/request | queries |", "|---|---:|---:|", sep="\n")
    for name, cpu_ms, queries in summary:
        print(f"| {name} | {cpu_ms:.2f} | {queries} |")
    print()
    print("\n".join(sections))


if __name__ == "__main__":
    main()
