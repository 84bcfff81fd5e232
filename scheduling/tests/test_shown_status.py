"""A session marked afterwards reads as what happened (issue 29, item 4): "No-show" or "Attended",
not "Confirmed", on the owner's booking page, the past list, and the client's booking and order pages."""
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.urls import reverse

from orders.models import OrderStatus
from scheduling.models import Attendance
from tests import NOW, make_booking, make_meeting_type, make_order, set_weekly_hours


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(0), time(0))] for day in range(7)})
    return make_meeting_type(owner, name="Intro call", slug="intro")


def test_a_no_show_reads_no_show_on_the_owners_pages(owner_client, meeting_type):
    booking = make_booking(meeting_type, datetime(2026, 11, 30, 15, tzinfo=UTC), attendance=Attendance.NO_SHOW)

    detail = owner_client.get(reverse("dashboard:booking_detail", args=[booking.pk])).content.decode()
    past = owner_client.get(reverse("dashboard:home"), {"view": "past"}).content.decode()

    assert 'badge-no_show">No-show<' in detail and ">Confirmed<" not in detail
    assert 'badge-no_show">No-show<' in past


def test_an_attended_session_reads_attended_for_the_client(client, meeting_type):
    booking = make_booking(meeting_type, datetime(2026, 11, 30, 15, tzinfo=UTC), attendance=Attendance.ATTENDED)

    html = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()

    assert ">Attended<" in html and ">Confirmed<" not in html


def test_a_no_show_of_an_order_reads_no_show_on_the_order_page(client, owner, meeting_type):
    order = make_order(owner, meeting_type, sessions=2, with_items=True, status=OrderStatus.ACTIVE)
    make_booking(meeting_type, datetime(2026, 11, 30, 15, tzinfo=UTC), order_item=order.items.get(),
                 attendance=Attendance.NO_SHOW)

    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()

    assert ">No-show<" in html
