"""Nudges: a client with sessions left and nothing booked for the order's N days (the package's
"Remind clients to book after N days", snapshotted) gets one "you have 3 sessions left to book"
email with the order link, once per order even with two schedulers; the booking that uses the
order's last credit offers to buy the package again while the package is on sale."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from notifications.models import Audience, Message, MessageKind
from orders import nudges as orders_nudges
from orders.models import OrderStatus, PackageOrder
from orders.nudges import orders_nudge_to_book
from orders.services import order_session_book
from orders.session_sets import SessionChoice, order_sessions_book
from orders.tasks import nudge_to_book
from orders.tests.conftest import place_order
from packages.models import ExpiryKind, Package, PackageState
from packages.services import package_disable, package_update_policies
from scheduling.models import MeetingTypeState
from scheduling.services import booking_cancel
from tests import NINE_AM, NOW, race

DAY = timedelta(days=1)


def item(order, name="Coaching session"):
    return order.items.select_related("order").get(meeting_type_name=name)


def book(order, start=NINE_AM, name="Coaching session"):
    return order_session_book(item=item(order, name), start=start)


def set_package(package, **fields) -> Package:
    Package.objects.filter(pk=package.pk).update(**fields)
    package.refresh_from_db()
    return package


def nudges(order):
    return Message.objects.filter(order=order, kind=MessageKind.ORDER_BOOK_NUDGE)


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return orders_nudge_to_book()


# -- the reminder to book ----------------------------------------------------------------------


def test_an_idle_client_is_reminded_once_after_14_days_with_the_order_link(package, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    order = place_order(package)
    assert order.book_reminder_days == 14
    assert run_at(NOW + 13 * DAY) == 0  # the purchase was 13 days ago: not yet
    with time_machine.travel(NOW + 14 * DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert nudge_to_book() == 1
        assert nudge_to_book() == 0  # the next run, or a second scheduler
        assert orders_nudge_to_book() == 0
    assert run_at(NOW + 60 * DAY) == 0  # one email per order, however long it stays idle
    assert nudges(order).count() == 1 and nudges(order).get().recipient == "jamie@example.com"
    [email] = [m for m in mailoutbox if "left to book" in m.subject]
    assert email.subject == "You have 3 sessions left to book: Starter pack"
    assert "you have 3 sessions left to book in Starter pack from Casey Coach" in email.body
    [link] = [line for line in email.body.splitlines() if line.startswith("Book your next session: ")]
    assert link.endswith(f"/orders/{order.token}/")
    assert f"/orders/{order.token}/" in email.alternatives[0][0]
    assert PackageOrder.objects.get(pk=order.pk).book_nudge_sent_at == NOW + 14 * DAY


def test_the_reminder_waits_for_the_clients_morning(package):
    """Due at 03:00 in London (the zone the client gave at checkout): it goes out at 09:00 there."""
    order = place_order(package)
    due_at_night = NOW.replace(hour=3) + 15 * DAY  # idle for 14 days and 15 hours
    assert run_at(due_at_night) == 0 and run_at(due_at_night.replace(hour=8, minute=45)) == 0
    assert run_at(due_at_night.replace(hour=9)) == 1
    assert nudges(order).count() == 1


def test_the_days_count_from_the_end_of_the_last_session(package):
    order = place_order(package)
    book(order)  # Monday 7 December, 14:00-14:50 UTC
    assert run_at(NINE_AM + 13 * DAY) == 0  # only 13 days after that session
    assert run_at(NINE_AM + timedelta(days=14, minutes=50)) == 1
    assert nudges(order).get().context == {"sessions_left": 2}


def test_no_reminder_while_a_session_is_coming_up(package):
    order = place_order(package)
    with time_machine.travel(NOW + 14 * DAY - timedelta(hours=1), tick=False):
        book(order, NINE_AM + 14 * DAY)  # booked just in time, for Monday 21 December
    assert run_at(NOW + 15 * DAY) == 0
    assert run_at(NINE_AM + 14 * DAY + timedelta(minutes=20)) == 0  # under way
    assert run_at(NINE_AM + 28 * DAY) == 0  # 14 days after it ended is 14:50
    assert run_at(NINE_AM + timedelta(days=28, minutes=50)) == 1


def test_a_cancelled_session_is_not_activity(package):
    order = place_order(package)
    booking = book(order)
    booking_cancel(booking=booking)
    assert nudges(order).count() == 0
    assert run_at(NOW + 14 * DAY) == 1  # counted from the purchase


def test_no_reminder_when_no_session_is_left(package):
    order = place_order(package)
    book(order)
    book(order, NINE_AM + DAY)
    book(order, NINE_AM + 2 * DAY, name="Group workshop")
    assert run_at(NOW + 90 * DAY) == 0
    assert nudges(order).count() == 0


def test_no_reminder_for_sessions_of_meeting_types_that_cannot_be_booked(package, coaching, workshop):
    place_order(package)
    for meeting_type in (coaching, workshop):
        meeting_type.state = MeetingTypeState.DISABLED
        meeting_type.save(update_fields=["state"])
    assert run_at(NOW + 30 * DAY) == 0


def test_a_reminder_counts_only_the_sessions_that_can_be_booked(package, workshop):
    order = place_order(package)
    workshop.state = MeetingTypeState.DISABLED
    workshop.save(update_fields=["state"])
    assert run_at(NOW + 14 * DAY) == 1
    assert nudges(order).get().context == {"sessions_left": 2}


@pytest.mark.parametrize("status", [OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_no_reminder_for_an_order_that_is_not_paid_and_active(package, status):
    order = place_order(package, status=status)
    assert run_at(NOW + 30 * DAY) == 0
    assert nudges(order).count() == 0


def test_no_reminder_for_an_expired_order(package):
    order = place_order(set_package(package, expiry_kind=ExpiryKind.AFTER_PURCHASE, expiry_days=10))
    assert run_at(NOW + 14 * DAY) == 0  # expired on day 10, whether or not the expiry task ran yet
    assert nudges(order).count() == 0


def test_no_reminder_after_the_expiry_warning_said_the_same(package):
    order = place_order(set_package(package, expiry_kind=ExpiryKind.AFTER_PURCHASE, expiry_days=20))
    PackageOrder.objects.filter(pk=order.pk).update(expiry_warned_at=NOW + 13 * DAY)
    assert run_at(NOW + 14 * DAY) == 0


def test_no_reminder_when_the_package_turned_it_off(package):
    order = place_order(set_package(package, book_reminder_days=None))
    assert order.book_reminder_days is None
    assert run_at(NOW + 365 * DAY) == 0


def test_the_order_keeps_the_days_it_was_sold_with(package):
    set_package(package, book_reminder_days=30)
    order = place_order(package)
    package_update_policies(package=package, cancel_window_hours=0, late_cancel_forfeits=True,
                            no_show_forfeits=True, expiry_kind=ExpiryKind.NEVER, expiry_days=None,
                            book_reminder_days=3)
    first_order_days = PackageOrder.objects.get(pk=order.pk).book_reminder_days
    later = place_order(package, email="later@example.com")
    package_update_policies(package=package, cancel_window_hours=0, late_cancel_forfeits=True,
                            no_show_forfeits=True, expiry_kind=ExpiryKind.NEVER, expiry_days=None,
                            book_reminder_days=None)
    assert (first_order_days, PackageOrder.objects.get(pk=later.pk).book_reminder_days) == (30, 3)
    assert run_at(NOW + 29 * DAY) == 1  # the later order, at its own 3 days
    assert nudges(order).count() == 0
    assert run_at(NOW + 30 * DAY) == 1
    assert nudges(order).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_remind_each_client_once(package):
    orders = [place_order(package, email=f"c{n}@example.com") for n in range(3)]
    with time_machine.travel(NOW + 15 * DAY, tick=False):
        done, errors = race(4, lambda index: orders_nudge_to_book(), RuntimeError)
    assert (done, errors) == (4, [])
    for order in orders:
        assert nudges(order).count() == 1


def test_a_session_booked_between_the_scan_and_the_claim_stops_the_reminder(package, monkeypatch):
    """The order is checked again after the owner's lock (which every booking takes first)."""
    order = place_order(package)
    real_lock_owner = orders_nudges.lock_owner

    def booked_meanwhile(owner_id):
        book(order, NINE_AM + 15 * DAY)
        real_lock_owner(owner_id)

    monkeypatch.setattr(orders_nudges, "lock_owner", booked_meanwhile)
    assert run_at(NOW + 14 * DAY) == 0
    assert nudges(order).count() == 0 and PackageOrder.objects.get(pk=order.pk).book_nudge_sent_at is None


# -- the last credit offers the package again ----------------------------------------------------


def client_confirmations():
    return [m for m in mail.outbox if m.to == ["jamie@example.com"] and m.subject.startswith("Confirmed")]


def book_every_session(order, capture):
    with capture(execute=True):
        book(order)
        book(order, NINE_AM + DAY)
        return book(order, NINE_AM + 2 * DAY, name="Group workshop")


def test_the_booking_of_the_last_session_offers_to_buy_the_package_again(package, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    order = place_order(package)
    last = book_every_session(order, django_capture_on_commit_callbacks)
    assert PackageOrder.objects.get(pk=order.pk).last_credit_booking_id == last.pk
    first, second, third = client_confirmations()
    for email in (first, second):
        assert "Buy this package again" not in email.body + email.alternatives[0][0]
    assert "With this booking, you have no sessions left to book in your package Starter pack." in third.body
    assert "Buy this package again: http://" in third.body
    assert third.body.split("Buy this package again: ")[1].split()[0].endswith("/coach/packages/starter-pack/")
    assert "Buy this package again</a>" in third.alternatives[0][0]
    owner_copies = [m for m in mailoutbox if m.to == ["owner@example.com"]]
    assert owner_copies and all("Buy this package again" not in m.body for m in owner_copies)


def test_the_offer_is_made_once_per_order(package, mailoutbox, django_capture_on_commit_callbacks):
    order = place_order(package)
    last = book_every_session(order, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=last)
        rebooked = book(order, NINE_AM + 3 * DAY, name="Group workshop")
    assert PackageOrder.objects.get(pk=order.pk).last_credit_booking_id == last.pk != rebooked.pk
    assert sum("Buy this package again" in m.body for m in client_confirmations()) == 1


@pytest.mark.parametrize("state", [PackageState.DISABLED, PackageState.DELETED])
def test_no_offer_once_the_package_is_no_longer_on_sale(package, mailoutbox, django_capture_on_commit_callbacks,
                                                        state):
    order = place_order(package)
    if state == PackageState.DISABLED:
        package_disable(package=package)
    else:
        set_package(package, state=state)
    book_every_session(order, django_capture_on_commit_callbacks)
    third = client_confirmations()[-1]
    assert "you have no sessions left to book in your package Starter pack" in third.body
    assert "Buy this package again" not in third.body + third.alternatives[0][0]


def test_a_set_that_books_the_last_sessions_offers_the_package_again(package, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    order = place_order(package)
    with django_capture_on_commit_callbacks(execute=True):
        order_sessions_book(order=order, choices=[
            SessionChoice(item=item(order), start=NINE_AM),
            SessionChoice(item=item(order), start=NINE_AM + DAY),
            SessionChoice(item=item(order, "Group workshop"), start=NINE_AM + 2 * DAY),
        ])
    [email] = [m for m in mailoutbox if m.to == ["jamie@example.com"]]
    assert email.subject == "Confirmed: 3 sessions of Starter pack"
    assert "Buy this package again: http://" in email.body
    message = Message.objects.get(order=order, kind=MessageKind.SESSIONS_BOOKED, audience=Audience.CLIENT)
    assert PackageOrder.objects.get(pk=order.pk).last_credit_booking_id in message.context["booking_ids"]
