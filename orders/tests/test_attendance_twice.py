"""Attendance marked twice (a double click, two tabs, a mark changed back): the ledger records a
no-show once per session, and the page says the session is already marked."""
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from orders.credits import item_balance
from orders.models import CreditLedgerEntry, LedgerReason
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import Package
from scheduling.attendance import booking_mark_attendance
from scheduling.models import Attendance, Booking
from scheduling.services import BookingError
from tests import NINE_AM, race

AFTER = NINE_AM + timedelta(hours=2)


def _booked(package, *, no_show_forfeits: bool):
    Package.objects.filter(pk=package.pk).update(no_show_forfeits=no_show_forfeits)
    package.refresh_from_db()
    order = place_order(package)
    item = order.items.select_related("order").get(meeting_type_name="Coaching session")
    return order, item, order_session_book(item=item, start=NINE_AM)


def _no_show_entries(item) -> list[int]:
    return list(CreditLedgerEntry.objects.filter(order_item=item, reason=LedgerReason.NO_SHOW)
                .values_list("change", flat=True))


def _mark(owner_client, order, booking, attendance: str) -> str:
    url = reverse("orders:booking_attendance", args=[order.pk, booking.pk])
    return owner_client.post(url, {"attendance": attendance}, follow=True).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("forfeits, change, balance", [(True, 0, 1), (False, 1, 2)])
def test_a_no_show_clicked_twice_is_recorded_once_and_the_page_says_so(owner_client, package, forfeits, change,
                                                                      balance):
    order, item, booking = _booked(package, no_show_forfeits=forfeits)
    with time_machine.travel(AFTER, tick=False):
        first = _mark(owner_client, order, booking, "no_show")
        second = _mark(owner_client, order, booking, "no_show")
    assert "The session is marked no-show." in first
    assert "This session is already marked no-show." in second and "The session is marked" not in second
    assert _no_show_entries(item) == [change]
    assert item_balance(item.pk) == balance


@pytest.mark.django_db
def test_attended_clicked_twice_says_it_is_already_marked_and_writes_nothing(owner_client, package):
    order, item, booking = _booked(package, no_show_forfeits=True)
    entries_before = CreditLedgerEntry.objects.filter(order_item=item).count()
    with time_machine.travel(AFTER, tick=False):
        _mark(owner_client, order, booking, "attended")
        second = _mark(owner_client, order, booking, "attended")
    assert "This session is already marked attended." in second
    assert CreditLedgerEntry.objects.filter(order_item=item).count() == entries_before
    assert Booking.objects.get(pk=booking.pk).attendance == Attendance.ATTENDED


@pytest.mark.django_db
@pytest.mark.parametrize("forfeits, change, balance", [(True, 0, 1), (False, 1, 2)])
def test_a_no_show_marked_again_after_attended_is_recorded_once(owner_client, package, forfeits, change, balance):
    order, item, booking = _booked(package, no_show_forfeits=forfeits)
    with time_machine.travel(AFTER, tick=False):
        _mark(owner_client, order, booking, "no_show")
        assert "The session is marked attended." in _mark(owner_client, order, booking, "attended")
        assert "The session is marked no-show." in _mark(owner_client, order, booking, "no_show")
    assert _no_show_entries(item) == [change]
    assert item_balance(item.pk) == balance
    assert Booking.objects.get(pk=booking.pk).attendance == Attendance.NO_SHOW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("forfeits, change, balance", [(True, 0, 1), (False, 1, 2)])
def test_no_shows_marked_at_once_from_several_tabs_are_recorded_once(package, forfeits, change, balance):
    order, item, booking = _booked(package, no_show_forfeits=forfeits)

    def mark(index: int) -> None:
        # Half mark it a no-show, half attended then a no-show: every order of the marks.
        if index % 2:
            booking_mark_attendance(booking=Booking.objects.get(pk=booking.pk), attendance=Attendance.ATTENDED)
        booking_mark_attendance(booking=Booking.objects.get(pk=booking.pk), attendance=Attendance.NO_SHOW)

    with time_machine.travel(AFTER, tick=False):
        marked, refusals = race(6, mark, BookingError)
    assert (marked, refusals) == (6, [])
    assert _no_show_entries(item) == [change]
    assert item_balance(item.pk) == balance
