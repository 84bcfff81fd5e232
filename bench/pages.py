"""Pages under load: SQL queries per request (Django test client) and requests per second with
median and p95 latency (gunicorn, 2 x cores + 1 workers, 20 concurrent wrk connections)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8799"))
DURATION = os.environ.get("BENCH_DURATION", "6s")
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50=%d p95=%d rps=%.2f errors=%d\\n", latency:percentile(50),
    latency:percentile(95), summary.requests / (summary.duration / 1000000),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def portal_cookie(email: str) -> str:
    """The client portal's signed cookie for `email` (portal.session), as a sign-in link leaves it."""
    from django.core import signing

    from portal.session import _SALT, PORTAL_COOKIE

    return f"{PORTAL_COOKIE}={signing.get_cookie_signer(salt=PORTAL_COOKIE + _SALT).sign(email)}"


def api_key(owner) -> str:
    from api.services import api_key_create

    return api_key_create(owner=owner, name="Bench", scope="read").key


def page_urls(owner, *, next_month=None, team: bool = True) -> dict[str, tuple[str, str]]:
    """The pages the bench measures for `owner`: name -> (path, request header: "Cookie: …" or
    "Authorization: …", or ""). The trivial view comes first (the others are compared with it);
    the team pages and the next month's fragment only when asked for."""
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import PackageOrder
    from scheduling.models import MeetingType

    order = PackageOrder.objects.filter(owner=owner).order_by("-created_at").first()
    item = order.items.first()
    dashboard = "Cookie: " + session_cookie(owner)
    key = "Authorization: Bearer " + api_key(owner)
    coaching = MeetingType.objects.get(owner=owner, slug="coaching")
    today = timezone.now().date()
    month = f"start={today:%Y-%m-%d}&end={today + timedelta(days=29):%Y-%m-%d}"
    urls = {
        "trivial view (base template)": ("/bench/trivial/", ""),
        "personal booking page": (f"/{owner.slug}/", ""),
        "team page": ("/team/bench-team/", ""),
        "team meeting booking page": ("/team/bench-team/intro-call/", ""),
        "team month picker fragment": ("/team/bench-team/intro-call/?fragment=picker&tz=UTC", ""),
        "package order page": (f"/{owner.slug}/packages/pack-1/", ""),
        "order details + slot picker": (f"/orders/{order.token}/items/{item.pk}/book/", ""),
        # The fragment the month picker's script swaps in: fixed queries for any month.
        "month picker fragment": (f"/{owner.slug}/coaching/?fragment=picker&tz=UTC", ""),
        "month picker fragment, next month": (
            f"/{owner.slug}/coaching/?fragment=picker&tz=UTC&month={next_month:%Y-%m}" if next_month else "", ""),
        "dashboard orders list": ("/dashboard/orders/", dashboard),
        "dashboard payments list": ("/dashboard/payments/", dashboard),
        "dashboard upcoming sessions": ("/dashboard/", dashboard),
        "dashboard clients page": ("/dashboard/clients/", dashboard),
        "client portal /my/": ("/my/", "Cookie: " + portal_cookie(order.client_email)),
        "API order list": ("/api/v1/orders/", key),
        "API free times (30 days)": (f"/api/v1/meeting-types/{coaching.pk}/free-times/?{month}", key),
    }
    if not team:
        for name in ("team page", "team meeting booking page", "team month picker fragment"):
            del urls[name]
    if next_month is None:
        del urls["month picker fragment, next month"]
    return urls


def count_queries(path: str, header: str = "") -> tuple[int, int]:
    client = Client(HTTP_HOST="127.0.0.1")
    name, _, value = header.partition(": ")
    extra = {}
    if name == "Cookie":
        for part in value.split("; "):
            cookie_name, _, cookie_value = part.partition("=")
            client.cookies[cookie_name] = cookie_value
    elif name:
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    client.get(path, **extra)  # warm caches (zoneinfo, templates)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    return response.status_code, len(queries)


class Server:
    """gunicorn on the bench database, in production mode."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        workers = 2 * (os.cpu_count() or 1) + 1
        env = dict(os.environ, DATABASE_URL=self.database_url, DEBUG="false", BENCH_MODE="true",
                   SECRET_KEY="bench-" + "x" * 60, ALLOWED_HOSTS="127.0.0.1,localhost",
                   CALENDAR_ENCRYPTION_KEY="bGVhZG1vbmstYmVuY2gtY2FsZW5kYXIta2V5LTAwMDE=",
                   SECURE_SSL_REDIRECT="false", LOG_LEVEL="WARNING", TESTING="false")
        subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=ROOT, env=env, check=True)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "leadmonk.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{PORT}",
             "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        return self

    def worker_rss_mb(self) -> list[float]:
        """Resident memory (MB) of each gunicorn worker (the master's children), from /proc."""
        if not self.process:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == self.process.pid:
                    status = (entry / "status").read_text()
                    kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
                    children.append(kb / 1024)
            except (OSError, AttributeError, ValueError, IndexError):
                continue  # the process went away while we looked
        return sorted(children)

    def __exit__(self, *exc) -> None:
        if self.process:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


def cache_counters() -> tuple[int, int]:
    """Redis keyspace hits and misses so far (INFO stats). Server-wide: on a shared Redis, other
    clients' reads count too, so the ratio is only meaningful on a quiet machine."""
    import redis

    info = redis.Redis.from_url(os.environ["REDIS_URL"]).info("stats")
    return int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))


def load(path: str, header: str = "") -> dict:
    """Requests per second and latency (ms) with 20 concurrent connections."""
    if not shutil.which("wrk"):
        raise SystemExit("make bench needs wrk: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t2", "-c20", f"-d{DURATION}", "-s", script.name, f"http://127.0.0.1:{PORT}{path}"]
    if header:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"BENCH p50=(\d+) p95=(\d+) rps=([\d.]+) errors=(\d+)", output)
    if not match:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    p50, p95, rps, errors = match.groups()
    return {"rps": float(rps), "p50_ms": int(p50) / 1000, "p95_ms": int(p95) / 1000, "errors": int(errors)}


def load_with_cache_ratio(path: str, header: str = "") -> dict:
    """`load`, plus the share of cache reads that hit during the run (None when none were made)."""
    hits, misses = cache_counters()
    figures = load(path, header)
    new_hits, new_misses = cache_counters()
    reads = (new_hits - hits) + (new_misses - misses)
    figures["cache_hit_ratio"] = (new_hits - hits) / reads if reads else None
    return figures
