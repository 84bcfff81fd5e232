"""The coach connects their CRM by webhook: an address refused in words, then a local receiver
added; a booking reaches it signed with the secret the page shows; the delivery is listed and
sent again with "Resend"."""
import json
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.availability import available_slots
from scheduling.services import booking_create
from tests import make_meeting_type, make_owner, set_weekly_hours
from tests.e2e.data import OWNER_PASSWORD
from tests.e2e.helpers import check_page, log_in_as
from webhooks.signing import HEADER, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j-webhooks"


def test_the_coach_adds_an_endpoint_and_sees_a_booking_delivered(page, server, webhook_receiver):
    owner = make_owner(email="casey@example.com", slug="casey", display_name="Casey Coach",
                       timezone="America/New_York", password=OWNER_PASSWORD)
    set_weekly_hours(owner, {weekday: [(time(0), time(0))] for weekday in range(7)})
    meeting_type = make_meeting_type(owner, name="Coaching", slug="coaching", min_notice_minutes=0)

    log_in_as(page, server, owner)
    page.goto(f"{server}/dashboard/settings/")
    page.get_by_role("link", name="Webhooks", exact=True).click()
    check_page(page, J, "01-webhooks", h1="Webhooks")
    page.get_by_label("Endpoint address").fill("ftp://crm.example.com/in")
    page.get_by_label("Booking created").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Enter an address that starts with https://")).to_be_visible()
    check_page(page, J, "02-refused", h1="Webhooks")

    page.get_by_label("Endpoint address").fill(webhook_receiver.url)
    page.get_by_label("Description").fill("My CRM")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Endpoint added. Its signing secret is below.")).to_be_visible()
    secret = page.locator("#current-secret").inner_text()
    assert secret.startswith("whsec_")
    check_page(page, J, "03-endpoint", h1="Webhook endpoint")

    now = timezone.now()
    start = available_slots(meeting_type=meeting_type, range_start=now, range_end=now + timedelta(days=2))[0].start
    booking = booking_create(meeting_type=meeting_type, start=start, client_name="Cleo Client",
                             client_email="cleo@example.com")  # commits: the delivery task runs (eager)

    [request] = webhook_receiver.requests
    assert json.loads(request.body)["data"]["id"] == booking.pk
    assert verify(request.headers[HEADER], request.body, secret, now=int(timezone.now().timestamp()))
    page.reload()
    row = page.locator("#deliveries tbody tr").first
    expect(row).to_contain_text("booking.created")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("HTTP 200")
    check_page(page, J, "04-delivered", h1="Webhook endpoint")

    row.get_by_role("button", name="Resend").click()
    expect(page.get_by_text("booking.created is being sent again (same event id).")).to_be_visible()
    assert len(webhook_receiver.requests) == 2
    assert webhook_receiver.requests[1].headers["Leadmonk-Event-Id"] == request.headers["Leadmonk-Event-Id"]
