"""The credit ledger: every movement of an item's credits is an entry, the remaining count shown is
their sum, and the owner sees the ledger on the order page and can adjust it."""
from datetime import timedelta

import pytest

from orders.credits import NegativeBalance, item_balance, ledger_adjust
from orders.lifecycle import order_cancel
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus
from orders.services import order_session_book
from orders.tests.conftest import place_order
from payments.models import PaymentStatus
from payments.services import payment_mark_refunded
from payments.tests.helpers import make_payment
from scheduling.models import BookedBy, Booking
from scheduling.services import booking_cancel, booking_reschedule
from tests import NINE_AM, TEN_AM, open_ledgers


def coaching(order) -> OrderItem:
    return order.items.select_related("order").get(meeting_type_name="Coaching session")


def book(item, start) -> Booking:
    return order_session_book(item=item, start=start)


def reasons(item) -> list[tuple[str, int]]:
    return list(CreditLedgerEntry.objects.filter(order_item=item).order_by("id").values_list("reason", "change"))


def adjust_url(order) -> str:
    return f"/dashboard/orders/{order.pk}/credits/adjust/"


def test_an_order_grants_each_item_its_quantity(package):
    order = place_order(package)
    assert {item.meeting_type_name: item_balance(item.pk) for item in order.items.all()} == {
        "Coaching session": 2, "Group workshop": 1,
    }
    assert reasons(coaching(order)) == [(LedgerReason.PURCHASE, 2)]


def test_booking_takes_a_credit_rescheduling_keeps_it_and_cancelling_gives_it_back(package):
    item = coaching(place_order(package))
    booking = book(item, NINE_AM)
    assert item_balance(item.pk) == 1
    booking_reschedule(booking=booking, new_start=TEN_AM)
    assert item_balance(item.pk) == 1
    booking_cancel(booking=booking, by=BookedBy.CLIENT)
    assert item_balance(item.pk) == 2
    assert reasons(item) == [(LedgerReason.PURCHASE, 2), (LedgerReason.BOOKING, -1), (LedgerReason.CANCEL_RETURN, 1)]
    assert CreditLedgerEntry.objects.get(reason=LedgerReason.BOOKING).booking == booking


def test_cancelling_an_order_returns_its_booked_credits_and_voids_what_is_left(package):
    order = place_order(package)
    item = coaching(order)
    book(item, NINE_AM)
    order_cancel(order=order)
    assert item_balance(item.pk) == 0
    assert reasons(item)[-2:] == [(LedgerReason.CANCEL_RETURN, 1), (LedgerReason.ORDER_CANCELLED, -2)]


def test_ledger_entries_cannot_be_changed_or_deleted(package):
    entry = CreditLedgerEntry.objects.filter(order_item=coaching(place_order(package))).get()
    entry.change = 50
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        CreditLedgerEntry.objects.filter(pk=entry.pk).update(change=50)
    assert CreditLedgerEntry.objects.get(pk=entry.pk).change == 2


def test_an_adjustment_cannot_leave_fewer_than_zero_credits(package):
    item = coaching(place_order(package))
    with pytest.raises(NegativeBalance):
        ledger_adjust(item=item, change=-3, note="Typo", by_user=None)
    assert item_balance(item.pk) == 2


def test_the_order_page_shows_the_ledger(owner_client, package):
    order = place_order(package)
    book(coaching(order), NINE_AM)
    html = owner_client.get(f"/dashboard/orders/{order.pk}/").content.decode()
    assert "Credit ledger" in html
    assert "Purchase" in html and "Session booked" in html and "session of 7 Dec, 9:00 AM" in html
    assert "1 remaining" in html


def test_the_owner_adds_an_adjustment_with_a_reason(owner_client, owner, package):
    order = place_order(package)
    item = coaching(order)
    response = owner_client.post(adjust_url(order), {"item": item.pk, "change": "1", "note": "Make-up session"},
                                 follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/dashboard/orders/{order.pk}/#ledger-title")
    html = response.content.decode()
    assert "1 session added to Coaching session." in html
    assert "Make-up session" in html and "3 remaining" in html
    entry = CreditLedgerEntry.objects.filter(order_item=item).latest("id")
    assert (entry.reason, entry.change, entry.note, entry.created_by) == (
        LedgerReason.ADJUSTMENT, 1, "Make-up session", owner)


@pytest.mark.parametrize("data, message", [
    ({"change": "-3", "note": "Too many"}, "Only 2 sessions left: you can remove at most 2."),
    ({"change": "0", "note": "Nothing"}, "Enter a number of sessions to add or remove (not 0)."),
    ({"change": "two", "note": "Words"}, "Enter a whole number of sessions, e.g. 1 or -1."),
    ({"change": "100000", "note": "Absurd"}, "Add at most 1,000 sessions at a time."),
    ({"change": "1", "note": "  "}, "Say why you adjust the credits."),
])
def test_a_bad_adjustment_is_explained_next_to_its_field_and_changes_nothing(owner_client, package, data, message):
    order = place_order(package)
    item = coaching(order)
    before = reasons(item)
    response = owner_client.post(adjust_url(order), {"item": item.pk, **data})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="field-errors" role="alert"' in html
    assert reasons(item) == before


def test_a_cancelled_order_takes_no_adjustment(owner_client, package):
    """Its credits are gone with it: the page offers no adjustment and a POST changes nothing."""
    order = place_order(package)
    item = coaching(order)
    order_cancel(order=order, reason="")
    before = reasons(item)
    page = owner_client.get(f"/dashboard/orders/{order.pk}/").content.decode()
    assert "its credits can no longer be adjusted" in page and "Save adjustment" not in page
    response = owner_client.post(adjust_url(order), {"item": item.pk, "change": "2", "note": "Goodwill"})
    assert response.status_code == 400
    assert "This order is cancelled: its credits can no longer be adjusted." in response.content.decode()
    assert reasons(item) == before


def test_an_adjustment_of_another_owners_order_is_not_found(other_owner_client, package):
    order = place_order(package)
    item = coaching(order)
    response = other_owner_client.post(adjust_url(order), {"item": item.pk, "change": "5", "note": "Mine"})
    assert response.status_code == 404
    assert item_balance(item.pk) == 2


def test_an_item_of_another_order_cannot_be_adjusted_through_this_one(owner_client, package):
    order, other = place_order(package), place_order(package, email="rival@example.com")
    response = owner_client.post(adjust_url(order), {"item": coaching(other).pk, "change": "5", "note": "Sneaky"})
    assert response.status_code == 400
    assert item_balance(coaching(other).pk) == 2


def test_orders_placed_before_the_ledger_get_theirs_from_the_data_migration(package):
    order = place_order(package)
    item = coaching(order)
    # An item as the pre-ledger code created it: no entries, one confirmed and one cancelled booking.
    legacy = OrderItem.objects.create(order=order, meeting_type=item.meeting_type, meeting_type_name="Legacy",
                                      duration_minutes=50, kind=item.kind, quantity=4, position=9)
    for start, status in ((NINE_AM, "confirmed"), (TEN_AM, "cancelled")):
        Booking.objects.create(owner=order.owner, meeting_type=item.meeting_type, order_item=legacy, start=start,
                               end=start + timedelta(minutes=50), status=status, client_name="J",
                               client_email="j@example.com")
    open_ledgers()
    open_ledgers()  # idempotent: items with entries are left alone
    assert reasons(legacy) == [(LedgerReason.PURCHASE, 4), (LedgerReason.BOOKING, -1)]
    assert item_balance(legacy.pk) == 3
    assert list(Booking.objects.filter(order_item=legacy).order_by("start").values_list("credit_held", flat=True)) == [
        True, False]
    assert reasons(item) == [(LedgerReason.PURCHASE, 2)]



@pytest.mark.parametrize("status, void", [(OrderStatus.CANCELLED, LedgerReason.ORDER_CANCELLED),
                                          (OrderStatus.REFUNDED, LedgerReason.REFUND),
                                          (OrderStatus.EXPIRED, LedgerReason.EXPIRY)])
def test_a_closed_order_placed_before_the_ledger_opens_it_with_nothing_left(package, status, void):
    """Its purchase grant and bookings, then the void its cancel or refund would have written:
    a refunded order of the old code must not show sessions left in the exports and sums."""
    order = place_order(package, status=status)
    item = coaching(order)
    legacy = OrderItem.objects.create(order=order, meeting_type=item.meeting_type, meeting_type_name="Legacy",
                                      duration_minutes=50, kind=item.kind, quantity=4, position=9)
    Booking.objects.create(owner=order.owner, meeting_type=item.meeting_type, order_item=legacy, start=NINE_AM,
                           end=NINE_AM + timedelta(minutes=50), status="confirmed", client_name="J",
                           client_email="j@example.com")
    open_ledgers()
    open_ledgers()  # idempotent
    assert reasons(legacy) == [(LedgerReason.PURCHASE, 4), (LedgerReason.BOOKING, -1), (void, -3)]
    assert item_balance(legacy.pk) == 0 and item_balance(item.pk) == 0
    closed_at = order.cancelled_at or order.updated_at  # a refund sets no cancelled_at
    assert CreditLedgerEntry.objects.filter(order_item=legacy, reason=void).get().created_at == closed_at


def test_an_active_order_placed_before_the_ledger_keeps_its_credits(package):
    order = place_order(package)
    open_ledgers()
    assert reasons(coaching(order)) == [(LedgerReason.PURCHASE, 2)]

def test_a_refund_returns_the_booked_credits_then_voids_what_is_left(package):
    order = place_order(package)
    item = coaching(order)
    book(item, NINE_AM)
    payment = make_payment(order, status=PaymentStatus.CONFIRMED, provider_payment_id="pi_1")
    payment_mark_refunded(payment_id=payment.pk, refund_reference="re_1")
    assert reasons(item)[-2:] == [(LedgerReason.CANCEL_RETURN, 1), (LedgerReason.REFUND, -2)]
    assert item_balance(item.pk) == 0
    payment_mark_refunded(payment_id=payment.pk, refund_reference="re_1")  # a replayed webhook
    assert item_balance(item.pk) == 0 and len(reasons(item)) == 4
