"""'Add to calendar' on the confirmation pages and in the confirmation email: Google Calendar and
Outlook links built from the booking, an .ics file per booking (its token URL) and one for a set."""
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import time_machine
from django.core import mail
from icalendar import Calendar

from orders.models import PackageOrder
from orders.tests.conftest import place_order
from scheduling.calendar import booking_location, calendar_links
from scheduling.models import Booking
from scheduling.selectors import format_slot_start
from scheduling.services import booking_cancel
from tests import NINE_AM, TEN_AM


def coaching_item(order):
    return order.items.get(meeting_type_name="Coaching session")


def _book(client, order, start):
    item = coaching_item(order)
    return client.post(f"/orders/{order.token}/items/{item.pk}/book/", {"start": format_slot_start(start)},
                       follow=True)


def _events(body: bytes) -> list:
    return [component for component in Calendar.from_ical(body).walk("VEVENT")]


def test_the_links_carry_the_sessions_start_end_title_and_location(client, package):
    order = place_order(package)
    _book(client, order, NINE_AM)
    booking = Booking.objects.select_related("meeting_type__owner", "order_item").get()
    links = calendar_links(booking)
    google = parse_qs(urlparse(links["google"]).query)
    assert urlparse(links["google"]).netloc == "calendar.google.com"
    assert google["dates"] == ["20261207T140000Z/20261207T145000Z"]
    assert google["text"][0].startswith("Coaching session with ")
    assert google["location"] == [booking_location(booking)] and booking_location(booking)
    outlook = parse_qs(urlparse(links["outlook"]).query)
    assert urlparse(links["outlook"]).netloc == "outlook.live.com"
    assert (outlook["startdt"], outlook["enddt"]) == (["2026-12-07T14:00:00Z"], ["2026-12-07T14:50:00Z"])
    assert outlook["subject"] == google["text"]
    assert links["ics"].endswith(f"/bookings/{booking.token}/calendar.ics")


def test_the_order_confirmation_and_the_booking_page_offer_all_three(client, package):
    order = place_order(package)
    html = _book(client, order, NINE_AM).content.decode()
    booking = Booking.objects.get()
    assert "Session booked" in html and "Add to calendar:" in html
    assert "calendar.google.com" in html and "outlook.live.com" in html
    assert f"/bookings/{booking.token}/calendar.ics" in html
    page = client.get(f"/bookings/{booking.token}/?booked=1").content.decode()
    assert "calendar.google.com" in page and f"/bookings/{booking.token}/calendar.ics" in page


def test_a_session_that_is_over_is_not_offered_to_the_calendar(client, package):
    order = place_order(package)
    _book(client, order, NINE_AM)
    booking = Booking.objects.get()
    with time_machine.travel(booking.end + timedelta(minutes=1), tick=False):
        page = client.get(f"/bookings/{booking.token}/").content.decode()
    assert "Your booking" in page and "can no longer be changed" in page
    assert "Add to calendar:" not in page and "calendar.google.com" not in page


def test_the_order_page_names_the_clients_zone_as_people_write_it(client, package):
    order = place_order(package)
    PackageOrder.objects.filter(pk=order.pk).update(client_timezone="America/New_York")
    html = _book(client, order, NINE_AM).content.decode()
    assert "Times in America/New York." in html and "Times in America/New_York" not in html


def test_the_ics_download_holds_the_booking_and_says_when_it_was_cancelled(client, package):
    order = place_order(package)
    _book(client, order, NINE_AM)
    booking = Booking.objects.get()
    response = client.get(f"/bookings/{booking.token}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    (event,) = _events(response.content)
    assert event.decoded("dtstart") == NINE_AM and str(event["status"]) == "CONFIRMED"
    booking_cancel(booking=booking)
    (event,) = _events(client.get(f"/bookings/{booking.token}/calendar.ics").content)
    assert str(event["status"]) == "CANCELLED"
    assert "calendar.google.com" not in client.get(f"/bookings/{booking.token}/").content.decode()


def test_the_order_calendar_file_holds_the_named_sessions_of_this_order_only(client, package):
    order = place_order(package)
    other = place_order(package, email="someone@example.com")
    _book(client, order, NINE_AM)
    _book(client, order, TEN_AM + (TEN_AM - NINE_AM))  # 11:00, after the 50-minute session's buffer
    first, second = Booking.objects.order_by("start")
    url = f"/orders/{order.token}/calendar.ics"
    assert len(_events(client.get(f"{url}?booking={first.pk}&booking={second.pk}").content)) == 2
    assert len(_events(client.get(url).content)) == 2  # every upcoming session
    assert client.get(f"/orders/{other.token}/calendar.ics?booking={first.pk}").status_code == 404
    assert client.get(f"{url}?booking=junk").status_code == 404


def test_the_confirmation_email_has_the_links_and_the_invitation(client, package, django_capture_on_commit_callbacks):
    order = place_order(package)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _book(client, order, NINE_AM)
    booking = Booking.objects.get()
    (email,) = [message for message in mail.outbox if message.to == [order.client_email]]
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert "calendar.google.com" in body and "outlook.live.com" in body
        assert f"/bookings/{booking.token}/calendar.ics" in body
    assert any(name == "invite.ics" for name, _content, _type in email.attachments)
