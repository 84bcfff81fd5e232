"""The browser tests' own fixtures (conftest.py): the live server's static files are kept by the
browser, as production's are."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_STATIC_JS = "() => performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/static/'))" \
    ".map((entry) => [entry.name.split('/static/')[1], entry.transferSize])"


def test_a_browser_context_fetches_each_static_file_once(page, server):
    page.goto(f"{server}/accounts/login/")
    first = dict(page.evaluate(_STATIC_JS))
    assert {"css/app.css", "js/app.js"} <= set(first) and all(size > 0 for size in first.values()), first
    page.goto(f"{server}/accounts/signup/")
    again = dict(page.evaluate(_STATIC_JS))
    assert set(again) == set(first) and set(again.values()) == {0}, again  # from the browser's cache
    stylesheet = page.request.get(f"{server}/static/css/app.css")
    assert stylesheet.ok and "max-age=31536000" in stylesheet.headers["cache-control"]
