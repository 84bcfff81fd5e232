"""Shared personas (an owner on the Team plan, a second owner who must see nothing of the first,
logged-in clients for both) and the clock every test runs at."""
import re

import pytest
import time_machine

from accounts.plans import Plan
from tests import log_in, make_owner, suite_clock


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters live in the cache: each test counts under its own key prefix (clearing a
    shared Redis would wipe the counters of a test running in another xdist worker)."""
    import uuid

    settings.THROTTLE_KEY_PREFIX = f"throttle-{uuid.uuid4().hex}"
    # The public pages' entries are keyed by the owner's slug, which the next test's owner reuses
    # with another database row: each test reads and writes its own (leadmonk.content_version).
    settings.PUBLIC_PAGE_KEY_PREFIX = f"page-{uuid.uuid4().hex}"
    # "Has this owner webhook endpoints" is cached per owner id, which the next test reuses.
    settings.WEBHOOK_KEY_PREFIX = f"webhooks-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Just before pytest-django creates the test databases: migrate once and copy the result to
    every worker and later run (tests/database_template.py); and flush after a transactional test
    without writing the content types and permissions again (tests/database.py)."""
    from tests import database, database_template

    database_template.install()
    database.install_flush()


@pytest.fixture(scope="session", autouse=True)
def _close_leftover_connections(django_db_setup):
    """Before the test database is dropped, close the database connections nothing will use again.
    The browser tests run the ORM while Playwright's event loop runs in the main thread, where
    Django keeps connections per context: the one opened there was never closed, and PostgreSQL
    then refused to drop the test database ("being accessed by other users", after waiting 5 s).
    A finished thread's connection is a reference cycle that only the collector frees."""
    yield
    import gc

    from django.db.backends.base.base import BaseDatabaseWrapper

    gc.collect()
    # type(), not isinstance(): isinstance asks a lazy object (a request's CSP nonce) to evaluate.
    for wrapper in [obj for obj in gc.get_objects() if issubclass(type(obj), BaseDatabaseWrapper)]:
        if wrapper.connection is not None:
            try:
                wrapper.close()
            except Exception:  # noqa: BLE001 - another thread's: the collector has it
                pass


@pytest.fixture(scope="session", autouse=True)
def _forget_this_workers_cache_keys():
    """On a Redis cache, delete the keys this worker wrote (they carry its run and worker prefix,
    leadmonk/settings.py): content versions never expire, so each run would leave thousands."""
    yield
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    prefix, cache = settings.CACHES["default"].get("KEY_PREFIX"), caches["default"]
    if not prefix or not isinstance(cache, RedisCache):
        return
    try:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
    except Exception:  # noqa: BLE001 - Redis gone: nothing to tidy
        pass


# A test module that reads what the test Client records of each template rendered (response.context,
# response.templates, assertTemplateUsed) names it in its source; see _templates_recorded_where_read.
_READS_TEMPLATE_RECORDS = re.compile(r"\.context\b|\.templates\b|assertTemplate|template_rendered")
_module_reads_template_records: dict[str, bool] = {}


@pytest.fixture(autouse=True)
def _templates_recorded_where_read(request, django_test_environment):
    """Django's test environment renders every template through an instrumented Template._render
    that sends a signal, and the test Client copies the context of each template (every include
    and form widget) into the response. Only a few modules read those records; for the others the
    templates render with Django's own _render: the same HTML, about a fifth less CPU per request
    of the Client. A module that mentions `.context`, `.templates`, `assertTemplate...` or
    `template_rendered` keeps the records (a helper that reads them for a test elsewhere would
    have to be named here)."""
    from django.template import Template
    from django.test.utils import _TestState

    path = str(request.node.path)
    if path not in _module_reads_template_records:
        try:
            source = request.node.path.read_text()
        except OSError:
            source = ""
        _module_reads_template_records[path] = bool(_READS_TEMPLATE_RECORDS.search(source))
    saved = getattr(_TestState, "saved_data", None)
    if _module_reads_template_records[path] or saved is None:
        yield
        return
    instrumented = Template._render
    Template._render = saved.template_render
    try:
        yield
    finally:
        Template._render = instrumented


@pytest.fixture
def owner(db):
    return make_owner(email="owner@example.com", slug="coach", display_name="Casey Coach")


@pytest.fixture
def other_owner(db):
    return make_owner(email="other@example.com", slug="other-coach", display_name="Olive Other")


@pytest.fixture
def free_owner(db):
    return make_owner(email="free@example.com", slug="free-coach", plan=Plan.FREE)


@pytest.fixture
def owner_client(client, owner):
    log_in(client, owner)
    return client


@pytest.fixture
def other_owner_client(client, other_owner):
    log_in(client, other_owner)
    return client


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    _order_for_the_workers(items, _last_runs_seconds(config))
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, SKIP LOCKED); CI runs it with DATABASE_URL set")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


# How long each test took (setup, call and teardown, in seconds), kept in pytest's cache
# (.pytest_cache) by the run that measured it, for the next run's order (_order_for_the_workers).
_SECONDS_KEY = "leadmonk/test-seconds"
_seconds_this_run: dict[str, float] = {}


def _last_runs_seconds(config) -> dict[str, float]:
    cache = getattr(config, "cache", None)
    return (cache.get(_SECONDS_KEY, None) if cache is not None else None) or {}


def pytest_runtest_logreport(report):
    # In the controller (pytest-xdist relays each worker's reports) or in a single process.
    _seconds_this_run[report.nodeid] = _seconds_this_run.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    cache = getattr(session.config, "cache", None)
    if hasattr(session.config, "workerinput") or cache is None or not _seconds_this_run:
        return
    seconds = _last_runs_seconds(session.config)
    seconds.update({nodeid: round(duration, 3) for nodeid, duration in _seconds_this_run.items()})
    cache.set(_SECONDS_KEY, seconds)


# Where, in a worker's share of the other tests (by their time), its browser tests are placed.
_BROWSER_TESTS_WITHIN = 0.8


def _order_for_the_workers(items, seconds: dict[str, float]) -> None:
    """Under pytest-xdist, give each worker an equal share of the browser tests, spread over the
    first four fifths of its share of the other tests, and the other tests' modules with the longest
    test first.

    xdist's work-stealing scheduler hands each worker a contiguous slice of the collection, and a
    worker that runs out takes the back half of another's queue. Left in path order, the browser
    tests (tests/e2e, last) landed in one worker's slice and ran one after another for half the
    run. Put first on every worker, all three workers waited on Chromium and the live server at
    once for the first third of the run, the two cores about two-thirds busy. Spread, one worker
    at a time is in a browser test while the others keep the cores busy. They are placed between
    modules, or between the tests of a module without a module- or class-scoped fixture: a
    module's shared fixtures (the crawlers' worlds) are built once per worker. The module with the
    longest test runs first (by the last run's times, in .pytest_cache; path order without them),
    so a long test does not start as the others end, and the short ones, last, are what the
    workers steal from each other. Deterministic, so every
    worker collects the same order (xdist requires it)."""
    import os

    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers < 2:
        return
    browser = [item for item in items if item.get_closest_marker("browser")]
    others = [item for item in items if not item.get_closest_marker("browser")]
    known = sorted(seconds.get(item.nodeid, 0.0) for item in others if item.nodeid in seconds)
    typical = known[len(known) // 2] if known else 1.0

    def weight(item) -> float:
        return seconds.get(item.nodeid, typical) if seconds else 1.0

    ordered = []
    for worker in range(workers):
        share = others[len(others) * worker // workers: len(others) * (worker + 1) // workers]
        modules: list[list] = []
        for item in share:
            if modules and modules[-1][0].nodeid.split("::")[0] == item.nodeid.split("::")[0]:
                modules[-1].append(item)
            else:
                modules.append([item])
        if seconds:
            # By their longest test: a module's tests can be stolen by another worker, a test cannot.
            modules.sort(key=lambda module: -max(weight(item) for item in module))
        # A browser test may go between two tests of a module that has no fixture wider than a test.
        units = [unit for module in modules
                 for unit in ([module] if any(map(_has_a_shared_fixture, module)) else [[item] for item in module])]
        mine = browser[worker::workers]
        total = sum(weight(item) for item in share) or 1.0
        # The k-th browser test goes after the first unit that ends at or past its time.
        marks = [total * _BROWSER_TESTS_WITHIN * (k + 0.5) / len(mine) for k in range(len(mine))]
        elapsed, placed = 0.0, 0
        for unit in units:
            while placed < len(mine) and marks[placed] <= elapsed:
                ordered.append(mine[placed])
                placed += 1
            ordered += unit
            elapsed += sum(weight(item) for item in unit)
        ordered += mine[placed:]
    items[:] = ordered


def _has_a_shared_fixture(item) -> bool:
    """A fixture of the test set up for more than that test (module, class or package scope): torn
    down when the next test is not of the same module or class, and set up again after."""
    info = getattr(item, "_fixtureinfo", None)
    return info is None or any(definition.scope in ("module", "class", "package")
                               for definitions in info.name2fixturedefs.values() for definition in definitions)


# Every test runs at a clock it sets, never at the machine's: free times, "tomorrow", expiry and
# reminders all depend on "now", and a suite that passes at 14:00 and fails at 21:00 tells nothing.
# The clock ticks (the live server's thread, polling waits and lock timeouts need time to pass);
# time-machine patches the process, so the live server's thread shares it. A test that needs a
# particular moment travels again inside this one. CI runs the suite once more at the clocks in
# TEST_CLOCKS (.ci/run): LEADMONK_TEST_CLOCK=2026-12-31T23:30:00Z make test ARGS=...
# (tests/clock.py reads it).
def pytest_report_header(config):
    return f"test clock: {suite_clock().isoformat()} (set LEADMONK_TEST_CLOCK to run at another moment)"


@pytest.fixture(autouse=True)
def test_clock():
    with time_machine.travel(suite_clock(), tick=True):
        yield


@pytest.fixture(scope="session")
def _radicale_server(tmp_path_factory):
    from tests.calendar_servers import RadicaleServer

    server = RadicaleServer(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def radicale(_radicale_server):
    """A real CalDAV server (Radicale) on 127.0.0.1, shared by the session; each test makes its own
    calendars in it (tests.calendar_servers.RadicaleServer.make_calendar) and starts with none of
    the earlier tests' (a browser journey picks its calendar by name from what the server lists)."""
    _radicale_server.empty()
    return _radicale_server


@pytest.fixture(scope="session")
def _feed_http_server():
    from tests.calendar_servers import start_feed_server

    feeds, server = start_feed_server()
    yield feeds
    server.shutdown()


@pytest.fixture(scope="session")
def _webhook_http_server():
    from tests.webhook_receiver import start_webhook_receiver

    receiver, server = start_webhook_receiver()
    yield receiver
    server.shutdown()


@pytest.fixture
def webhook_receiver(_webhook_http_server, settings):
    """A local webhook receiver (tests.webhook_receiver), reset, with development settings: http
    and 127.0.0.1 allowed."""
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    _webhook_http_server.reset()
    return _webhook_http_server


@pytest.fixture
def feed_server(_feed_http_server):
    """A local HTTP server serving the ICS feeds (and bad answers) a test sets up with `serve`."""
    _feed_http_server.files.clear()
    _feed_http_server.requests.clear()
    return _feed_http_server
