"""The payments CSV export: one row per payment of the owner's in the date range, amounts as
decimals with their currency, another owner's payments never included, constant queries."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments import services as payment_services
from payments.models import Payment, Provider
from tests.world import make_world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _range() -> str:
    today = timezone.now().date()
    return f"?date_from={today - timedelta(days=2):%Y-%m-%d}&date_to={today + timedelta(days=2):%Y-%m-%d}"


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="payments-')
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_the_payments_export_lists_only_the_owners_payments_with_amount_and_currency():
    alice, bob = make_world()

    rows = _rows(_client(alice.owner).get("/dashboard/payments/export.csv" + _range()))

    gift_payment = alice.gift.order.payments.get()  # the world's paid gift
    assert sorted(int(row["Payment ID"]) for row in rows) == sorted([alice.payment.pk, alice.pending_payment.pk,
                                                                     gift_payment.pk])
    paid = next(row for row in rows if int(row["Payment ID"]) == alice.payment.pk)
    assert Decimal(paid["Amount"]) == Decimal("90.00") and paid["Currency"] == alice.payment.currency
    alice.payment.refresh_from_db()
    assert paid["Status"] == alice.payment.get_status_display() == "Paid"
    assert paid["Client email"] == alice.order.client_email
    zone = alice.owner.timezone
    assert f"Created ({zone})" in paid and paid[f"Confirmed ({zone})"] != ""
    text = "".join(str(row) for row in rows)
    assert bob.order.client_email not in text and bob.pending_order.client_email not in text



@pytest.mark.django_db
def test_a_payment_made_outside_the_app_is_exported_with_the_owners_note():
    alice, _bob = make_world()
    order = payment_services.order_issue(
        owner=alice.owner, package=alice.package, client_name="Robin", client_email="robin@example.com",
        mode=payment_services.IssueMode.PAID_OUTSIDE, note="Cash at the first session",
    )

    rows = _rows(_client(alice.owner).get("/dashboard/payments/export.csv" + _range()))

    manual = next(row for row in rows if row["Order ID"] == str(order.pk))
    assert (manual["Provider"], manual["Note"], manual["Amount"]) == (
        "Paid outside the app", "Cash at the first session", "90.00")
    assert next(row for row in rows if int(row["Payment ID"]) == alice.payment.pk)["Note"] == ""

@pytest.mark.django_db
def test_a_day_without_payments_gives_just_the_header():
    alice, _bob = make_world()
    response = _client(alice.owner).get("/dashboard/payments/export.csv?date_from=2001-01-01&date_to=2001-01-31")

    assert _rows(response) == []


@pytest.mark.django_db
def test_the_payments_export_query_count_does_not_grow_with_its_rows():
    alice, _bob = make_world()
    client = _client(alice.owner)
    path = "/dashboard/payments/export.csv" + _range()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(path).streaming_content)
        return len(captured)

    small = count()
    for _ in range(10):
        payment_services.payment_start(order=alice.pending_order, provider=Provider.TEST)
    assert Payment.objects.filter(order__owner=alice.owner).count() >= 12
    assert count() == small
