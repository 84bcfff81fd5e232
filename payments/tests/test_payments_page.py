"""/dashboard/payments/: every payment of the owner with totals per currency, filters, pages,
constant queries; another owner sees none of it."""
from decimal import Decimal

import pytest

from orders.models import OrderStatus
from payments.models import Payment, PaymentStatus, Provider
from payments.tests.helpers import make_payment
from tests import make_order

pytestmark = pytest.mark.django_db


def _payments(owner, n: int, **fields):
    made = []
    price, currency = fields.pop("price", "10.00"), fields.pop("currency", "USD")
    for i in range(n):
        order = make_order(owner, price=price, currency=currency)
        made.append(make_payment(order, reference=f"cs_{owner.pk}_{i}_{order.pk}", **fields))
    return made


def test_the_page_lists_payments_with_status_amount_provider_and_order_link(owner_client, owner):
    order = make_order(owner, price="49.90", client_name="Pat Client")
    payment = make_payment(order, status=PaymentStatus.CONFIRMED)
    page = owner_client.get("/dashboard/payments/").content.decode()
    assert "<h1>Payments</h1>" in page
    assert "49.90 USD" in page and "Paid" in page and "Stripe" in page and "Pat Client" in page
    assert f'href="/dashboard/orders/{order.pk}/"' in page
    assert f'href="/dashboard/payments/{payment.pk}/"' in page


def test_totals_per_currency_are_confirmed_minus_refunded(owner_client, owner):
    _payments(owner, 2, status=PaymentStatus.CONFIRMED, price="100.00")
    _payments(owner, 1, status=PaymentStatus.REFUNDED, price="100.00")
    _payments(owner, 1, status=PaymentStatus.FAILED, price="100.00")
    _payments(owner, 1, status=PaymentStatus.CONFIRMED, price="1500", currency="JPY")
    response = owner_client.get("/dashboard/payments/")
    totals = {row["currency"]: row for row in response.context["totals"]}
    assert totals["USD"]["received"] == Decimal("300.00")
    assert totals["USD"]["refunded"] == Decimal("100.00")
    assert totals["USD"]["net"] == Decimal("200.00")
    assert totals["JPY"]["net"] == Decimal("1500")
    page = response.content.decode()
    assert "200.00 USD" in page and "1,500 JPY" in page


def test_filters_by_status_and_provider(owner_client, owner):
    _payments(owner, 2, status=PaymentStatus.CONFIRMED)
    _payments(owner, 1, status=PaymentStatus.FAILED)
    _payments(owner, 1, status=PaymentStatus.CONFIRMED, provider=Provider.PAYPAL)
    assert len(owner_client.get("/dashboard/payments/?status=confirmed").context["page"].object_list) == 3
    assert len(owner_client.get("/dashboard/payments/?status=failed").context["page"].object_list) == 1
    assert len(owner_client.get("/dashboard/payments/?provider=paypal").context["page"].object_list) == 1
    response = owner_client.get("/dashboard/payments/?status=confirmed&provider=stripe")
    assert len(response.context["page"].object_list) == 2
    assert "Clear filters" in response.content.decode()


def test_a_bad_filter_or_page_is_not_an_error(owner_client, owner):
    _payments(owner, 1)
    response = owner_client.get("/dashboard/payments/?status=nonsense&provider=<script>&page=abc")
    assert response.status_code == 200
    assert "That filter is not one of the choices" in response.content.decode()
    assert owner_client.get("/dashboard/payments/?page=999").status_code == 200
    for cursor in ("after=nonsense", "before=2026-02-30T00:00:00%2B00:00~1", "after=~~", "before=1~-5"):
        response = owner_client.get(f"/dashboard/payments/?{cursor}")
        assert response.status_code == 200 and len(response.context["page"].object_list) == 1


def test_empty_states(owner_client):
    assert "No payments yet" in owner_client.get("/dashboard/payments/").content.decode()
    assert "No payments match these filters" in owner_client.get("/dashboard/payments/?status=refunded").content.decode()


def test_pages_of_25(owner_client, owner):
    _payments(owner, 30)
    first = owner_client.get("/dashboard/payments/?provider=stripe")
    assert len(first.context["page"].object_list) == 25
    assert "Older ›" in first.content.decode() and "‹ Newer" not in first.content.decode()
    older = owner_client.get("/dashboard/payments/?" + first.context["page"].next_query)
    assert len(older.context["page"].object_list) == 5 and "‹ Newer" in older.content.decode()
    assert "provider=stripe" in first.context["page"].next_query
    shown = first.context["page"].object_list + older.context["page"].object_list
    assert len({payment.pk for payment in shown}) == 30  # nothing skipped, nothing twice
    newer = owner_client.get("/dashboard/payments/?" + older.context["page"].previous_query)
    assert newer.context["page"].object_list == first.context["page"].object_list


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_runs_a_constant_number_of_queries(owner_client, owner, django_assert_num_queries, size):
    _payments(owner, size, status=PaymentStatus.CONFIRMED)
    # user (the session comes from the cache), page of payments (with orders and invoices; no COUNT),
    # their credit notes, totals, payments that need a refund
    with django_assert_num_queries(5):
        response = owner_client.get("/dashboard/payments/?provider=stripe")
    assert len(response.context["page"].object_list) == min(size, 25)


def test_another_owner_sees_none_of_the_payments(other_owner_client, owner):
    payments = _payments(owner, 3, status=PaymentStatus.CONFIRMED, price="77.00")
    response = other_owner_client.get("/dashboard/payments/")
    assert "No payments yet" in response.content.decode()
    assert "77.00" not in response.content.decode()
    assert response.context["totals"] == []
    for payment in payments:
        assert other_owner_client.get(f"/dashboard/payments/{payment.pk}/").status_code == 404


def test_the_detail_page_shows_a_flag_and_the_refund_button(owner_client, owner):
    order = make_order(owner, status=OrderStatus.CANCELLED)
    payment = make_payment(order, status=PaymentStatus.CONFIRMED, flagged=True,
                           flag_reason="Paid after the order was cancelled or expired — refund it.")
    page = owner_client.get(f"/dashboard/payments/{payment.pk}/").content.decode()
    assert "Needs attention" in page and "refund it" in page
    assert f'action="/dashboard/payments/{payment.pk}/refund/"' in page


def test_the_pages_need_a_login(client, owner):
    payment = _payments(owner, 1)[0]
    assert client.get("/dashboard/payments/").status_code == 302
    assert client.get(f"/dashboard/payments/{payment.pk}/").status_code == 302


def test_the_rows_written_in_python_are_the_rows_of_the_template(owner_client, owner, django_assert_num_queries):
    """The list's rows are built in Python (payments.dashboard_views._payment_rows_html); the
    template they replaced (payments/dashboard/_payment_row.html) gives the same HTML for every kind
    of row: an order's and a paid session's, with invoices and credit notes, partly refunded,
    flagged, needing a refund, refunded outside the app, and names that need escaping."""
    import re

    from django.template.loader import render_to_string
    from django.utils import timezone

    from invoices.services import credit_note_issue, invoice_issue
    from payments.selectors import payments_for_owner
    from tests import NINE_AM, make_booking, make_meeting_type

    plain = make_payment(make_order(owner, price="49.90", client_name='<b>"Jo" & O\'Neil</b>'),
                         status=PaymentStatus.CONFIRMED, reference="a", confirmed_at=timezone.now())
    invoice_issue(payment=plain, paid_with="Card")
    credit_note_issue(payment=plain, amount=Decimal("5.00"), reason="Goodwill", source_key="refund-1")
    make_payment(make_order(owner, price="80.00"), status=PaymentStatus.PARTLY_REFUNDED,
                 refunded_amount=Decimal("20.00"), reference="b")
    make_payment(make_order(owner), status=PaymentStatus.CONFIRMED, flagged=True, reference="c")
    make_payment(make_order(owner, status=OrderStatus.CANCELLED), status=PaymentStatus.CONFIRMED, reference="d")
    make_payment(make_order(owner), status=PaymentStatus.REFUNDED, refunded_outside=True, reference="e")
    booking = make_booking(make_meeting_type(owner, name="Deep & dive"), NINE_AM, client_name="Sam <Session>")
    session = Payment.objects.create(booking=booking, provider=Provider.PAYPAL, status=PaymentStatus.CONFIRMED,
                                     amount=Decimal("90"), currency="EUR", provider_reference="f",
                                     confirmed_at=timezone.now())
    invoice_issue(payment=session, paid_with="PayPal")

    with django_assert_num_queries(5):  # the list reads only its columns: no field is read row by row
        response = owner_client.get("/dashboard/payments/?clock=12")
    request = response.wsgi_request
    expected = "".join(
        render_to_string("payments/dashboard/_payment_row.html", {"payment": payment}, request=request)
        for payment in payments_for_owner(owner))

    def squeeze(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip()

    page = response.content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert squeeze(rows) == squeeze(expected)
    assert rows.count("<tr>") == 6 and "<b>" not in rows and "&lt;b&gt;&quot;Jo&quot; &amp; O&#x27;Neil" in rows
    assert "/invoices/" in rows and "Deep &amp; dive on " in rows and "Sam &lt;Session&gt; · paid session" in rows
