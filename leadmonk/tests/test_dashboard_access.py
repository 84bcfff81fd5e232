import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

DASHBOARD_URLS = [
    "/dashboard/",
    "/dashboard/meeting-types/",
    "/dashboard/availability/",
    "/dashboard/packages/",
    "/dashboard/orders/",
    "/dashboard/payments/",
    "/dashboard/settings/",
]
NAV_LABELS = ["Upcoming", "Meeting Types", "Availability", "Packages", "Orders", "Payments", "Settings"]


@pytest.mark.parametrize("url", DASHBOARD_URLS)
def test_anonymous_visitor_is_sent_to_login_and_back(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query) == {"next": [url]}


def test_dashboard_shows_navigation_to_every_section(owner_client):
    response = owner_client.get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    for label in NAV_LABELS:
        assert f">{label}</a>" in html
    for url in DASHBOARD_URLS:
        assert f'href="{url}"' in html


def test_dashboard_home_marks_upcoming_as_the_current_page(owner_client):
    html = owner_client.get("/dashboard/").content.decode()

    assert 'href="/dashboard/" aria-current="page">Upcoming</a>' in html


def test_site_root_shows_visitors_the_product_and_sends_owners_to_the_dashboard(
        client, owner, django_assert_num_queries):
    with django_assert_num_queries(0):  # no session, no owner: nothing to read
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Sell session packs" in html
    assert f'href="{reverse("accounts:signup")}"' in html and f'href="{reverse("accounts:login")}"' in html
    for plan in ("Free", "Pro", "Team", "Enterprise"):
        assert f">{plan}</h3>" in html
    assert "$12" in html and "$20" in html  # the pricing page's own figures (accounts.plans)
    # Nothing from another site: every script, stylesheet and image is our own.
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html.split("<body")[0] + "".join(
        re.findall(r"<(?:script|img|link)[^>]*>", html)))
    client.force_login(owner)
    assert client.get("/")["Location"] == reverse("dashboard:home")


def test_healthz_answers_200_and_reports_each_dependency(client, db):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": {"ok": True}, "cache": {"ok": True}, "broker": {"ok": True}}
