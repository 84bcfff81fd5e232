"""Each refund's email to the client carries the credit note of that refund, never the notes of
refunds made before it (each of those went with its own email)."""
from decimal import Decimal

import pytest
from django.core import mail

from invoices.tests.helpers import paid_order
from payments import services
from payments.models import Provider

pytestmark = pytest.mark.django_db


def _refund(payment, owner, amount, key, capture):
    mail.outbox = []
    with capture(execute=True):
        services.payment_refund(payment=payment, by_owner=owner, amount=Decimal(amount), reason=f"Refund {key}",
                                idempotency_key=f"refund-{payment.pk}-{key}")
    return [email for email in mail.outbox if email.to == ["cleo@example.com"]]


def _pdfs(email) -> list[str]:
    return [name for name, _, _ in email.attachments if name.endswith(".pdf")]


def test_a_second_part_refunds_email_carries_only_its_own_credit_note(owner, django_capture_on_commit_callbacks):
    _, payment = paid_order(owner, price="120.00", provider=Provider.TEST)

    first = _refund(payment, owner, "30.00", "a", django_capture_on_commit_callbacks)
    second = _refund(payment, owner, "40.00", "b", django_capture_on_commit_callbacks)

    assert [_pdfs(email) for email in first] == [["CN-0001.pdf"]]
    assert [_pdfs(email) for email in second] == [["CN-0002.pdf"]]


def test_the_refund_of_the_rest_carries_only_its_own_credit_note(owner, django_capture_on_commit_callbacks):
    _, payment = paid_order(owner, price="120.00", provider=Provider.TEST)

    _refund(payment, owner, "30.00", "a", django_capture_on_commit_callbacks)
    _refund(payment, owner, "40.00", "b", django_capture_on_commit_callbacks)
    last = _refund(payment, owner, "50.00", "c", django_capture_on_commit_callbacks)

    assert [_pdfs(email) for email in last] == [["CN-0003.pdf"]]
