"""The booking pages on the owner's own site (/embed/…): who may frame them, their cookies, and
booking inside the frame."""
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from embed.forms import EmbedSitesForm, site_origin
from embed.middleware import EMBED_CSRF_COOKIE
from embed.models import EmbedSettings
from embed.services import embed_sites_save
from scheduling.models import Booking, BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_owner, make_package, set_weekly_hours

SITE = "https://coach-site.example"
START = "2026-12-01T15:00:00Z"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Intro call", slug="intro")


def _csp(response) -> str:
    # Enforced in production, report-only in development: the directive is the same.
    return response.get("Content-Security-Policy") or response.get("Content-Security-Policy-Report-Only", "")


def _frame_ancestors(response) -> str:
    return next((part.strip() for part in _csp(response).split(";") if part.strip().startswith("frame-ancestors")), "")


def _details(**overrides) -> dict:
    data = {"client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": START}
    data.update(overrides)
    return data


# --- Settings › Embed ---------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "origin"), [
    ("coach-site.example", "https://coach-site.example"),
    ("https://Coach-Site.example/", "https://coach-site.example"),
    ("https://www.coach-site.example:8443", "https://www.coach-site.example:8443"),
])
def test_a_site_is_kept_as_its_origin(typed, origin):
    assert site_origin(typed) == origin


@pytest.mark.parametrize(("typed", "reason"), [
    ("https://coach-site.example/booking", "without a path"),
    ("*.coach-site.example", "wildcards are not allowed"),
    ("https://*.coach-site.example", "wildcards are not allowed"),
    ("ftp://coach-site.example", "only https://"),
    ("javascript:alert(1)", "is not a website address"),
    ("https://coach-site.example/?a=1", "without a path"),
    ("https://user:pw@coach-site.example", "no user name"),
    ("coach site", "is not a website address"),
    ("https://coach-site.example:99999", "is not a website address"),
])
def test_a_site_with_a_path_or_a_wildcard_is_refused_with_the_reason(typed, reason):
    form = EmbedSitesForm({"sites": typed})
    assert not form.is_valid()
    assert reason in " ".join(form.errors["sites"])


def test_a_site_whose_name_has_letters_beyond_ascii_is_kept_as_browsers_match_it(client, owner, meeting_type):
    # It was refused as "not a website address", so such a site could never show the booking page.
    form = EmbedSitesForm({"sites": "https://Bücher-Müller.example/\nxn--bcher-mller-thbg.example"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["sites"] == ["https://xn--bcher-mller-thbg.example"]
    embed_sites_save(owner=owner, origins=form.cleaned_data["sites"])
    response = client.get(reverse("embed:owner_page", args=[owner.slug]))
    assert _frame_ancestors(response) == "frame-ancestors https://xn--bcher-mller-thbg.example"


def test_plain_http_is_refused_outside_development(settings):
    settings.DEBUG = False
    form = EmbedSitesForm({"sites": "http://coach-site.example"})
    assert not form.is_valid()
    assert "only https://" in form.errors["sites"][0]


def test_the_settings_page_saves_the_sites_and_shows_the_snippet(client, owner):
    client.force_login(owner)
    url = reverse("embed_settings:settings")

    response = client.post(url, {"sites": "coach-site.example\nhttps://www.coach-site.example/"}, follow=True)

    assert EmbedSettings.objects.get(owner=owner).allowed_origins == [SITE, "https://www.coach-site.example"]
    html = response.content.decode()
    assert "Embed settings saved." in html
    assert f"/embed/{owner.slug}/" in html and "js/embed.js" in html and "data-leadmonk-popup" in html


def test_each_snippet_says_when_to_use_it(client, owner):
    client.force_login(owner)

    html = client.get(reverse("embed_settings:settings")).content.decode()

    assert "Paste where the booking page should appear." in html
    assert "opens it over your site" in html
    assert "For a site that allows no scripts: a frame of your booking page at a fixed height." in html


def test_bad_sites_get_a_message_beside_the_field_and_nothing_is_saved(client, owner):
    embed_sites_save(owner=owner, origins=[SITE])
    client.force_login(owner)

    response = client.post(reverse("embed_settings:settings"), {"sites": "https://other.example/page\n*.x.example"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "give the site without a path" in html and "wildcards are not allowed" in html
    assert "Nothing was saved" in html
    assert EmbedSettings.objects.get(owner=owner).allowed_origins == [SITE]


def test_the_settings_page_needs_a_login(client, db):
    response = client.get(reverse("embed_settings:settings"))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- Who may frame what ---------------------------------------------------------------------------


def test_the_embedded_page_may_be_framed_by_the_listed_sites_alone(client, owner, meeting_type):
    embed_sites_save(owner=owner, origins=[SITE])

    response = client.get(reverse("embed:owner_page", args=[owner.slug]))

    assert response.status_code == 200
    assert _frame_ancestors(response) == f"frame-ancestors {SITE}"
    assert "X-Frame-Options" not in response
    assert f'href="/embed/{owner.slug}/intro/"' in response.content.decode()


def test_without_listed_sites_no_one_may_frame_the_embedded_page(client, owner, meeting_type):
    response = client.get(reverse("embed:owner_page", args=[owner.slug]))

    assert _frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_every_other_page_stays_unframeable(client, owner, meeting_type):
    embed_sites_save(owner=owner, origins=[SITE])

    for url in (reverse("public:owner_page", args=[owner.slug]),
                reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])):
        response = client.get(url)
        assert _frame_ancestors(response) == "frame-ancestors 'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_a_change_of_the_sites_reaches_the_cached_page_at_once(client, owner, meeting_type):
    embed_sites_save(owner=owner, origins=[SITE])
    url = reverse("embed:book_meeting", args=[owner.slug, meeting_type.slug])
    assert SITE in _frame_ancestors(client.get(url))

    embed_sites_save(owner=owner, origins=["https://new-site.example"])

    assert _frame_ancestors(client.get(url)) == "frame-ancestors https://new-site.example"


def test_another_owners_sites_do_not_frame_this_owners_page(client, owner, meeting_type):
    other = make_owner()
    embed_sites_save(owner=other, origins=["https://other.example"])
    embed_sites_save(owner=owner, origins=[SITE])

    response = client.get(reverse("embed:owner_page", args=[owner.slug]))

    assert "other.example" not in _csp(response)


def test_unknown_owner_and_booking_are_404(client, db):
    assert client.get("/embed/nobody-here/").status_code == 404
    assert client.get("/embed/nobody-here/intro/").status_code == 404
    assert client.get("/embed/bookings/not-a-token/").status_code == 404


def test_the_embedded_and_the_personal_page_are_cached_apart(client, owner, meeting_type):
    embed_sites_save(owner=owner, origins=[SITE])
    embedded = client.get(reverse("embed:owner_page", args=[owner.slug])).content.decode()
    personal = client.get(reverse("public:owner_page", args=[owner.slug])).content.decode()

    assert "embed_frame.js" in embedded and f"/embed/{owner.slug}/intro/" in embedded
    assert "embed_frame.js" not in personal and "/embed/" not in personal


# --- Booking inside the frame ---------------------------------------------------------------------


def _confirm_page(client, owner, meeting_type):
    url = reverse("embed:book_meeting", args=[owner.slug, meeting_type.slug])
    return url, client.get(url, {"start": START})


def test_a_free_session_is_booked_and_confirmed_inside_the_frame(owner, meeting_type):
    embed_sites_save(owner=owner, origins=[SITE])
    client = Client(enforce_csrf_checks=True)
    url, page = _confirm_page(client, owner, meeting_type)
    cookie = page.cookies[EMBED_CSRF_COOKIE]
    assert cookie["samesite"] == "None" and cookie["secure"] and cookie["path"] == "/embed/"
    assert "csrftoken" not in page.cookies  # the site's Lax cookie is left alone
    token = page.context["csrf_token"]

    response = client.post(f"{url}?tz=America/New_York", _details(csrfmiddlewaretoken=token))

    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.client_email == "cleo@example.com"
    assert response["Location"] == reverse("embed:booked", args=[booking.token])
    done = client.get(response["Location"])
    assert "You are booked" in done.content.decode()
    assert f'href="/bookings/{booking.token}/" target="_top"' in done.content.decode()
    assert _frame_ancestors(done) == f"frame-ancestors {SITE}"


def test_a_post_without_the_frames_cookie_is_refused_and_books_nothing(owner, meeting_type):
    client = Client(enforce_csrf_checks=True)
    url, page = _confirm_page(client, owner, meeting_type)
    token = page.context["csrf_token"]
    client.cookies.pop(EMBED_CSRF_COOKIE)
    client.cookies["csrftoken"] = page.cookies[EMBED_CSRF_COOKIE].value  # the Lax one does not stand for it

    response = client.post(f"{url}?tz=America/New_York", _details(csrfmiddlewaretoken=token))

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_a_paid_sessions_confirm_opens_the_payment_at_the_top(client, owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    paid = make_meeting_type(owner, name="Coaching", slug="coaching", price=Decimal("90.00"), currency="USD")

    html = client.get(reverse("embed:book_meeting", args=[owner.slug, paid.slug]), {"start": START}).content.decode()

    assert 'target="_top"' in html and "Continue to payment" in html


def test_packages_open_at_the_top(client, owner, meeting_type):
    package = make_package(owner, [(meeting_type, 3)], name="Three calls")

    html = client.get(reverse("embed:owner_page", args=[owner.slug])).content.decode()

    assert "Three calls" in html
    assert '<a target="_top" ' in html and f"/packages/{package.slug}/" in html


def test_in_production_the_enforced_policy_names_the_owners_sites_on_the_embedded_pages_alone(
        client, owner, meeting_type, settings):
    settings.CONTENT_SECURITY_POLICY = settings.CSP_POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = None
    embed_sites_save(owner=owner, origins=[SITE])

    embedded = client.get(reverse("embed:book_meeting", args=[owner.slug, meeting_type.slug]))
    personal = client.get(reverse("public:book_meeting", args=[owner.slug, meeting_type.slug]))

    assert f"frame-ancestors {SITE}" in embedded["Content-Security-Policy"]
    assert "default-src 'self'" in embedded["Content-Security-Policy"]  # the rest of the policy stays
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors 'none'" in personal["Content-Security-Policy"]
    assert personal["X-Frame-Options"] == "DENY"


def test_a_group_sessions_waitlist_link_opens_at_the_top_not_in_the_frame(client, owner):
    # The waitlist page may not be framed: followed inside the frame it showed the browser's refusal.
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    group = make_meeting_type(owner, name="Circle", slug="circle", kind="group")

    html = client.get(reverse("embed:book_meeting", args=[owner.slug, group.slug])).content.decode()

    assert f'<a target="_top" href="/{owner.slug}/circle/waitlist/">' in html


def test_a_switched_off_meeting_type_in_the_frame_points_back_to_the_framed_page(client, owner):
    embed_sites_save(owner=owner, origins=[SITE])
    off = make_meeting_type(owner, name="Old call", slug="old-call", state="disabled")

    response = client.get(reverse("embed:book_meeting", args=[owner.slug, off.slug]))

    html = response.content.decode()
    assert response.status_code == 404 and "This meeting is not available" in html
    # Not the personal page, which no site may frame: the frame's own page, in the frame's layout.
    assert f'href="/embed/{owner.slug}/"' in html and f'href="/{owner.slug}/"' not in html
    assert "embed_frame.js" in html and _frame_ancestors(response) == f"frame-ancestors {SITE}"


def test_a_package_only_meeting_type_in_the_frame_opens_its_packages_at_the_top(client, owner):
    embed_sites_save(owner=owner, origins=[SITE])
    only = make_meeting_type(owner, name="Deep dive", slug="deep-dive", visibility="package_only")
    package = make_package(owner, [(only, 3)], name="Three dives")

    response = client.get(reverse("embed:book_meeting", args=[owner.slug, only.slug]))

    html = response.content.decode()
    assert "Three dives" in html and "embed_frame.js" in html
    assert re.search(rf'<a target="_top" [^>]*href="[^"]*/packages/{package.slug}/', html)
    assert f'href="/{owner.slug}/"' not in html
