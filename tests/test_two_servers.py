"""Two app servers behind one load balancer, on one PostgreSQL database and one Redis: what one
server does, the other sees at once. Two real gunicorns (scripts/appserver.py) on two
loopback ports; the test plays the balancer, spreading its clients over both and appending each
client's address to X-Forwarded-For (TRUSTED_PROXY_COUNT=1). Needs PostgreSQL and REDIS_URL; CI sets both."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings
from django.db import connection

from orders.models import OrderStatus
from orders.services import order_create
from scheduling.models import Booking, BookingStatus
from scheduling.selectors import format_slot_start
from tests import make_meeting_type, make_owner, make_package, set_weekly_hours, suite_clock

REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "pass-for-tests-123"
NEW_YORK = ZoneInfo("America/New_York")
RACERS = 30
START_TIMEOUT = 40.0  # seconds for a server to answer its first request (a busy 2-core machine)
REQUEST_TIMEOUT = 30.0


# --- The servers --------------------------------------------------------------------------------


def _test_database_url() -> str:
    """DATABASE_URL with the name of the database this test runs in (test_<name>)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, name: str, env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "scripts" / "appserver.py"), self.url.removeprefix("http://")],
            cwd=settings.BASE_DIR, env={**env, "PYTHONPATH": str(settings.BASE_DIR)}, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url + "/accounts/login/", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.25)
        pytest.fail(f"server {self.name} did not start; its log:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn stops its workers, then itself

    def wait_until_stopped(self) -> None:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the master and its workers
            self.process.wait()
        self.log.close()


@pytest.fixture
def servers(transactional_db, tmp_path):
    """Servers A and B: two gunicorns of two workers each, on this test's database and one Redis.
    Their cache keys get a prefix of their own (the TESTING key prefix, leadmonk/settings.py),
    shared by the two and deleted afterwards."""
    import redis

    worker = f"two-servers-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": REDIS_URL,
        # TESTING (DEBUG on): email kept in memory and tasks run in the request, so nothing is queued
        # in the shared Redis for a worker that is not there; the fast hasher the test's users have.
        "DEBUG": "true",
        "TESTING": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTEST_XDIST_WORKER": worker,
        "TRUSTED_PROXY_COUNT": "1",
        "LEADMONK_TEST_CLOCK": suite_clock().isoformat(),
        "LOG_LEVEL": "WARNING",
    }
    pair = []
    try:
        for name in ("A", "B"):
            pair.append(Server(name, env, tmp_path / f"server-{name}.log"))
        for server in pair:
            server.wait_until_up()
        yield pair
    finally:
        for server in pair:
            server.stop()
        for server in pair:  # both at once: a gunicorn takes a few seconds to stop
            server.wait_until_stopped()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"test-*-{worker}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


# --- The clients --------------------------------------------------------------------------------


class Browser:
    """A person's browser at `address`, reaching whichever server the balancer picks."""

    def __init__(self, address: str):
        self.session = requests.Session()
        self.session.trust_env = False  # straight to the loopback servers, whatever proxy the machine sets
        self.session.headers["X-Forwarded-For"] = address

    def get(self, server: Server, path: str) -> requests.Response:
        return self.session.get(server.url + path, timeout=REQUEST_TIMEOUT)

    def submit(self, server: Server, path: str, data: dict, form_page: str | None = None) -> requests.Response:
        """Open the form's page, then post the form with the CSRF token the page carries."""
        page = self.get(server, form_page or path)
        assert page.status_code == 200, f"{form_page or path} answered {page.status_code}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.session.post(server.url + path, data={"csrfmiddlewaretoken": token, **data},
                                 timeout=REQUEST_TIMEOUT)

    def log_in(self, server: Server, password: str) -> requests.Response:
        return self.submit(server, "/accounts/login/", {"username": "owner@example.com", "password": password})


def _page_text(response: requests.Response) -> str:
    """What a person reads on the page (markup and runs of white space removed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.text).split())


# --- The world ----------------------------------------------------------------------------------


def _next_week_at(hour: int, *, days: int = 7, plus_minutes: int = 0) -> datetime:
    """`hour` o'clock `days` after the suite's clock, in the owner's New York, and `plus_minutes`."""
    day = suite_clock().astimezone(NEW_YORK).date() + timedelta(days=days)
    return datetime.combine(day, clock_time(hour), tzinfo=NEW_YORK) + timedelta(minutes=plus_minutes)


@pytest.fixture
def world(transactional_db):
    owner = make_owner(email="owner@example.com", slug="coach", display_name="Casey Coach")
    set_weekly_hours(owner, {day: [(clock_time(9), clock_time(17))] for day in range(7)})
    coaching = make_meeting_type(owner, name="Coaching session", slug="coaching")
    intro = make_meeting_type(owner, name="Intro call", slug="intro")
    walk = make_meeting_type(owner, name="Walk and talk", slug="walk-and-talk")
    package = make_package(owner, items=[(coaching, 3)], name="Three sessions", price=0)
    order = order_create(package=package, client_name="Jamie Client", client_email="jamie@example.com",
                         client_timezone="America/New_York")
    assert order.status == OrderStatus.ACTIVE
    return {"owner": owner, "intro": intro, "walk": walk, "order": order, "item": order.items.get()}


# --- The test -----------------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (CI does)")
@pytest.mark.django_db(transaction=True)  # committed: the servers read it through their own connections
def test_two_servers_on_one_database_and_one_redis_act_as_one_site(world, servers):
    server_a, server_b = servers
    _an_edit_through_a_shows_on_b_at_once(world, server_a, server_b)
    _clients_racing_over_both_servers_book_exactly_what_there_is(world, servers)
    _a_lockout_on_a_holds_on_b(server_a, server_b)


def _an_edit_through_a_shows_on_b_at_once(world, server_a: Server, server_b: Server) -> None:
    visitor = Browser("198.51.100.10")
    for _ in range(2):  # B renders the page, then serves it from the shared cache
        before = visitor.get(server_b, "/coach/")
        assert before.status_code == 200 and "Walk and talk" in _page_text(before)

    owner = Browser("198.51.100.11")
    assert owner.log_in(server_a, PASSWORD).url.endswith("/dashboard/")
    disabled = owner.submit(server_a, f"/dashboard/meeting-types/{world['walk'].pk}/state/",
                            {"state": "disabled"}, form_page="/dashboard/meeting-types/")
    assert "“Walk and talk” is disabled" in _page_text(disabled)

    after = visitor.get(server_b, "/coach/")
    assert after.status_code == 200
    assert "Walk and talk" not in _page_text(after) and "Intro call" in _page_text(after)


def _clients_racing_over_both_servers_book_exactly_what_there_is(world, servers) -> None:
    """Half the clients race for the order's 3 credits, each at a time of its own (only the quota
    can refuse them); the other half for one 1:1 time of the Intro call. Both kinds go to both servers."""
    order, item = world["order"], world["item"]
    contested = _next_week_at(10, days=8)
    barrier = threading.Barrier(RACERS)
    outcomes: list[tuple[str, int, str]] = []
    errors: list[str] = []

    def client(index: int) -> None:
        browser = Browser(f"203.0.113.{index + 1}")
        server = servers[(index // 2) % 2]
        if index % 2 == 0:
            kind, path = "credit", f"/orders/{order.token}/items/{item.pk}/book/"
            form = {"start": format_slot_start(_next_week_at(9, plus_minutes=30 * (index // 2)))}
        else:
            kind, path = "time", "/coach/intro/"
            form = {"client_name": f"Client {index}", "client_email": f"client{index}@example.com",
                    "client_phone": "", "client_timezone": "America/New_York", "start": format_slot_start(contested)}
        try:
            form_page = browser.get(server, f"{path}?start={form['start']}")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.text).group(1)
            barrier.wait(timeout=REQUEST_TIMEOUT)
            response = browser.session.post(server.url + path, data={"csrfmiddlewaretoken": token, **form},
                                            timeout=REQUEST_TIMEOUT)
            outcomes.append((kind, response.status_code, _page_text(response)))
        except Exception as error:  # reported by the assertion below
            barrier.abort()
            errors.append(f"client {index} on {server.name}: {error!r}")

    threads = [threading.Thread(target=client, args=(index,)) for index in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * REQUEST_TIMEOUT)
    assert errors == [] and len(outcomes) == RACERS

    assert [status for _, status, _ in outcomes] == [200] * RACERS  # redirects followed; no error page
    credits = [text for kind, _, text in outcomes if kind == "credit"]
    times = [text for kind, _, text in outcomes if kind == "time"]
    assert sum("Session booked" in text for text in credits) == 3
    assert sum("No sessions left for this item." in text for text in credits) == RACERS // 2 - 3
    assert sum("You're booked." in text for text in times) == 1
    refused = [text for text in times if "Please pick another time." in text]
    assert len(refused) == RACERS // 2 - 1
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    assert confirmed.filter(order_item=item).count() == 3
    assert confirmed.filter(meeting_type=world["intro"], start=contested).count() == 1


def _a_lockout_on_a_holds_on_b(server_a: Server, server_b: Server) -> None:
    attacker = Browser("192.0.2.66")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attacker.log_in(server_a, "wrong-password").status_code == 200
    locked = attacker.log_in(server_a, "wrong-password")
    assert locked.status_code == 429

    on_b = attacker.log_in(server_b, PASSWORD)

    assert on_b.status_code == 429
    assert "Too many failed log-in attempts" in _page_text(on_b)
    # Behind the same balancer, the owner at their own address still logs in on B.
    assert Browser("198.51.100.12").log_in(server_b, PASSWORD).url.endswith("/dashboard/")
