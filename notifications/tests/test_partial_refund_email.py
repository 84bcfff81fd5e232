"""The client hears of a partial refund: the amount refunded, what is still paid, the sessions taken
off their order and how many are left, with the refund's credit note attached as a PDF (as the
receipt carries the invoice). A full refund has its own email (the order refunded)."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from invoices.models import CreditNote
from invoices.tests.helpers import paid_order
from invoices.tests.test_pages import pdf_text
from leadmonk.tokens import new_token
from notifications.models import Message, MessageKind
from orders.credits import ledger_grant_purchase
from orders.models import OrderItem
from payments.models import Payment, PaymentStatus, Provider
from payments.services import payment_confirm, payment_mark_refunded, payment_refund
from scheduling.holds import booking_hold
from scheduling.models import MeetingType, MeetingTypeState
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_provider(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def _client_emails() -> list:
    return [email for email in mail.outbox if email.to == ["cleo@example.com"]]


def test_a_partial_refund_tells_the_client_what_went_back_what_is_left_and_attaches_the_credit_note(
        owner, django_capture_on_commit_callbacks):
    order, payment = paid_order(owner, price="120.00", provider=Provider.TEST, sessions=4)
    item = order.items.get()
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=payment, by_owner=owner, amount=Decimal("30.00"), reason="One session not taken",
                       idempotency_key=new_token(), sessions_to_remove={item.pk: 1})

    [email] = _client_emails()
    assert email.subject == f"Part of your payment was refunded: {order.title}"
    text = email.body
    assert "refunded 30.00 USD of your payment for" in text and order.title in text
    assert "Reason from" in text and "One session not taken" in text
    assert "Refunded now: 30.00 USD" in text and "Still paid:   90.00 USD" in text
    assert "- Coaching call: 1 session" in text and "Sessions left to book: 3" in text
    assert f"/orders/{order.token}/" in text
    html = email.alternatives[0][0]
    assert "Part of your payment was refunded" in html and "90.00 USD" in html and "Coaching call: 1 session" in html
    pdfs = [(name, content) for name, content, kind in email.attachments if kind == "application/pdf"]
    assert [name for name, _ in pdfs] == ["CN-0001.pdf"]
    assert "CN-0001" in pdf_text(pdfs[0][1]) and "30.00" in pdf_text(pdfs[0][1])
    assert Message.objects.get(kind=MessageKind.PARTIAL_REFUND).recipient == "cleo@example.com"


def test_a_message_written_before_the_amounts_were_kept_as_numbers_shows_them_as_written(owner):
    from notifications.emails import build_email

    order, _payment = paid_order(owner, price="120.00", provider=Provider.TEST, sessions=4)
    message = Message.objects.create(
        order=order, kind=MessageKind.PARTIAL_REFUND, audience="client", recipient="cleo@example.com",
        context={"amount": "30.00 USD", "left": "90.00 USD", "reason": "One session not taken",
                 "sessions_removed": [], "sessions_left": 4, "credit_note_id": None, "credit_note_number": ""})

    text = build_email(message).body

    assert "Refunded now: 30.00 USD" in text and "Still paid:   90.00 USD" in text


def test_a_partial_refund_keeping_the_sessions_lists_none_taken_off(owner, django_capture_on_commit_callbacks):
    order, payment = paid_order(owner, price="120.00", provider=Provider.TEST, sessions=4)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=payment, by_owner=owner, amount=Decimal("20.00"), reason="Goodwill",
                       idempotency_key=new_token())
    [email] = _client_emails()
    assert "Sessions taken off" not in email.body and "Sessions left to book: 4" in email.body
    assert "Still paid:   100.00 USD" in email.body


def test_sessions_left_to_book_leave_out_a_meeting_type_disabled_since(owner, django_capture_on_commit_callbacks):
    # Four calls and two workshops; the workshop was disabled after the order: its two sessions can
    # no longer be booked (DESIGN rule 6), as the expiry warning and the reminder to book count them.
    workshop = make_meeting_type(owner, name="Workshop", slug="workshop", duration_minutes=90)
    order, payment = paid_order(owner, price="120.00", provider=Provider.TEST, sessions=4)
    OrderItem.objects.create(order=order, meeting_type=workshop, meeting_type_name="Workshop",
                             duration_minutes=90, quantity=2, position=2)
    ledger_grant_purchase(items=[order.items.get(meeting_type=workshop)])
    MeetingType.objects.filter(pk=workshop.pk).update(state=MeetingTypeState.DISABLED)
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=payment, by_owner=owner, amount=Decimal("20.00"), reason="Goodwill",
                       idempotency_key=new_token())

    [email] = _client_emails()
    assert "Sessions left to book: 4" in email.body
    assert "Sessions left to book: 6" not in email.body


def test_a_second_part_refund_attaches_its_own_credit_note_and_a_double_click_sends_one_email(
        owner, django_capture_on_commit_callbacks):
    _, payment = paid_order(owner, price="120.00", provider=Provider.TEST, sessions=4)
    key = new_token()
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=payment, by_owner=owner, amount=Decimal("20.00"), idempotency_key=key)
        payment_refund(payment=payment, by_owner=owner, amount=Decimal("20.00"), idempotency_key=key)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=payment, by_owner=owner, amount=Decimal("40.00"), idempotency_key=new_token())
    [email] = _client_emails()
    assert [name for name, _, _ in email.attachments] == ["CN-0002.pdf"]
    assert "Still paid:   60.00 USD" in email.body
    assert Message.objects.filter(kind=MessageKind.PARTIAL_REFUND).count() == 2


def _partly_refunded(owner, on_commit, amount: str):
    """An order of 120.00 paid with the test provider, `amount` of it refunded (its email sent and
    cleared from the outbox). Returns the order and its payment."""
    order, payment = paid_order(owner, price="120.00", provider=Provider.TEST, sessions=4)
    with on_commit(execute=True):
        payment_refund(payment=payment, by_owner=owner, amount=Decimal(amount), idempotency_key=new_token())
    mail.outbox = []
    return order, payment


def test_the_rest_refunded_sends_the_full_refund_email_not_a_partial_one(owner, django_capture_on_commit_callbacks):
    _, payment = _partly_refunded(owner, django_capture_on_commit_callbacks, "20.00")
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_refunded(payment_id=payment.pk, outside_app=True)
    [email] = _client_emails()
    assert email.subject.startswith("Your order was refunded")
    # The refund of the rest carries its own credit note: CN-0001 went with the part's email.
    assert [name for name, _, _ in email.attachments if name.endswith(".pdf")] == ["CN-0002.pdf"]
    assert Message.objects.filter(kind=MessageKind.PARTIAL_REFUND).count() == 1


def test_the_rest_refunded_says_what_goes_back_now_not_the_whole_price(owner, django_capture_on_commit_callbacks):
    order, payment = _partly_refunded(owner, django_capture_on_commit_callbacks, "30.00")
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=payment, by_owner=owner, idempotency_key=new_token())  # the 90.00 left
    [email] = _client_emails()
    assert email.subject == f"Your order was refunded: {order.title}"
    assert "refunded: 90.00 USD goes back to the card or account you paid with" in email.body
    assert "120.00 USD goes back" not in email.body
    html = email.alternatives[0][0]
    assert "90.00 USD" in html and "120.00 USD goes back" not in html
    assert "Amount: 120.00 USD" in email.body  # the receipt still says what the order cost


def test_a_partial_refund_of_a_paid_session_tells_its_client(owner, django_capture_on_commit_callbacks):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"),
                                     payment_medium="stripe")
    with time_machine.travel(NOW, tick=False):
        held = booking_hold(meeting_type=meeting_type, start=NOW.replace(hour=15), client_name="Cleo Client",
                            client_email="cleo@example.com")
        payment = Payment.objects.get(booking=held)
        payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.CONFIRMED and payment.confirmed_at <= timezone.now()
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            payment_refund(payment=payment, by_owner=owner, amount=Decimal("45.00"), idempotency_key=new_token())
    [email] = _client_emails()
    assert email.subject == "Part of your payment was refunded: Coaching session"
    assert "Still paid:   45.00 USD" in email.body and "Sessions left" not in email.body
    assert f"/bookings/{held.token}/" in email.body
    assert [name for name, _, _ in email.attachments] == ["CN-0001.pdf"]


def test_the_full_refund_email_names_the_amount_of_the_credit_note_it_attaches(
        owner, django_capture_on_commit_callbacks):
    # Another refund of the order lands between the commit of the full refund and its email's send:
    # the email names the amount of the note it attaches (the rest's, 90.00), not the newer one's.
    with time_machine.travel(NOW, tick=False):
        order, payment = _partly_refunded(owner, django_capture_on_commit_callbacks, "30.00")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            payment_refund(payment=payment, by_owner=owner, idempotency_key=new_token())  # the 90.00 left
    later_note = CreditNote.objects.get(order=order, number="CN-0002")
    later_note.pk, later_note.sequence, later_note.number = None, 3, "CN-0003"
    later_note.total, later_note.net, later_note.tax = Decimal("7.00"), Decimal("7.00"), Decimal("0")
    later_note.source_key, later_note.issued_at = "a later refund", NOW + timedelta(minutes=5)
    later_note.save()
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        for callback in callbacks:
            callback()

    [email] = _client_emails()
    assert [name for name, _, _ in email.attachments if name.endswith(".pdf")] == ["CN-0002.pdf"]
    assert "refunded: 90.00 USD goes back to the card or account you paid with" in email.body
    assert "7.00 USD" not in email.body and "7.00 USD" not in email.alternatives[0][0]
