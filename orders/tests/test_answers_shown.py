"""The client's answers to the package's questions are shown where people look for them (issue 29,
item 4): on the owner's page of a session of the order, and on the client's order page."""
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from orders.models import OrderStatus
from scheduling.signals import booking_answers_for
from tests import NOW, make_booking, make_meeting_type, make_order

ANSWERS = [{"question": "What would you like to work on?", "kind": "short_text", "answer": "Interview <practice>"},
           {"question": "Have you had coaching before?", "kind": "checkbox", "answer": True}]


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def session(owner):
    meeting_type = make_meeting_type(owner)
    order = make_order(owner, meeting_type, sessions=2, with_items=True, status=OrderStatus.ACTIVE, answers=ANSWERS)
    booking = make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC), order_item=order.items.get())
    return order, booking


def test_the_owners_booking_page_shows_the_clients_answers(owner_client, session):
    _order, booking = session

    html = owner_client.get(reverse("dashboard:booking_detail", args=[booking.pk])).content.decode()

    assert "The client's answers" in html
    assert "What would you like to work on?" in html and "Interview &lt;practice&gt;" in html
    assert "Have you had coaching before?" in html and "<dd>Yes</dd>" in html


def test_the_clients_order_page_shows_their_answers(client, session):
    order, _booking = session

    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()

    assert "Your answers" in html and "Interview &lt;practice&gt;" in html


def test_a_direct_booking_has_no_answers_section(owner_client, owner):
    booking = make_booking(make_meeting_type(owner), datetime(2026, 12, 3, 15, tzinfo=UTC))

    html = owner_client.get(reverse("dashboard:booking_detail", args=[booking.pk])).content.decode()

    assert "The client's answers" not in html


def test_a_ticked_answer_reads_in_the_order_pages_language(client, owner, session):
    order, booking = session
    type(owner).objects.filter(pk=owner.pk).update(page_language="de")

    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()

    assert "<dd>Ja</dd>" in html and "<dd>Yes</dd>" not in html


def test_the_coachs_calendar_event_keeps_a_ticked_answer_in_english_whatever_the_page_spoke(session):
    _order, booking = session
    with translation.override("de"):
        answers = booking_answers_for(booking)
    assert ("Have you had coaching before?", "Yes") in answers
