"""A session of a package cancelled after the order's expiry moment: its credit comes back and
expires at once with the order's other sessions (orders.credits._give_back), so the client's
cancellation email says so, in their language, and does not invite them to book another time."""
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from notifications.tests.conftest import SESSION_START, make_dana_order
from orders.models import PackageOrder
from orders.services import order_session_book
from scheduling.models import BookedBy, Booking, MeetingType, MeetingTypeState
from scheduling.services import booking_cancel
from tests import NOW

pytestmark = pytest.mark.django_db

EXPIRES_AT = NOW + timedelta(days=3)  # Friday 4 December, before the session on Monday 7 December

CAME_BACK_AND_EXPIRED = {
    "en": "Your session credit came back and expired with your package's other sessions. "
          "Contact Casey Coach to extend the order.",
    "de": "Ihr Terminguthaben wurde zurückgebucht und ist mit den anderen Terminen Ihres Pakets verfallen. "
          "Wenden Sie sich an Casey Coach, um die Bestellung zu verlängern.",
    "es": "El crédito de su sesión se devolvió y caducó con las demás sesiones de su paquete. "
          "Póngase en contacto con Casey Coach para ampliar el pedido.",
}
BOOK_ANOTHER_TIME = {"en": "Book another time", "de": "Eine andere Uhrzeit buchen", "es": "Reservar otra hora"}
OPEN_YOUR_PACKAGE = {"en": "Open your package", "de": "Ihr Paket öffnen", "es": "Abrir su paquete"}


def _cancel_and_read(coaching, capture, *, language: str, cancel_at, **order_fields):
    """Dana's order (expiring at EXPIRES_AT) with one session booked; the session cancelled by her at
    `cancel_at`; her cancellation email."""
    with time_machine.travel(NOW, tick=False):
        order = make_dana_order(coaching.owner, coaching, expires_at=EXPIRES_AT, client_language=language,
                                **order_fields)
        booking = order_session_book(item=order.items.get(), start=SESSION_START, client_timezone="Europe/Berlin")
        # As her order page in `language` books it (client_language() of the page served).
        Booking.objects.filter(pk=booking.pk).update(client_language=language)
        booking.refresh_from_db()
    mail.outbox = []
    with time_machine.travel(cancel_at, tick=False):
        with capture(execute=True):
            booking_cancel(booking=booking)
    [email] = [sent for sent in mail.outbox if sent.to == ["dana@example.com"]]
    return order, email


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_session_cancelled_after_the_expiry_moment_says_its_credit_came_back_and_expired(
        coaching, django_capture_on_commit_callbacks, language):
    order, email = _cancel_and_read(coaching, django_capture_on_commit_callbacks, language=language,
                                    cancel_at=EXPIRES_AT + timedelta(minutes=1))

    assert PackageOrder.objects.get(pk=order.pk).credits_expired_at is not None
    html = email.alternatives[0][0]
    assert CAME_BACK_AND_EXPIRED[language] in " ".join(email.body.split())
    assert CAME_BACK_AND_EXPIRED[language] in " ".join(unescape(html).split())
    assert BOOK_ANOTHER_TIME[language] not in email.body and BOOK_ANOTHER_TIME[language] not in html
    # The order's page stays a link (it says the sessions expired), not an invitation to book.
    assert f"{OPEN_YOUR_PACKAGE[language]}: {settings.SITE_URL}/orders/{order.token}/" in email.body
    assert OPEN_YOUR_PACKAGE[language] in html


def test_a_session_cancelled_before_the_expiry_moment_invites_to_book_another_time(
        coaching, django_capture_on_commit_callbacks):
    order, email = _cancel_and_read(coaching, django_capture_on_commit_callbacks, language="en",
                                    cancel_at=EXPIRES_AT - timedelta(minutes=1))

    assert PackageOrder.objects.get(pk=order.pk).credits_expired_at is None
    assert f"Book another time: {settings.SITE_URL}/orders/{order.token}/" in email.body
    assert "expired" not in email.body


def test_a_late_cancel_after_the_expiry_moment_does_not_invite_to_book_the_other_sessions(
        coaching, django_capture_on_commit_callbacks):
    # Cancelled within the order's week-long cancellation window: the session is used, and the
    # order's other sessions can no longer be booked either.
    order, email = _cancel_and_read(coaching, django_capture_on_commit_callbacks, language="en",
                                    cancel_at=EXPIRES_AT + timedelta(minutes=1), cancel_window_hours=7 * 24)

    html = email.alternatives[0][0]
    assert "This late cancel used the session: it was not given back." in email.body
    assert "Book your other sessions" not in email.body and "Book your other sessions" not in html
    assert f"Open your package: {settings.SITE_URL}/orders/{order.token}/" in email.body


def test_a_session_of_a_meeting_type_disabled_since_does_not_invite_to_book_another_time(
        coaching, django_capture_on_commit_callbacks):
    # The credit comes back, but the meeting type can no longer be scheduled from the order page
    # (DESIGN rule 6): the email says so, as that page does beside its line.
    with time_machine.travel(NOW, tick=False):
        order = make_dana_order(coaching.owner, coaching, client_language="de")
        booking = order_session_book(item=order.items.get(), start=SESSION_START, client_timezone="Europe/Berlin")
        MeetingType.objects.filter(pk=coaching.pk).update(state=MeetingTypeState.DISABLED)
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=Booking.objects.get(pk=booking.pk), by=BookedBy.OWNER)
    [email] = [sent for sent in mail.outbox if sent.to == ["dana@example.com"]]

    html = email.alternatives[0][0]
    assert "Diese Terminart kann nicht mehr gebucht werden." in email.body
    assert "Diese Terminart kann nicht mehr gebucht werden." in html
    assert BOOK_ANOTHER_TIME["de"] not in email.body and BOOK_ANOTHER_TIME["de"] not in html
    assert f"{OPEN_YOUR_PACKAGE['de']}: {settings.SITE_URL}/orders/{order.token}/" in email.body
