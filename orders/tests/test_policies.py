"""Policies: the cancellation window, what a late cancel and a no-show cost, snapshotted into each
order; the owner marks attendance and can always give a session back; the client sees the policy
before ordering and is warned before a late cancel uses the session."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from orders.credits import LateReschedule, item_balance
from orders.models import CreditLedgerEntry, LedgerReason
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import ExpiryKind, Package
from scheduling.models import Attendance, BookedBy, Booking, MeetingType, MeetingTypeState
from scheduling.services import booking_cancel, booking_reschedule
from tests import NINE_AM


def coaching(order):
    return order.items.select_related("order").get(meeting_type_name="Coaching session")


def book(order, start=NINE_AM) -> Booking:
    item = coaching(order)
    return order_session_book(item=item, start=start)


def set_policies(package, **fields) -> Package:
    Package.objects.filter(pk=package.pk).update(**fields)
    package.refresh_from_db()
    return package


def policies_url(package) -> str:
    return reverse("packages:save_policies", args=[package.pk])


def last_entry(order):
    return CreditLedgerEntry.objects.filter(order_item=coaching(order)).latest("id")


POLICIES = {"cancel_window_hours": "24", "late_cancel_forfeits": "on", "expiry_kind": "after_purchase",
            "expiry_days": "90"}


def test_the_owner_saves_the_policies(owner_client, package):
    response = owner_client.post(policies_url(package), POLICIES)
    assert response.status_code == 302 and response["Location"].endswith("#policies")
    package.refresh_from_db()
    assert (package.cancel_window_hours, package.late_cancel_forfeits, package.no_show_forfeits) == (24, True, False)
    assert (package.expiry_kind, package.expiry_days) == (ExpiryKind.AFTER_PURCHASE, 90)
    assert "Policies saved." in owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()


@pytest.mark.parametrize("change, message", [
    ({"cancel_window_hours": "-5"}, "The window cannot be negative: enter 0 for no window."),
    ({"cancel_window_hours": "100000"}, "Enter at most 720 hours (30 days)."),
    ({"cancel_window_hours": "soon"}, "Enter a whole number of hours, e.g. 24."),
    ({"expiry_days": ""}, "Enter after how many days the sessions expire."),
    ({"expiry_days": "0"}, "Enter at least 1 day."),
    ({"expiry_days": "-3"}, "Enter at least 1 day."),
    ({"expiry_days": "99999"}, "Enter at most 3650 days (10 years)."),
])
def test_bad_policies_are_explained_next_to_the_field_and_change_nothing(owner_client, package, change, message):
    before = Package.objects.filter(pk=package.pk).values().get()
    response = owner_client.post(policies_url(package), {**POLICIES, **change})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and 'class="field-errors" role="alert"' in html
    assert Package.objects.filter(pk=package.pk).values().get() == before


def test_an_order_keeps_the_policies_it_was_sold_with(owner_client, package):
    set_policies(package, cancel_window_hours=24, late_cancel_forfeits=False, no_show_forfeits=False)
    order = place_order(package)
    owner_client.post(policies_url(package), {"cancel_window_hours": "72", "late_cancel_forfeits": "on",
                                              "no_show_forfeits": "on", "expiry_kind": "never"})
    order.refresh_from_db()
    assert (order.cancel_window_hours, order.late_cancel_forfeits, order.no_show_forfeits) == (24, False, False)


def test_the_client_sees_the_policies_before_ordering(client, package):
    set_policies(package, cancel_window_hours=24, late_cancel_forfeits=True, no_show_forfeits=True,
                 expiry_kind=ExpiryKind.AFTER_FIRST_BOOKING, expiry_days=60)
    html = client.get(f"/{package.owner.slug}/packages/{package.slug}/").content.decode()
    assert "Cancel at least 24 hours before a session to get it back. A later cancel uses the session." in html
    assert "A missed session (no-show) is used." in html
    assert "Sessions expire 60 days after the first booking." in html


# --- Late cancel --------------------------------------------------------------------------------


def test_inside_the_window_the_client_is_warned_and_the_cancel_uses_the_session(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        html = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
        assert "cancelling now uses this session of your package. It will not be given back." in html
        assert "Cancel and use the session" in html
        client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.credit_held
    assert (last_entry(order).reason, last_entry(order).change) == (LedgerReason.LATE_CANCEL, 0)
    assert item_balance(coaching(order).pk) == 1


def test_inside_the_window_the_client_cannot_move_the_session_to_dodge_the_late_cancel(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    later = NINE_AM + timedelta(days=7)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        page = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
        refused = client.get(reverse("bookings:reschedule", args=[booking.token]), follow=True)
        with pytest.raises(LateReschedule, match="inside your package's cancellation window"):
            booking_reschedule(booking=booking, new_start=later, by=BookedBy.CLIENT)
        booking_reschedule(booking=booking, new_start=later, by=BookedBy.OWNER)  # the owner may

    assert "less than 48 hours, inside your package&#x27;s cancellation window" in page
    assert reverse("bookings:reschedule", args=[booking.token]) not in page
    assert "can no longer be moved online" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.start == later and booking.credit_held


def test_inside_the_window_a_move_is_free_when_a_late_cancel_costs_nothing(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=False))
    booking = book(order)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        page = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
        booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(days=7), by=BookedBy.CLIENT)

    assert reverse("bookings:reschedule", args=[booking.token]) in page
    booking.refresh_from_db()
    assert booking.start == NINE_AM + timedelta(days=7)


def test_outside_the_window_the_cancel_gives_the_session_back_without_a_warning(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    html = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
    assert "Late cancel" not in html and "Cancel booking" in html
    client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})
    assert (last_entry(order).reason, last_entry(order).change) == (LedgerReason.CANCEL_RETURN, 1)
    assert item_balance(coaching(order).pk) == 2


def test_a_cancel_from_a_page_opened_before_the_window_asks_again_and_cancels_nothing(client, package):
    """The page said the session comes back; by the time the client pressed Cancel, the window had
    started and the cancel would use it. Nothing is cancelled: the page shows what cancelling does
    now, and the next press, from that page, cancels."""
    order = place_order(set_policies(package, cancel_window_hours=24, late_cancel_forfeits=True))
    booking = book(order)
    page_url = reverse("bookings:manage", args=[booking.token])
    with time_machine.travel(NINE_AM - timedelta(hours=25), tick=False):
        early = client.get(page_url).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', early).group(1)

    with time_machine.travel(NINE_AM - timedelta(hours=23), tick=False):
        stale = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": "", "seen": seen},
                            follow=True)
        booking.refresh_from_db()
        assert booking.status == "confirmed"
        html = stale.content.decode()
        seen_now = re.search(r'name="seen" value="([^"]+)"', html).group(1)
        again = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": "", "seen": seen_now})

    assert "Cancel booking" in early and "uses this session" not in early
    assert "What cancelling does has changed since you opened this page" in html
    assert "cancelling now uses this session of your package. It will not be given back." in html
    assert again.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert (last_entry(order).reason, last_entry(order).change) == (LedgerReason.LATE_CANCEL, 0)


def test_a_late_cancel_gives_the_session_back_when_the_policy_says_so(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=False))
    booking = book(order)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        assert "Late cancel" not in client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
        client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})
    assert item_balance(coaching(order).pk) == 2


# --- Attendance and giving a session back --------------------------------------------------------


def attendance_url(order, booking) -> str:
    return reverse("orders:booking_attendance", args=[order.pk, booking.pk])


def test_the_owner_marks_a_past_session_a_no_show_from_the_order_page(owner_client, package):
    order = place_order(set_policies(package, no_show_forfeits=True))
    booking = book(order)
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        html = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        assert 'value="no_show"' in html
        response = owner_client.post(attendance_url(order, booking), {"attendance": "no_show"}, follow=True)
    assert "The session is marked no-show." in response.content.decode()
    booking.refresh_from_db()
    assert booking.attendance == Attendance.NO_SHOW and booking.credit_held
    assert (last_entry(order).reason, last_entry(order).change) == (LedgerReason.NO_SHOW, 0)


def test_a_no_show_gives_the_session_back_when_the_policy_says_so(owner_client, package):
    order = place_order(set_policies(package, no_show_forfeits=False))
    booking = book(order)
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        owner_client.post(attendance_url(order, booking), {"attendance": "no_show"})
    assert (last_entry(order).reason, last_entry(order).change) == (LedgerReason.NO_SHOW, 1)
    assert item_balance(coaching(order).pk) == 2


def test_a_future_session_cannot_be_marked_a_no_show(owner_client, package):
    order = place_order(package)
    booking = book(order)
    before = list(CreditLedgerEntry.objects.values_list("pk", flat=True))
    response = owner_client.post(attendance_url(order, booking), {"attendance": "no_show"}, follow=True)
    assert "This session has not taken place yet: mark it once it has started." in response.content.decode()
    booking.refresh_from_db()
    assert booking.attendance == ""
    assert list(CreditLedgerEntry.objects.values_list("pk", flat=True)) == before


def test_the_owner_marks_attendance_from_the_past_sessions_list(owner_client, package):
    order = place_order(package)
    booking = book(order)
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        html = owner_client.get("/dashboard/?view=past").content.decode()
        assert reverse("dashboard:booking_attendance", args=[booking.pk]) in html
        response = owner_client.post(reverse("dashboard:booking_attendance", args=[booking.pk]),
                                     {"attendance": "attended", "next": "/dashboard/?view=past"})
    assert response["Location"] == "/dashboard/?view=past"
    booking.refresh_from_db()
    assert booking.attendance == Attendance.ATTENDED


def test_the_attendance_form_refuses_a_made_up_value(owner_client, package):
    order = place_order(package)
    booking = book(order)
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        response = owner_client.post(attendance_url(order, booking), {"attendance": "maybe"}, follow=True)
    assert "Choose attended or no-show." in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).attendance == ""


def test_the_owner_can_always_give_a_used_session_back(owner_client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        booking_cancel(booking=booking)
    html = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "session used (late cancel)" in html and "Give the session back" in html
    url = reverse("orders:booking_return_credit", args=[order.pk, booking.pk])
    owner_client.post(url)
    assert (last_entry(order).reason, last_entry(order).change) == (LedgerReason.CREDIT_RETURN, 1)
    response = owner_client.post(url, follow=True)  # twice: nothing more to give back
    assert "This session holds no credit to return." in response.content.decode()
    assert item_balance(coaching(order).pk) == 2



def test_after_a_late_cancel_the_cancelled_booking_page_says_the_session_was_used(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        response = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""}, follow=True)
    html = response.content.decode()
    assert "This late cancel used the session: it was not given back." in html
    assert "credit is back on your package" not in html


def test_after_a_cancel_in_time_the_cancelled_booking_page_says_the_session_is_back(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    html = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""}, follow=True).content.decode()
    assert "Your session credit is back on your package." in html and "late cancel" not in html


def test_a_late_cancel_after_the_orders_expiry_does_not_invite_to_book_the_other_sessions(client, package):
    """The order's sessions expired on 4 December: there is nothing left to book from its page."""
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True,
                                     expiry_kind=ExpiryKind.AFTER_PURCHASE, expiry_days=3))
    booking = book(order)
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        html = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""},
                           follow=True).content.decode()
    assert "This late cancel used the session: it was not given back." in html
    assert "Book your other sessions" not in html


def test_a_cancel_in_time_of_a_meeting_type_no_longer_scheduled_does_not_invite_to_book_it(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    MeetingType.objects.filter(pk=booking.meeting_type_id).update(state=MeetingTypeState.DISABLED)
    html = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""}, follow=True).content.decode()
    assert "Your session credit is back on your package. This meeting type can no longer be scheduled." in html
    assert "Book a new time" not in html


def test_the_cancellation_emails_of_a_late_cancel_say_the_session_was_used(client, package, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    mailoutbox.clear()
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})
    to_client = next(mail for mail in mailoutbox if mail.to == ["jamie@example.com"])
    to_owner = next(mail for mail in mailoutbox if mail.to == [package.owner.email])
    assert "This late cancel used the session: it was not given back." in to_client.body
    assert "Book your other sessions" in to_client.body and "Book another time" not in to_client.body
    assert "A late cancel: the session is used. You can give it back from the order's page." in to_owner.body
    html = to_client.alternatives[0][0]
    assert "This late cancel used the session: it was not given back." in html


def test_the_cancellation_email_of_a_cancel_in_time_offers_another_time(client, package, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    booking = book(order)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})
    to_client = next(mail for mail in mailoutbox if mail.to == ["jamie@example.com"])
    assert "Book another time" in to_client.body and "late cancel" not in to_client.body


def test_the_clients_order_page_marks_a_late_cancel_that_used_the_session(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=True))
    late, in_time = book(order), book(order, NINE_AM + timedelta(days=3))
    with time_machine.travel(NINE_AM - timedelta(hours=20), tick=False):
        booking_cancel(booking=late)
        booking_cancel(booking=in_time)
    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert html.count("session used (late cancel)") == 1


def test_the_clients_order_page_offers_no_change_of_a_session_that_took_place(client, package):
    order = place_order(package)
    past, coming = book(order), book(order, NINE_AM + timedelta(days=1))
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert reverse("bookings:manage", args=[coming.token]) in html
    assert reverse("bookings:manage", args=[past.token]) not in html


def test_the_clients_order_page_does_not_say_a_late_cancel_costs_the_session_when_it_is_given_back(client, package):
    order = place_order(set_policies(package, cancel_window_hours=48, late_cancel_forfeits=False))
    book(order)
    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "A later cancel still gives it back." in html
    assert "cancelling gives it back when done at least 48 hours before" not in html
    assert "Rescheduling keeps the session's credit; cancelling gives it back." in html
