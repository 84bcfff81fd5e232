"""Expiry: "Sessions expire: never / N days after purchase / N days after the first booking",
snapshotted; an expired order books nothing and says since when; a beat task expires the unused
sessions through the ledger (once, even with two schedulers); the owner can extend an order."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Message, MessageKind
from orders.credits import item_balance, order_extend, orders_expire_due, orders_warn_expiring
from orders.models import CreditLedgerEntry, LedgerReason, PackageOrder
from orders.rules import OrderExpired
from orders.services import order_session_book
from orders.tasks import expire_credits
from orders.tests.conftest import place_order
from packages.models import ExpiryKind, Package
from scheduling.models import MeetingType, MeetingTypeState
from scheduling.services import booking_cancel
from tests import NINE_AM, NOW, race


def coaching(order):
    return order.items.select_related("order").get(meeting_type_name="Coaching session")


def book(order, start=NINE_AM):
    item = coaching(order)
    return order_session_book(item=item, start=start)


def expiring(package, kind=ExpiryKind.AFTER_PURCHASE, days=3):
    Package.objects.filter(pk=package.pk).update(expiry_kind=kind, expiry_days=days)
    package.refresh_from_db()
    return package


def entries(order, reason):
    return list(CreditLedgerEntry.objects.filter(order_item__order=order, reason=reason)
                .order_by("order_item__position").values_list("change", flat=True))


def test_n_days_after_purchase_starts_when_the_order_is_paid(package):
    order = place_order(expiring(package, days=30))
    assert order.expires_at == NOW + timedelta(days=30)
    assert (order.expiry_kind, order.expiry_days) == (ExpiryKind.AFTER_PURCHASE, 30)


def test_n_days_after_the_first_booking_starts_at_the_first_booking(package):
    order = place_order(expiring(package, ExpiryKind.AFTER_FIRST_BOOKING, days=10))
    assert order.expires_at is None
    book(order)
    book(order, NINE_AM + timedelta(hours=2))
    order.refresh_from_db()
    assert order.expires_at == NOW + timedelta(days=10)


def test_editing_the_package_expiry_changes_no_order(package):
    order = place_order(expiring(package, days=30))
    expiring(package, ExpiryKind.NEVER, None)
    order.refresh_from_db()
    assert (order.expiry_kind, order.expiry_days, order.expires_at) == ("after_purchase", 30, NOW + timedelta(days=30))


def test_an_expired_order_books_nothing_and_says_since_when(client, package):
    order = place_order(expiring(package, days=3))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        with pytest.raises(OrderExpired, match="expired on 4 Dec 2026"):
            book(order)
        html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
        assert "Your sessions expired on 4 Dec 2026" in html
        assert reverse("order_details:book", args=[order.token, coaching(order).pk]) not in html
        response = client.get(reverse("order_details:book", args=[order.token, coaching(order).pk]), follow=True)
        assert "The sessions of this order expired on 4 Dec 2026: no more sessions can be booked." in response.content.decode()


@pytest.mark.parametrize(("browser_language", "time_shape"), [
    ("en-US,en;q=0.9", r"\d{1,2}:\d{2} [AP]M"), ("de-DE,de;q=0.9", r"\d{2}:\d{2}"),
])
def test_the_expiry_time_is_on_the_clients_clock(client, package, browser_language, time_shape):
    order = place_order(expiring(package, days=3))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        html = client.get(reverse("order_details:detail", args=[order.token]),
                          HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()

    assert re.search(rf"Your sessions expired on 4 Dec 2026, {time_shape}:", html)


def test_the_task_expires_unused_sessions_once(package):
    order = place_order(expiring(package, days=3))
    book(order)
    fresh = place_order(expiring(package, days=30), email="fresh@example.com")
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        assert expire_credits() == 1
        assert orders_expire_due() == 0  # a second scheduler, or the next run
    assert entries(order, LedgerReason.EXPIRY) == [-1, -1]
    assert item_balance(coaching(order).pk) == 0
    assert entries(fresh, LedgerReason.EXPIRY) == []
    assert PackageOrder.objects.get(pk=order.pk).credits_expired_at == NOW + timedelta(days=4)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_expire_an_order_once(package):
    orders = [place_order(expiring(package, days=3), email=f"c{n}@example.com") for n in range(3)]
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        done, errors = race(4, lambda index: orders_expire_due(), RuntimeError)
    assert (done, errors) == (4, [])
    for order in orders:
        assert entries(order, LedgerReason.EXPIRY) == [-2, -1]



@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_running_the_beat_task_warn_each_client_once(package):
    """The task as beat runs it (warning, then expiry) from four real threads at once: each order
    due a warning gets one message, whichever thread claims it."""
    orders = [place_order(expiring(package, days=20), email=f"c{n}@example.com") for n in range(3)]
    with time_machine.travel(NOW + timedelta(days=14), tick=False):
        done, errors = race(4, lambda index: expire_credits(), RuntimeError)
    assert (done, errors) == (4, [])
    for order in orders:
        assert Message.objects.filter(order=order, kind=MessageKind.ORDER_EXPIRING).count() == 1

def extend_url(order):
    return reverse("orders:extend", args=[order.pk])


def test_the_owner_extends_an_expired_order_and_its_sessions_come_back(owner_client, package):
    order = place_order(expiring(package, days=3))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        orders_expire_due()
        html = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        assert "The sessions of this order expired on 4 Dec 2026" in html
        response = owner_client.post(extend_url(order), {"days": "30"}, follow=True)
        assert "The order was extended by 30 days." in response.content.decode()
        order.refresh_from_db()
        assert order.expires_at == NOW + timedelta(days=34) and order.credits_expired_at is None
        assert entries(order, LedgerReason.EXTENSION) == [2, 1]
        assert item_balance(coaching(order).pk) == 2
        book(order, NINE_AM + timedelta(days=7))


@pytest.mark.parametrize("days, message", [
    ("0", "Extend by at least 1 day."),
    ("-5", "Extend by at least 1 day."),
    ("soon", "Enter a whole number of days, e.g. 30."),
    ("100000", "Extend by at most 3650 days (10 years)."),
])
def test_a_bad_extension_is_explained_next_to_the_field_and_changes_nothing(owner_client, package, days, message):
    order = place_order(expiring(package, days=3))
    response = owner_client.post(extend_url(order), {"days": days})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PackageOrder.objects.get(pk=order.pk).expires_at == NOW + timedelta(days=3)


def test_repeated_extensions_stop_at_ten_years_from_today_with_a_message(owner_client, package):
    order = place_order(expiring(package, days=3))
    for _ in range(2):
        owner_client.post(extend_url(order), {"days": "1800"})
    order.refresh_from_db()
    assert order.expires_at == NOW + timedelta(days=3603)

    response = owner_client.post(extend_url(order), {"days": "3650"})

    assert response.status_code == 400
    assert ("An order&#x27;s sessions can expire at most 3650 days (10 years) from today: "
            "extend this one by at most 47 days.") in response.content.decode()
    assert PackageOrder.objects.get(pk=order.pk).expires_at == NOW + timedelta(days=3603)
    owner_client.post(extend_url(order), {"days": "47"})
    response = owner_client.post(extend_url(order), {"days": "1"})
    assert "this one cannot be extended further." in response.content.decode()
    assert PackageOrder.objects.get(pk=order.pk).expires_at == NOW + timedelta(days=3650)


def test_an_order_that_never_expires_cannot_be_extended(owner_client, package):
    order = place_order(package)
    response = owner_client.post(extend_url(order), {"days": "10"})
    assert response.status_code == 400
    assert "This order&#x27;s sessions have no expiry date to extend." in response.content.decode()
    assert PackageOrder.objects.get(pk=order.pk).expires_at is None


def test_the_client_is_warned_once_seven_days_before_the_sessions_expire(package, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    order = place_order(expiring(package, days=20))
    book(order)
    with time_machine.travel(NOW + timedelta(days=12), tick=False):
        assert orders_warn_expiring() == 0  # eight days before: not yet
    with time_machine.travel(NOW + timedelta(days=14), tick=False), django_capture_on_commit_callbacks(execute=True):
        expire_credits()
        expire_credits()  # the next run, or a second scheduler
        assert orders_warn_expiring() == 0
    warnings = Message.objects.filter(order=order, kind=MessageKind.ORDER_EXPIRING)
    assert warnings.count() == 1 and warnings.get().recipient == "jamie@example.com"
    sent = [mail for mail in mailoutbox if "expire soon" in mail.subject]
    assert len(sent) == 1
    assert "you have 2 sessions of Starter pack" in sent[0].body and "21 December 2026" in sent[0].body
    assert order.token in sent[0].body


def test_an_expiry_warning_held_up_past_the_expiry_is_not_sent(package, mailoutbox):
    """An outbox held up for days: "book them before 21 December" read after then would be untrue."""
    from notifications.delivery import message_deliver
    from notifications.models import MessageStatus

    order = place_order(expiring(package, days=20))
    with time_machine.travel(NOW + timedelta(days=14), tick=False):
        orders_warn_expiring()  # queued; its task is lost (no on-commit callbacks run here)
    warning = Message.objects.get(order=order, kind=MessageKind.ORDER_EXPIRING)
    with time_machine.travel(NOW + timedelta(days=22), tick=False):
        message_deliver(message_id=warning.pk)
    warning.refresh_from_db()
    assert (warning.status, warning.error) == (MessageStatus.FAILED,
                                               "Not sent: the sessions expired before it could be sent.")
    assert not [mail for mail in mailoutbox if "expire soon" in mail.subject]


def test_a_short_pack_is_warned_half_way_not_the_moment_it_is_bought(package):
    order = place_order(expiring(package, days=5))
    assert orders_warn_expiring() == 0  # just bought: 5 days left of 5
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert orders_warn_expiring() == 0  # 3 days left: more than half
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        assert orders_warn_expiring() == 1  # 2 days left
    assert PackageOrder.objects.get(pk=order.pk).expiry_warned_at == NOW + timedelta(days=3)


# --- Credits that come back after the expiry ------------------------------------------------------


def expired_with_a_session_to_come(package):
    """An order whose sessions expired while one session, booked before, is still to come."""
    order = place_order(expiring(package, days=3))
    booking = book(order, NINE_AM + timedelta(days=7))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        orders_expire_due()
    assert item_balance(coaching(order).pk) == 0
    return order, booking


def test_a_session_cancelled_after_the_expiry_returns_its_credit_and_it_expires_at_once(package):
    order, booking = expired_with_a_session_to_come(package)
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        booking_cancel(booking=booking)
    assert entries(order, LedgerReason.CANCEL_RETURN) == [1]
    assert entries(order, LedgerReason.EXPIRY) == [-1, -1, -1]  # the item's one left, the workshop's, then this
    assert item_balance(coaching(order).pk) == 0
    # An extension gives it back with the others.
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        order_extend(order=order, days=10, by_user=None)
    assert item_balance(coaching(order).pk) == 2


def test_an_expired_order_takes_no_added_sessions_until_it_is_extended(owner_client, package):
    order, _booking = expired_with_a_session_to_come(package)
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        response = owner_client.post(reverse("orders:credit_adjust", args=[order.pk]),
                                     {"item": coaching(order).pk, "change": "1", "note": "Goodwill"})
    assert response.status_code == 400
    assert "The sessions of this order expired on 4 Dec 2026: extend the order first." in response.content.decode()
    assert entries(order, LedgerReason.ADJUSTMENT) == []


@pytest.fixture(params=["task ran", "task not run yet"])
def past_the_expiry(request, package):
    """(order, booking, moment): a session still to come on an order past its expiry moment, the
    expiry task having run already, or not yet (the give-back then claims the expiry itself)."""
    if request.param == "task ran":
        return (*expired_with_a_session_to_come(package), NOW + timedelta(days=5))
    return expired_before_the_task(package)


def test_a_session_the_owner_cancels_after_the_expiry_does_not_say_its_credit_is_back(owner_client, past_the_expiry):
    order, booking, moment = past_the_expiry
    with time_machine.travel(moment, tick=False):
        response = owner_client.post(reverse("orders:booking_cancel", args=[order.pk, booking.pk]), follow=True)
    html = response.content.decode()
    assert "The session was cancelled; its credit came back and expired with the order&#x27;s other sessions" in html
    assert "its credit is back on the order" not in html
    assert item_balance(coaching(order).pk) == 0


def test_a_session_the_client_cancels_after_the_expiry_does_not_say_its_credit_is_back(client, past_the_expiry):
    order, booking, moment = past_the_expiry
    with time_machine.travel(moment, tick=False):
        response = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""}, follow=True)
    html = response.content.decode()
    assert ("Your session credit came back and expired with your package's other sessions. "
            f"Contact {order.owner.display_name} to extend the order.") in html
    assert "credit is back on your package" not in html
    assert item_balance(coaching(order).pk) == 0


def test_a_session_given_back_after_the_expiry_says_to_extend_the_order(owner_client, package):
    order = place_order(expiring(package, days=3))
    booking = book(order)
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        orders_expire_due()
        response = owner_client.post(reverse("orders:booking_return_credit", args=[order.pk, booking.pk]),
                                     follow=True)
    html = response.content.decode()
    assert "The session was given back, and expired with the order&#x27;s other sessions" in html
    assert "the client can book it again" not in html
    assert entries(order, LedgerReason.CREDIT_RETURN) == [1] and item_balance(coaching(order).pk) == 0


def test_an_expired_orders_schedule_link_says_the_expiry_day_in_the_clients_zone_and_the_pages_language(
        client, package, owner):
    type(owner).objects.filter(pk=owner.pk).update(page_language="de")
    order = place_order(expiring(package, days=3))
    # 2:00 on 4 December in UTC is still 3 December, 21:00, for a client in New York.
    PackageOrder.objects.filter(pk=order.pk).update(client_timezone="America/New_York",
                                                    expires_at=NOW.replace(day=4, hour=2))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        response = client.get(reverse("order_details:book", args=[order.token, coaching(order).pk]), follow=True)
    html = response.content.decode()
    assert "Die Termine dieser Bestellung sind am 3. Dez 2026 verfallen" in html
    assert "The sessions of this order expired on" not in html


def test_an_expired_orders_unused_sessions_are_not_shown_as_all_used(client, owner_client, package):
    order = place_order(expiring(package, days=3))
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        expire_credits()
        html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
        owners = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Your sessions expired on" in html
    assert "All sessions used" not in html  # none was booked: they expired
    assert "The sessions of this order expired on" in owners
    assert "All sessions used" not in owners


def test_sessions_added_after_the_expiry_but_before_the_task_ran_are_refused_not_lost(owner_client, package):
    order = place_order(expiring(package, days=3))
    # Expired a minute ago; the beat task (every 15 minutes) has not run yet.
    with time_machine.travel(order.expires_at + timedelta(minutes=1), tick=False):
        response = owner_client.post(reverse("orders:credit_adjust", args=[order.pk]),
                                     {"item": coaching(order).pk, "change": "1", "note": "Goodwill"})
        expire_credits()
    assert response.status_code == 400
    assert "extend the order first." in response.content.decode()
    assert entries(order, LedgerReason.ADJUSTMENT) == []


def test_the_expiry_warning_counts_only_sessions_the_client_can_still_book(package, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    place_order(expiring(package, days=20))
    MeetingType.objects.filter(name="Group workshop").update(state=MeetingTypeState.DISABLED)
    with time_machine.travel(NOW + timedelta(days=14), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert orders_warn_expiring() == 1
    [sent] = [mail for mail in mailoutbox if "expire soon" in mail.subject]
    assert "you have 2 sessions of Starter pack" in sent.body  # not 3: the workshop can no longer be booked


def test_no_expiry_warning_when_only_sessions_that_can_no_longer_be_booked_are_left(package):
    order = place_order(expiring(package, days=20))
    book(order)
    book(order, NINE_AM + timedelta(days=1))
    MeetingType.objects.filter(name="Group workshop").update(state=MeetingTypeState.DISABLED)
    with time_machine.travel(NOW + timedelta(days=14), tick=False):
        assert orders_warn_expiring() == 0
    assert not Message.objects.filter(order=order, kind=MessageKind.ORDER_EXPIRING).exists()


def test_extending_by_one_day_says_one_day(owner_client, package):
    order = place_order(expiring(package, days=3))
    response = owner_client.post(extend_url(order), {"days": "1"}, follow=True)
    assert "The order was extended by 1 day." in response.content.decode()  # it said "by 1 days"


# --- Cancelled after the expiry moment, before the expiry task has run ----------------------------


def expired_before_the_task(package):
    """An order whose expiry moment passed a minute ago, with a session still to come; the beat task
    has not run yet, so nothing is expired in the ledger."""
    order = place_order(expiring(package, days=3))
    booking = book(order, NINE_AM + timedelta(days=7))
    return order, booking, NOW + timedelta(days=3, minutes=1)


def test_a_session_cancelled_before_the_expiry_task_runs_expires_with_the_others(package):
    order, booking, moment = expired_before_the_task(package)
    with time_machine.travel(moment, tick=False):
        booking_cancel(booking=booking)
        assert item_balance(coaching(order).pk) == 0
        assert PackageOrder.objects.get(pk=order.pk).credits_expired_at == moment
        assert orders_expire_due() == 0  # the cancel did the task's work: nothing is expired twice
    assert entries(order, LedgerReason.CANCEL_RETURN) == [1]
    assert sum(entries(order, LedgerReason.EXPIRY)) == -3  # the coaching item's two, the workshop's one
    with time_machine.travel(moment, tick=False):
        order_extend(order=order, days=10, by_user=None)
    assert item_balance(coaching(order).pk) == 2


def test_a_session_cancelled_just_before_the_expiry_moment_comes_back(package):
    order, booking, moment = expired_before_the_task(package)
    with time_machine.travel(moment - timedelta(minutes=2), tick=False):
        booking_cancel(booking=booking)
    assert item_balance(coaching(order).pk) == 2
    assert PackageOrder.objects.get(pk=order.pk).credits_expired_at is None


def test_sessions_an_instalment_pays_for_after_the_expiry_moment_expire_with_the_others(package):
    from django.db import transaction

    from orders.credits import ledger_release_paid_instalments

    order, _booking, moment = expired_before_the_task(package)
    with time_machine.travel(moment, tick=False), transaction.atomic():
        released = ledger_release_paid_instalments(order=order, paid_before=1, paid_after=2, count=2)
    assert released > 0
    assert item_balance(coaching(order).pk) == 0
    assert PackageOrder.objects.get(pk=order.pk).credits_expired_at == moment


def test_a_session_given_back_before_the_expiry_task_runs_says_to_extend_the_order(owner_client, package):
    order, booking, moment = expired_before_the_task(package)
    with time_machine.travel(moment, tick=False):
        response = owner_client.post(reverse("orders:booking_return_credit", args=[order.pk, booking.pk]),
                                     follow=True)
    html = response.content.decode()
    assert "The session was given back, and expired with the order&#x27;s other sessions" in html
    assert "the client can book it again" not in html
    assert entries(order, LedgerReason.CREDIT_RETURN) == [1] and item_balance(coaching(order).pk) == 0


def test_an_expired_orders_refused_adjustment_names_the_expiry_day_in_the_owners_zone(owner_client, package):
    order = place_order(expiring(package, days=3))
    # 2:00 on 4 December in UTC is 3 December, 21:00, for the owner in New York.
    PackageOrder.objects.filter(pk=order.pk).update(expires_at=NOW.replace(day=4, hour=2))
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        response = owner_client.post(reverse("orders:credit_adjust", args=[order.pk]),
                                     {"item": coaching(order).pk, "change": "1", "note": "Goodwill"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The sessions of this order expired on 3 Dec 2026: extend the order first." in html
    assert entries(order, LedgerReason.ADJUSTMENT) == []
