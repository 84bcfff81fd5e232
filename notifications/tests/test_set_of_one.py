"""A set booked in one go ("Book several sessions") may hold a single session: its email speaks of
one session ('Confirmed: 1 session of …'), not of '1 sessions', in English, German and Spanish."""
import pytest
import time_machine
from django.core import mail

from notifications.tests.conftest import SESSION_START, make_dana_order
from orders.session_sets import SessionChoice, order_sessions_book
from tests import NOW

pytestmark = pytest.mark.django_db

ONE = {
    "en": ("Confirmed: 1 session of Ten-week coaching", "Your session is booked",
           "The attached calendar file (sessions.ics) adds it to your calendar."),
    "de": ("Bestätigt: 1 Termin aus Ten-week coaching", "Ihr Termin ist gebucht",
           "Die angehängte Kalenderdatei (sessions.ics) trägt ihn in Ihren Kalender ein."),
    "es": ("Confirmada: 1 sesión de Ten-week coaching", "Su sesión está reservada",
           "El archivo de calendario adjunto (sessions.ics) la añade a su calendario."),
}


def _set_email(coaching, capture, *, language: str, count: int):
    with time_machine.travel(NOW, tick=False):
        order = make_dana_order(coaching.owner, coaching, client_language=language)
        item = order.items.get()
        with capture(execute=True):
            order_sessions_book(order=order, choices=[SessionChoice(item=item, start=SESSION_START.replace(
                day=SESSION_START.day + day)) for day in range(count)], client_timezone="Europe/Berlin")
    [email] = [sent for sent in mail.outbox if sent.to == ["dana@example.com"]]
    return email


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_set_of_one_session_is_confirmed_as_one_session(coaching, django_capture_on_commit_callbacks, language):
    email = _set_email(coaching, django_capture_on_commit_callbacks, language=language, count=1)

    subject, heading, calendar_line = ONE[language]
    html = email.alternatives[0][0]
    assert email.subject == subject
    assert heading in html
    assert calendar_line in " ".join(email.body.split()) and calendar_line in " ".join(html.split())
    assert "1 sessions" not in email.subject + email.body + html


def test_a_set_of_two_sessions_still_says_all_two(coaching, django_capture_on_commit_callbacks):
    email = _set_email(coaching, django_capture_on_commit_callbacks, language="en", count=2)

    assert email.subject == "Confirmed: 2 sessions of Ten-week coaching"
    assert "Your 2 sessions are booked" in email.alternatives[0][0]
    assert "adds all 2 sessions to your calendar at once." in " ".join(email.body.split())


def test_the_owners_copy_of_a_set_of_one_speaks_of_one_session(coaching, django_capture_on_commit_callbacks):
    _set_email(coaching, django_capture_on_commit_callbacks, language="en", count=1)

    [email] = [sent for sent in mail.outbox if sent.to == [coaching.owner.email]]
    html = " ".join(email.alternatives[0][0].split())
    assert email.subject == "1 session booked: Ten-week coaching by Dana Client"
    assert "1 session booked by Dana Client" in html
    assert "Dana Client booked this session of" in " ".join(email.body.split())
    assert "1 sessions" not in email.subject + email.body + html
