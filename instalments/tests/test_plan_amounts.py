"""The split of a price in instalments and how a plan reads (packages.payment_plans)."""
from decimal import Decimal

import pytest

from packages.payment_plans import instalment_amounts, plan_summary, sessions_paid_for


@pytest.mark.parametrize(("price", "count", "currency", "expected"), [
    ("400.00", 4, "USD", ["100.00"] * 4),
    ("100.00", 3, "USD", ["33.33", "33.33", "33.34"]),
    ("1000", 3, "JPY", ["333", "333", "334"]),
    ("0.05", 2, "USD", ["0.02", "0.03"]),
    ("1500.000", 24, "BHD", ["62.500"] * 24),
])
def test_the_amounts_sum_to_the_price_exactly_and_the_last_takes_the_remainder(price, count, currency, expected):
    amounts = instalment_amounts(Decimal(price), count, currency)
    assert amounts == [Decimal(value) for value in expected]
    assert sum(amounts) == Decimal(price)


def test_a_plan_reads_as_its_payments_and_how_often():
    assert plan_summary(Decimal("400.00"), "USD", 4, "month") == "4 payments of 100.00 USD, monthly"
    assert plan_summary(Decimal("100.00"), "USD", 3, "week") == (
        "3 payments of 33.33 USD (the last 33.34 USD), weekly")


@pytest.mark.parametrize(("paid", "expected"), [(0, 0), (1, 2), (2, 4), (3, 6)])
def test_sessions_come_in_proportion_to_what_is_paid(paid, expected):
    assert sessions_paid_for(6, paid, 3) == expected


def test_a_share_is_rounded_down_until_the_last_payment():
    assert [sessions_paid_for(5, paid, 3) for paid in range(4)] == [0, 1, 3, 5]
