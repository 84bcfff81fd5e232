"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against pytest-django's
`live_server`. Without Chromium only these tests are skipped, with a reason that says how to fix it."""
import os

import pytest

from tests.e2e.helpers import CHROMIUM_ARGS, CHROMIUM_PATH, LAPTOP, PHONE, SCREENSHOT_DIR, VISITORS


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM_PATH):
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM_PATH}: apt-get install -y chromium-headless-shell")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API runs an asyncio event loop in the main thread for as long as the browser
    # is open. Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation),
    # yet the tests set up data and check it through the ORM between browser steps, and the database
    # is flushed after each test. Those ORM calls are plain synchronous calls made one at a time, so
    # the guard protects nothing here. It is lifted only while the browser is open (Django reads the
    # variable at each call), so no other test and no subprocess inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def _static_files_kept(live_server):
    """The live server's static files (the stylesheet, the script, the icon) answered with a year's
    cache lifetime, as production serves them (WhiteNoise, file names carrying their hash): a
    browser context then fetches each once, where it asked again at every page load (the tests'
    clock, months from the browser's, makes their Last-Modified look newer than the answer)."""
    handler = live_server.thread.httpd.get_app()  # django.contrib.staticfiles' StaticFilesHandler
    serve = handler.serve

    def serve_kept(request):
        response = serve(request)
        if response.status_code == 200:
            response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    handler.serve = serve_kept


@pytest.fixture
def server(live_server, settings, _static_files_kept):
    """The live server's address; links the app builds from SITE_URL (payment returns, emails)
    point at it too."""
    settings.SITE_URL = live_server.url
    return live_server.url


def _open_page(browser, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    # A server error or a script error on any page fails the test that caused it.
    page.server_errors = []
    page.script_errors = []

    def on_response(response):
        if response.status >= 500:
            page.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", on_response)
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return context, page


def _close_page(context, page):
    errors = list(page.server_errors)
    script_errors = list(page.script_errors)
    context.close()
    assert not errors, f"Server errors: {errors}"
    assert not script_errors, f"Script errors: {script_errors}"


@pytest.fixture
def page(browser, server):
    """A fresh browser context (no cookies) at laptop size, 1280x800."""
    context, page = _open_page(browser, LAPTOP)
    yield page
    _close_page(context, page)


@pytest.fixture
def phone_page(browser, server):
    """A fresh browser context (no cookies) at phone size, 390x844: clients order on phones."""
    context, page = _open_page(browser, PHONE)
    yield page
    _close_page(context, page)


@pytest.fixture
def new_page(browser, server):
    """Opens more independent pages (the owner and the client side by side)."""
    opened = []

    def open_one(viewport: dict = LAPTOP):
        context, page = _open_page(browser, viewport)
        opened.append((context, page))
        return page

    yield open_one
    for context, page in opened:
        _close_page(context, page)


@pytest.fixture
def stripe_offered(settings):
    """A platform with Stripe keys, as in production, so Payment Preferences offers Stripe. The
    journeys that use it never start a Stripe checkout, so the key is never sent anywhere."""
    settings.STRIPE_SECRET_KEY = "sk_test_e2e_never_used"
    settings.PAYMENTS_REQUIRE_CONNECTION = False


@pytest.fixture
def visitor_page(browser, server):
    """A fresh browser context in a visitor's zone and language (VISITORS), at a viewport, with
    JavaScript on or off; server and script errors fail the test."""
    opened = []

    def open_one(visitor: str, viewport: dict, javascript: bool = True):
        who = VISITORS[visitor]
        context = browser.new_context(viewport=viewport, locale=who["locale"], timezone_id=who["timezone_id"],
                                      java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        page = context.new_page()
        opened.append((context, page))
        page.server_errors, page.script_errors = [], []
        page.javascript_enabled = javascript  # axe-core cannot run in a page without scripts
        page.on("response", lambda r: r.status >= 500 and page.server_errors.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda error: page.script_errors.append(str(error)))
        return page

    yield open_one
    for context, page in opened:
        errors, script_errors = list(page.server_errors), list(page.script_errors)
        context.close()
        assert not errors and not script_errors, (errors, script_errors)
