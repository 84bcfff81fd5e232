"""Insights (/dashboard/insights/): known data in, the figures a coach would check out — money by
month in the owner's zone (refunds in the month they were made), sessions by week, packs sold,
credits outstanding at the price sold, the no-show and late-cancel rates — each chart an SVG with
its table, the same queries at two sizes, and nothing of another owner's."""
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from insights.charts import Series, bar_chart, nice_ceiling
from insights.selectors import Period, insights_for_owner
from orders.models import COMPLIMENTARY, CreditLedgerEntry, LedgerReason, OrderStatus
from payments.models import Payment, PaymentStatus, Provider, Refund, RefundStatus
from scheduling.hold_release import RELEASED_REASON
from scheduling.models import Attendance, Booking, BookingStatus
from tests import NOW, make_booking, make_meeting_type, make_order

URL = "/dashboard/insights/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):  # Tuesday 1 December 2026, 07:00 in New York
        yield


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def pay(order, amount: str, *, paid: datetime, status=PaymentStatus.CONFIRMED, refunded: datetime | None = None,
        currency: str = "USD") -> Payment:
    return Payment.objects.create(order=order, provider=Provider.TEST, status=status, amount=Decimal(amount),
                                  currency=currency, confirmed_at=paid, refunded_at=refunded)


def by_month(insights, currency="USD") -> dict[date, tuple[Decimal, Decimal, Decimal]]:
    return {row.month: (row.taken, row.refunded, row.net) for row in insights.money[currency]}


def test_the_period_is_the_last_12_months_in_the_owners_zone(owner):
    period = Period.last_12_months(zone=__import__("zoneinfo").ZoneInfo("America/New_York"), now=NOW)

    assert period.months[0] == date(2026, 1, 1) and period.months[-1] == date(2026, 12, 1)
    assert len(period.months) == 12
    assert period.start == datetime(2026, 1, 1, 5, tzinfo=UTC)  # midnight in New York
    assert period.weeks[0] == date(2025, 12, 29)  # the Monday on or before 1 January
    assert period.weeks[-1] == date(2026, 11, 30)  # this week


def test_money_taken_refunded_and_net_by_month_in_the_owners_zone(owner, other_owner):
    order = make_order(owner, price="100.00")
    pay(order, "100.00", paid=utc(2026, 12, 1, 4, 30))  # 23:30 on 30 November in New York
    pay(order, "50.00", paid=utc(2026, 10, 10, 15), status=PaymentStatus.REFUNDED,
        refunded=utc(2026, 11, 2, 15))  # taken in October, given back in November
    pay(order, "70.00", paid=utc(2026, 11, 3, 15), status=PaymentStatus.FAILED)
    pay(order, "30.00", paid=utc(2025, 12, 20, 15))  # before the 12 months
    session = make_booking(make_meeting_type(owner), utc(2026, 9, 1, 15))
    Payment.objects.create(booking=session, provider=Provider.STRIPE, status=PaymentStatus.CONFIRMED,
                           amount=Decimal("25.00"), currency="USD", confirmed_at=utc(2026, 9, 1, 14))
    pay(make_order(other_owner), "999.00", paid=utc(2026, 11, 5, 15))

    months = by_month(insights_for_owner(owner))

    assert months[date(2026, 9, 1)] == (Decimal("25.00"), 0, Decimal("25.00"))
    assert months[date(2026, 10, 1)] == (Decimal("50.00"), 0, Decimal("50.00"))
    assert months[date(2026, 11, 1)] == (Decimal("100.00"), Decimal("50.00"), Decimal("50.00"))
    assert months[date(2026, 12, 1)] == (0, 0, 0)
    assert len(months) == 12


def test_a_partly_refunded_payment_counts_as_taken_and_its_refunds_in_their_months(owner):
    order = make_order(owner, price="240.00")
    payment = pay(order, "240.00", paid=utc(2026, 10, 10, 15), status=PaymentStatus.PARTLY_REFUNDED)
    for amount, when in (("100.00", utc(2026, 11, 2, 15)), ("20.00", utc(2026, 11, 20, 15))):
        Refund.objects.create(payment=payment, amount=Decimal(amount), currency="USD", status=RefundStatus.SUCCEEDED,
                              idempotency_key=f"refund-{payment.pk}-{amount}", succeeded_at=when)
    Refund.objects.create(payment=payment, amount=Decimal("50.00"), currency="USD",  # not given back (yet)
                          idempotency_key=f"refund-{payment.pk}-pending")
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=Decimal("120.00"))

    months = by_month(insights_for_owner(owner))

    assert months[date(2026, 10, 1)] == (Decimal("240.00"), 0, Decimal("240.00"))
    assert months[date(2026, 11, 1)] == (0, Decimal("120.00"), Decimal("-120.00"))


def test_each_currency_has_its_own_figures(owner):
    order = make_order(owner, price="100.00")
    pay(order, "100.00", paid=utc(2026, 11, 3, 15))
    pay(order, "9000", paid=utc(2026, 11, 4, 15), currency="JPY")

    insights = insights_for_owner(owner)

    assert list(insights.money) == ["JPY", "USD"]
    assert by_month(insights, "JPY")[date(2026, 11, 1)][0] == Decimal("9000")


def test_packs_sold_count_paid_orders_by_month_not_gifts_of_the_owner_or_unpaid_ones(owner):
    make_order(owner, status=OrderStatus.ACTIVE, paid_at=utc(2026, 11, 1, 3))  # 31 October in New York
    make_order(owner, status=OrderStatus.ACTIVE, paid_at=utc(2026, 11, 20, 15))
    make_order(owner, status=OrderStatus.REFUNDED, paid_at=utc(2026, 11, 21, 15))  # sold, then refunded
    make_order(owner, status=OrderStatus.ACTIVE, paid_at=utc(2026, 11, 22, 15), paid_with=COMPLIMENTARY)
    make_order(owner)  # pending payment

    sold = dict(insights_for_owner(owner).packs_sold)

    assert sold[date(2026, 10, 1)] == 1 and sold[date(2026, 11, 1)] == 2 and sum(sold.values()) == 3


def test_sessions_booked_used_expired_and_no_shows_by_week(owner):
    meeting_type = make_meeting_type(owner)
    week = date(2026, 11, 23)  # Monday; the sessions were made and held that week
    made = utc(2026, 11, 24, 15)
    for start, attendance in ((utc(2026, 11, 24, 15), ""), (utc(2026, 11, 25, 15), Attendance.ATTENDED),
                              (utc(2026, 11, 26, 15), Attendance.NO_SHOW)):
        Booking.objects.filter(pk=make_booking(meeting_type, start, attendance=attendance).pk).update(created_at=made)
    cancelled = make_booking(meeting_type, utc(2026, 11, 27, 15), status=BookingStatus.CANCELLED)
    never_paid = make_booking(meeting_type, utc(2026, 11, 27, 16), status=BookingStatus.CANCELLED,
                              cancel_reason=RELEASED_REASON)
    Booking.objects.filter(pk__in=[cancelled.pk, never_paid.pk]).update(created_at=made)
    order = make_order(owner, meeting_type, sessions=3, with_items=True, status=OrderStatus.ACTIVE)
    entry = CreditLedgerEntry.objects.create(order_item=order.items.get(), change=-2, reason=LedgerReason.EXPIRY,
                                             created_at=utc(2026, 11, 28, 15))

    weeks = {row.week: row for row in insights_for_owner(owner).sessions}

    assert (weeks[week].booked, weeks[week].used, weeks[week].no_shows, weeks[week].expired) == (4, 2, 1, 2)
    assert entry.change == -2
    assert sum(row.booked for row in weeks.values()) == 4  # the order's purchase is no session


def test_an_order_left_unpaid_adds_no_expired_sessions(owner):
    """A client who placed an order and never paid lost no sessions: its grant is voided when the
    unpaid order expires (an EXPIRY entry), which the Expired column must not count."""
    from orders.lifecycle import order_expire

    meeting_type = make_meeting_type(owner)
    unpaid = make_order(owner, meeting_type, sessions=5, with_items=True)  # pending payment
    paid = make_order(owner, meeting_type, sessions=3, with_items=True, status=OrderStatus.ACTIVE,
                      paid_at=NOW - timedelta(days=60))
    order_expire(order=unpaid)
    CreditLedgerEntry.objects.create(order_item=paid.items.get(), change=-3, reason=LedgerReason.EXPIRY)

    weeks = insights_for_owner(owner).sessions

    assert sum(row.expired for row in weeks) == 3
    assert weeks[-1].expired == 3


def test_credits_outstanding_in_sessions_and_at_the_price_sold(owner):
    coaching, review = make_meeting_type(owner), make_meeting_type(owner)
    from tests import make_package

    package = make_package(owner, items=[(coaching, 2), (review, 1)], price=Decimal("300.00"))
    order = make_order(package, with_items=True, status=OrderStatus.ACTIVE)  # 100.00 a session
    coaching_item = order.items.get(meeting_type=coaching)
    for start in (NOW - timedelta(days=3), NOW + timedelta(days=3)):  # one used, one still to come
        booking = make_booking(coaching, start, order_item=coaching_item, credit_held=True)
        CreditLedgerEntry.objects.create(order_item=coaching_item, change=-1, reason=LedgerReason.BOOKING,
                                         booking=booking)
    make_order(package, with_items=True, status=OrderStatus.CANCELLED)
    make_order(package, with_items=True, status=OrderStatus.ACTIVE, expires_at=NOW - timedelta(days=1))

    [outstanding] = insights_for_owner(owner).outstanding

    assert (outstanding.currency, outstanding.sessions, outstanding.money) == ("USD", 2, Decimal("200.00"))


def test_the_no_show_and_late_cancel_rates(owner):
    meeting_type = make_meeting_type(owner)
    for day, attendance in ((2, ""), (3, ""), (4, Attendance.ATTENDED), (5, Attendance.NO_SHOW)):
        make_booking(meeting_type, utc(2026, 11, day, 15), attendance=attendance)
    order = make_order(owner, meeting_type, sessions=2, with_items=True, status=OrderStatus.ACTIVE)
    late = make_booking(meeting_type, utc(2026, 11, 6, 15), status=BookingStatus.CANCELLED,
                        order_item=order.items.get())
    CreditLedgerEntry.objects.create(order_item=order.items.get(), change=0, reason=LedgerReason.LATE_CANCEL,
                                     booking=late, created_at=utc(2026, 11, 6, 10))

    insights = insights_for_owner(owner)

    assert insights.no_show_rate == pytest.approx(1 / 4)
    assert insights.late_cancel_rate == pytest.approx(1 / 5)


def test_no_sessions_gives_no_rate_rather_than_zero(owner):
    insights = insights_for_owner(owner)

    assert insights.no_show_rate is None and insights.late_cancel_rate is None


def seed(owner, size: int) -> None:
    meeting_type = make_meeting_type(owner)
    for n in range(size):
        order = make_order(owner, meeting_type, sessions=2, with_items=True, status=OrderStatus.ACTIVE,
                           paid_at=NOW - timedelta(days=10 * n + 1))
        pay(order, "100.00", paid=NOW - timedelta(days=10 * n + 1))
        make_booking(meeting_type, NOW - timedelta(days=7 * n + 1), attendance=Attendance.NO_SHOW if n % 3 else "",
                     order_item=order.items.get(), credit_held=True)


@pytest.mark.parametrize("size", [1, 30])
def test_the_page_runs_the_same_queries_whatever_the_owner_has(owner_client, owner, size, django_assert_num_queries):
    seed(owner, size)
    # The user (the session is in the cache), then money (taken, refunded), packs sold, sessions
    # (booked, held, expired), credits outstanding and late cancels.
    with django_assert_num_queries(9):
        response = owner_client.get(URL)
    assert response.status_code == 200


def test_the_page_shows_each_chart_as_an_image_with_its_table(owner_client, owner):
    seed(owner, 3)

    html = owner_client.get(URL).content.decode()

    assert html.count('role="img"') == 3  # money (one currency), sessions, packs
    assert "<title id=\"chart-money-by-month--usd--title\">Money by month (USD)</title>" in html
    assert "<caption>Money by month in USD</caption>" in html
    assert "<caption>Sessions by week (newest first)</caption>" in html
    assert "<caption>Packs sold by month</caption>" in html
    assert '<caption>What you still owe on active orders</caption>' in html
    assert "<tfoot><tr><th scope=\"row\">12 months</th><td class=\"num\">300.00</td>" in html  # taken
    assert 'href="/dashboard/insights/" aria-current="page">Insights</a>' in html
    assert "<script" not in html.split("</main>")[0].split('<main')[1]  # no chart script


def test_another_owner_sees_none_of_it(owner, other_owner, client):
    seed(owner, 3)
    client.force_login(other_owner)

    html = client.get(URL).content.decode()

    assert "300.00" not in html and "No payments in the last 12 months yet." in html


def test_the_page_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_chart_scale_is_round_and_a_negative_net_hangs_below_zero():
    assert [nice_ceiling(value) for value in (0, 3, 7, 12, 240, 999)] == pytest.approx([1, 3.2, 8, 12, 240, 1000])
    assert [nice_ceiling(value, whole=True) for value in (0, 1, 3, 5, 9)] == [4, 4, 4, 8, 12]

    svg = str(bar_chart(title="Net", description="d", labels=["Jan", "Feb"],
                        series=[Series("Net", [Decimal("50"), Decimal("-20")], "series-2")]))

    assert '<rect class="series-2"' in svg and "Net -20" in svg and "<title" in svg


def test_the_axis_of_a_small_amount_is_labelled_with_the_values_of_its_lines():
    """A month of 1.00 taken puts lines at 0.25, 0.5, 0.75 and 1: they were labelled 0.2, 0.5,
    0.8 and 1 (one decimal), so the axis read wrong beside its bars."""
    svg = str(bar_chart(title="Money", description="d", labels=["Jan"],
                        series=[Series("Taken", [Decimal("1.00")], "series-1")]))

    axis = re.findall(r'<text class="axis" x="46" y="[\d.]+" text-anchor="end">([^<]*)</text>', svg)
    assert axis == ["0", "0.25", "0.5", "0.75", "1"]
