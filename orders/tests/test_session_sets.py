"""Several sessions of an order booked in one go: all or nothing, one email with one calendar file."""
from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from notifications.models import Reminder
from orders.credits import item_balance
from orders.models import CreditLedgerEntry
from orders.session_sets import SessionChoice, SessionSetRefused, order_sessions_book
from orders.tests.conftest import place_order
from scheduling.models import Booking
from scheduling.services import booking_create
from tests import NINE_AM, TEN_AM

WEEK = timedelta(days=7)


def items(order):
    return order.items.get(meeting_type_name="Coaching session"), order.items.get(meeting_type_name="Group workshop")


def test_three_sessions_across_items_are_booked_together_with_one_email(package, django_capture_on_commit_callbacks):
    order = place_order(package)
    coaching, workshop = items(order)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bookings = order_sessions_book(order=order, choices=[
            SessionChoice(coaching, NINE_AM), SessionChoice(coaching, NINE_AM + WEEK),
            SessionChoice(workshop, NINE_AM + timedelta(days=1)),
        ])
    assert len(bookings) == 3 and Booking.objects.count() == 3
    assert (item_balance(coaching.pk), item_balance(workshop.pk)) == (0, 0)
    (email,) = [message for message in mail.outbox if message.to == [order.client_email]]
    assert email.subject == "Confirmed: 3 sessions of Starter pack"
    assert email.body.count("Reschedule or cancel:") == 3
    (name, content, mimetype) = email.attachments[0]
    assert name == "sessions.ics" and mimetype.startswith("text/calendar")
    starts = sorted(event.decoded("dtstart") for event in Calendar.from_ical(content).walk("VEVENT"))
    assert starts == [NINE_AM, NINE_AM + timedelta(days=1), NINE_AM + WEEK]


def test_a_set_with_one_taken_time_books_nothing_and_says_which(package):
    order = place_order(package)
    coaching, _workshop = items(order)
    booking_create(meeting_type=coaching.meeting_type, start=NINE_AM + WEEK, client_name="Rival",
                   client_email="rival@example.com")
    ledger_rows, reminders = CreditLedgerEntry.objects.count(), Reminder.objects.count()
    with pytest.raises(SessionSetRefused) as refused:
        order_sessions_book(order=order, choices=[SessionChoice(coaching, NINE_AM),
                                                  SessionChoice(coaching, NINE_AM + WEEK)])
    assert refused.value.choice.start == NINE_AM + WEEK
    assert "taken" in refused.value.message
    assert Booking.objects.filter(order_item=coaching).count() == 0
    assert (CreditLedgerEntry.objects.count(), Reminder.objects.count()) == (ledger_rows, reminders)
    assert item_balance(coaching.pk) == 2


def test_more_sessions_than_credits_books_nothing(package):
    order = place_order(package)
    coaching, _workshop = items(order)
    with pytest.raises(SessionSetRefused) as refused:
        order_sessions_book(order=order, choices=[SessionChoice(coaching, NINE_AM + n * WEEK) for n in range(3)])
    assert refused.value.message == "No sessions left for this item."
    assert Booking.objects.count() == 0 and item_balance(coaching.pk) == 2


def test_the_same_time_twice_or_an_empty_set_is_refused(package):
    order = place_order(package)
    coaching, _workshop = items(order)
    with pytest.raises(SessionSetRefused, match="twice"):
        order_sessions_book(order=order, choices=[SessionChoice(coaching, TEN_AM), SessionChoice(coaching, TEN_AM)])
    with pytest.raises(SessionSetRefused, match="at least one"):
        order_sessions_book(order=order, choices=[])
    other_item = items(place_order(package, email="other@example.com"))[0]
    with pytest.raises(SessionSetRefused, match="does not belong"):
        order_sessions_book(order=order, choices=[SessionChoice(other_item, TEN_AM)])
    assert Booking.objects.count() == 0
