"""The client portal's world: two owners, and two clients who each ordered from one or both."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from invoices.services import credit_note_issue
from orders.models import OrderStatus
from payments.models import Payment, Provider
from payments.services import payment_confirm
from tests import make_booking, make_meeting_type, make_order, make_owner

CLEO = "cleo@example.com"
DORA = "dora@example.com"
LINK_RE = re.compile(r"https?://[^/\s]+(/my/sign-in/[^/\s]+/)")


@pytest.fixture
def world(db):
    """Alma and Bert (owners). Cleo has an active order with each, and a direct session with Bert;
    Dora has an order with Alma."""
    alma = make_owner(display_name="Alma Coach", slug="alma")
    bert = make_owner(display_name="Bert Tutor", slug="bert")
    alma_call = make_meeting_type(alma, name="Alma call", slug="alma-call")
    bert_lesson = make_meeting_type(bert, name="Bert lesson", slug="bert-lesson")
    now = timezone.now()
    cleo_alma = make_order(alma, alma_call, sessions=3, with_items=True, status=OrderStatus.ACTIVE, paid_at=now,
                           title="Alma pack of 3")
    cleo_bert = make_order(bert, bert_lesson, sessions=2, with_items=True, status=OrderStatus.ACTIVE, paid_at=now,
                           title="Bert pack of 2")
    dora_alma = make_order(alma, alma_call, sessions=5, with_items=True, status=OrderStatus.ACTIVE, paid_at=now,
                           title="Dora pack of 5", client_name="Dora Doe", client_email=DORA)
    direct = make_booking(bert_lesson, now + timedelta(days=3), client_timezone="Europe/Paris")
    dora_session = make_booking(alma_call, now + timedelta(days=4), client_name="Dora Doe", client_email=DORA)
    return type("World", (), {
        "alma": alma, "bert": bert, "alma_call": alma_call, "bert_lesson": bert_lesson, "cleo_alma": cleo_alma,
        "cleo_bert": cleo_bert, "dora_alma": dora_alma, "direct": direct, "dora_session": dora_session,
    })


def pay(*, amount: str, currency: str = "USD", **target) -> Payment:
    """A payment of an order or a held session, confirmed as a provider's webhook would (so it is invoiced)."""
    payment = Payment.objects.create(provider=Provider.STRIPE, amount=Decimal(amount), currency=currency, **target)
    return payment_confirm(payment_id=payment.pk, amount=Decimal(amount), currency=currency)


def order_paid_and_part_refunded(owner, meeting_type, title: str):
    """Cleo's order of `title` for 100 USD, paid (an invoice) and 10 USD of it given back (a credit note)."""
    order = make_order(owner, meeting_type, sessions=2, with_items=True, price="100.00", currency="USD", title=title)
    payment = pay(order=order, amount="100.00")
    credit_note_issue(payment=payment, amount=Decimal("10.00"), reason="Goodwill", source_key=f"goodwill-{order.pk}")
    return order


def ask_for_link(client, email: str, capture, **extra):
    with capture(execute=True):
        return client.post("/my/", {"email": email}, **extra)


def link_path_sent_to(email: str) -> str:
    """The path of the newest sign-in link emailed to `email`."""
    message = next(message for message in reversed(mail.outbox) if message.to == [email])
    return LINK_RE.search(message.body).group(1)


@pytest.fixture
def sign_in(client, django_capture_on_commit_callbacks):
    """Sign `client` in as `email` the way a client does: ask, open the emailed link, press the button."""

    def sign_in_as(email: str):
        ask_for_link(client, email, django_capture_on_commit_callbacks)
        response = client.post(link_path_sent_to(email))
        assert response.status_code == 302
        return client

    return sign_in_as
