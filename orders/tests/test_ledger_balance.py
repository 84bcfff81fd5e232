"""The ledger balance has one spelling in the ORM (CreditLedgerEntry.objects....balance() and
.balance_per()) and one in SQL (orders.models.ledger_balance_sql) for the reads kept hand-written
for speed. Both give the sum of the entries, 0 for none, on varied ledgers: bookings, adjustments
both ways, a void, an item without entries, an order without items, a negative sum."""
from datetime import timedelta

from orders.credits import ledger_adjust
from orders.lifecycle import order_cancel
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus
from orders.selectors import order_for_owner, order_item_for_token, order_list_for_owner, orders_for_export
from orders.services import order_session_book
from orders.tests.conftest import place_order
from tests import NINE_AM, NOW, TEN_AM, make_order


def varied_orders(package):
    booked = place_order(package)
    items = list(booked.items.order_by("position"))
    order_session_book(item=items[0], start=NINE_AM)
    order_session_book(item=items[0], start=TEN_AM)
    ledger_adjust(item=items[1], change=3, note="Goodwill", by_user=None)
    ledger_adjust(item=items[1], change=-1, note="Typo", by_user=None)
    # An item that was never granted anything, and one whose entries sum below zero (data no
    # service writes, but the sums must still agree on it).
    OrderItem.objects.create(order=booked, meeting_type=items[0].meeting_type, meeting_type_name="Free extra",
                             duration_minutes=50, kind=items[0].kind, quantity=0, position=5)
    overdrawn = place_order(package, email="overdrawn@example.com")
    CreditLedgerEntry.objects.create(order_item=overdrawn.items.order_by("position").first(), change=-5,
                                     reason=LedgerReason.ADJUSTMENT, note="Imported")
    cancelled = place_order(package, email="cancelled@example.com")
    order_session_book(item=cancelled.items.order_by("position").first(), start=NINE_AM + timedelta(days=1))
    order_cancel(order=cancelled)
    pending = place_order(package, status=OrderStatus.PENDING_PAYMENT, email="pending@example.com")
    empty = make_order(package, status=OrderStatus.ACTIVE)
    return [booked, overdrawn, cancelled, pending, empty]


def by_hand(entries) -> int:
    return sum(entry.change for entry in entries)


def test_the_sql_balance_and_the_orms_agree_per_item_and_per_order(owner, package):
    orders = varied_orders(package)
    listed = {order.pk: order.sessions_left for order in order_list_for_owner(owner=owner)}
    exported = {order.pk: order.export_remaining
                for order in orders_for_export(owner=owner, start=NOW - timedelta(days=1), end=NOW + timedelta(days=1))}
    seen = set()
    for order in orders:
        expected = by_hand(CreditLedgerEntry.objects.filter(order_item__order=order))
        assert CreditLedgerEntry.objects.filter(order_item__order=order).balance() == expected
        assert (listed[order.pk], exported[order.pk]) == (expected, expected)  # SQL, ORM annotation
        annotated = {item.pk: item.balance for item in order_for_owner(owner=owner, pk=order.pk).items.all()}
        for item in OrderItem.objects.filter(order=order):
            expected = by_hand(CreditLedgerEntry.objects.filter(order_item=item))
            assert CreditLedgerEntry.objects.filter(order_item=item).balance() == expected
            assert annotated[item.pk] == expected  # ORM annotation
            assert order_item_for_token(token=order.token, item_id=item.pk).balance == expected  # SQL
            seen.add(expected)
    # The data covers what the sums must agree on: nothing, a negative sum, several values.
    assert {0, -3, 1, 2} <= seen
