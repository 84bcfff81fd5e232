"""The booking page on the coach's own site (issue 30, item 3): a page on another origin carries the
Settings › Embed snippet; the client books inside the frame, which grows with its content; a site the
coach did not list gets nothing."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from embed.services import embed_sites_save
from scheduling.models import Booking, BookingStatus
from tests.e2e.data import make_shop
from tests.e2e.helpers import pick_time
from tests.e2e.helpers import screenshot as take_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "embed"


@pytest.fixture
def coach_site():
    """The coach's own website: a page on another origin (127.0.0.1, while the app is at localhost)
    that holds whatever HTML the test gives it."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = pages.get(self.path, b"not found")
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"

    def publish(path: str, html: str) -> str:
        pages[path] = html.encode()
        return f"{origin}{path}"

    publish.origin = origin
    yield publish
    httpd.shutdown()


def _snippet_page(server: str, slug: str) -> str:
    return (
        "<!doctype html><html><head><meta name=viewport content='width=device-width'><title>Casey's site</title></head>"
        "<body><h1>Casey Coaching</h1><p>Book a session below.</p>"
        f'<div data-leadmonk-embed="{server}/embed/{slug}/"></div>'
        f'<script src="{server}/static/js/embed.js" async></script></body></html>'
    )


def test_a_client_books_inside_the_frame_on_the_coachs_site(page, server, coach_site):
    shop = make_shop()
    embed_sites_save(owner=shop.owner, origins=[coach_site.origin])
    page.goto(coach_site("/", _snippet_page(server, shop.owner.slug)))

    frame_element = page.locator("iframe")
    inside = page.frame_locator("iframe")
    expect(inside.get_by_role("heading", name="Casey Coach")).to_be_visible()
    # The frame took its content's height from the page inside (postMessage), not the 640 px it started at.
    expect(frame_element).not_to_have_attribute("style", "display:block;width:100%;height:640px;border:0;background:transparent")
    take_screenshot(page, J, "coach-site")

    inside.locator(f"a[href=\"/embed/{shop.owner.slug}/coaching-session/\"]").click()
    inside.locator(".slots a.slot").first.wait_for()
    frame = page.frame(url=lambda url: "/embed/casey/coaching-session/" in url)
    pick_time(frame)
    inside.get_by_label("Name").fill("Jamie Client")
    inside.get_by_label("Email").fill("jamie@example.com")
    inside.get_by_role("button", name="Confirm booking").click()

    expect(inside.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page.get_by_role("heading", name="Casey Coaching")).to_be_visible()  # still on the coach's site
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.client_email == "jamie@example.com"
    take_screenshot(page, J, "booked-in-frame")  # at 390 and 1280 px


def test_a_site_the_coach_did_not_list_shows_nothing(page, server, coach_site, settings):
    settings.CONTENT_SECURITY_POLICY = settings.CSP_POLICY  # enforced, as in production
    shop = make_shop()
    embed_sites_save(owner=shop.owner, origins=["https://casey-coaching.example"])

    page.goto(coach_site("/", _snippet_page(server, shop.owner.slug)))
    page.locator("iframe").wait_for()
    page.wait_for_timeout(300)  # nothing to wait for: the browser refuses the frame's content

    assert page.frame_locator("iframe").get_by_role("heading", name="Casey Coach").count() == 0
