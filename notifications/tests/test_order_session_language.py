"""A session of an order that the owner books for the client (from the dashboard, where no client
page is served: the booking keeps no language) is confirmed, reminded and cancelled in the language
the client ordered in, not the owner's page language."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from notifications.dispatch import reminders_dispatch_due
from notifications.tests.conftest import SESSION_START, make_dana_order
from orders.services import order_session_book
from scheduling.models import BookedBy
from scheduling.services import booking_cancel
from tests import NOW

pytestmark = pytest.mark.django_db


def _dana_emails() -> list:
    return [email for email in mail.outbox if email.to == ["dana@example.com"]]


@pytest.mark.parametrize(("language", "confirmed", "cancelled"), [
    ("de", "Hallo Dana Client, Ihr Termin mit Casey Coach ist bestätigt.", "Eine andere Uhrzeit buchen"),
    ("es", "Hola, Dana Client: su sesión con Casey Coach está confirmada.", "Reservar otra hora"),
])
def test_a_session_the_owner_books_is_told_in_the_language_the_client_ordered_in(
        coaching, django_capture_on_commit_callbacks, language, confirmed, cancelled):
    with time_machine.travel(NOW, tick=False):
        order = make_dana_order(coaching.owner, coaching, client_language=language)
        with django_capture_on_commit_callbacks(execute=True):
            booking = order_session_book(item=order.items.get(), start=SESSION_START, booked_by=BookedBy.OWNER)
        assert booking.client_language == ""  # no client page was served
        [confirmation] = _dana_emails()
    mail.outbox = []
    with time_machine.travel(SESSION_START - timedelta(minutes=59), tick=False):
        reminders_dispatch_due()
        reminders = _dana_emails()  # the day's and the hour's
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=booking, by=BookedBy.OWNER)
        [cancellation] = _dana_emails()

    assert confirmed in confirmation.body
    assert "is confirmed" not in confirmation.body
    assert reminders and not any(email.subject.startswith("Reminder:") for email in reminders)
    assert cancelled in cancellation.body and "Book another time" not in cancellation.body
