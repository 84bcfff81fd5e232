"""The owner's order pages: the list (filters, search, pagination, constant queries), one order
with its bookings, booking on the client's behalf, rescheduling and cancelling sessions, resending
the confirmation and cancelling the order. Another owner reaches none of it."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from orders.credits import booking_credit_return, ledger_adjust
from orders.lifecycle import order_cancel_upcoming_bookings
from orders.models import OrderStatus, PackageOrder
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import ExpiryKind, Package
from scheduling.attendance import booking_mark_attendance
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.selectors import format_slot_start
from scheduling.services import booking_cancel
from tests import ELEVEN_AM, NINE_AM, NOW, TEN_AM, make_package


def coaching_item(order):
    return order.items.get(meeting_type_name="Coaching session")


def book_for(order, start, **kw):
    item = coaching_item(order)
    return order_session_book(item=item, start=start, **kw)


def test_the_list_shows_each_order_as_sold(owner_client, package):
    order = place_order(package)
    book_for(order, NINE_AM)
    package.name = "Renamed later"
    package.save()
    html = owner_client.get("/dashboard/orders/").content.decode()
    assert "<h1>Orders</h1>" in html
    assert "Jamie Client" in html and "jamie<wbr>@example.<wbr>com" in html  # breaks at its parts only
    assert "Starter pack" in html and "Renamed later" not in html.split("<tbody>")[1]
    assert "badge-active" in html and "100.00 USD" in html
    assert "1 used · 2 left" in html


def row_of(html: str, name: str) -> str:
    return next(row for row in html.split("<tbody>")[1].split("<tr>") if name in row)


def test_each_row_shows_its_own_counts_status_price_and_link_escaped(owner_client, owner, package, coaching):
    """The rows are built in Python (orders.views._order_rows_html): every value is escaped as the
    template escaped it, and each row's counts are its own order's."""
    busy = place_order(package, name='<b>"Jo" & O\'Neil</b>', email="jo@example.com")
    book_for(busy, NINE_AM)
    second = book_for(busy, TEN_AM)
    booking_cancel(booking=second, by=BookedBy.OWNER)  # the credit comes back
    ledger_adjust(item=coaching_item(busy), change=3, note="Goodwill", by_user=None)
    pending = place_order(package, status=OrderStatus.PENDING_PAYMENT, name="Paula Pending",
                          email="paula@example.com")
    free = place_order(make_package(owner, items=[(coaching, 1)], name="Taster & more", slug="taster",
                                    price=Decimal("0")), name="Fran Free", email="fran@example.com")
    html = owner_client.get("/dashboard/orders/").content.decode()
    assert "<b>" not in html.split("<tbody>")[1]
    row = row_of(html, "Jo&quot;")
    assert f'<a href="/dashboard/orders/{busy.pk}/">&lt;b&gt;&quot;Jo&quot; &amp; O&#x27;Neil&lt;/b&gt;</a>' in row
    assert "1 used · 5 left" in row and "100.00 USD" in row and '<span class="badge badge-active">Active</span>' in row
    assert ">1 Dec 2026<" in row
    row = row_of(html, "Paula Pending")
    assert f'href="/dashboard/orders/{pending.pk}/"' in row and "0 used · 3 left" in row
    assert '<span class="badge badge-pending_payment">Pending payment</span>' in row
    row = row_of(html, "Fran Free")
    assert f'href="/dashboard/orders/{free.pk}/"' in row and ">Free<" in row and "Taster &amp; more" in row
    assert "0 used · 1 left" in row


def test_the_list_is_empty_for_a_new_owner(owner_client):
    assert "No orders yet" in owner_client.get("/dashboard/orders/").content.decode()


def test_the_list_filters_by_status_and_package_and_searches_name_or_email(owner_client, owner, package, coaching):
    other_package = make_package(owner, items=[(coaching, 1)], name="Solo pack", price=Decimal("0"))
    place_order(package, name="Alice Active", email="alice@example.com")
    place_order(package, status=OrderStatus.PENDING_PAYMENT, name="Paula Pending", email="paula@example.com")
    place_order(other_package, name="Sam Solo", email="sam@corp.example")

    def names(query: str) -> set[str]:
        html = owner_client.get(f"/dashboard/orders/?{query}").content.decode()
        return {name for name in ("Alice Active", "Paula Pending", "Sam Solo") if name in html}

    assert names("status=pending_payment") == {"Paula Pending"}
    assert names(f"package={other_package.pk}") == {"Sam Solo"}
    assert names("q=alice") == {"Alice Active"}
    assert names("q=corp.example") == {"Sam Solo"}
    assert names("status=active&q=paula") == set()
    assert "No orders match" in owner_client.get("/dashboard/orders/?q=zzz").content.decode()
    # Bad filter values are ignored, never a server error.
    for query in ("status=bogus", "package=abc", "package=999999", "page=abc", "after=abc", "before=x~1",
                  "after=2026-13-45T00:00:00%2B00:00~5", "after=2026-01-01T00:00:00~5", "before=~", "after=1~99999999999999999999"):
        assert owner_client.get(f"/dashboard/orders/?{query}").status_code == 200


def _older_newer(html: str) -> tuple[str, str]:
    import re
    older = re.search(r'rel="next" href="\?([^"]*)"', html)
    newer = re.search(r'rel="prev" href="\?([^"]*)"', html)
    unescape = lambda match: match.group(1).replace("&amp;", "&") if match else ""  # noqa: E731
    return unescape(newer), unescape(older)


def test_the_list_pages_newer_and_older_by_25(owner_client, owner, coaching):
    package = make_package(owner, items=[(coaching, 1)], price=Decimal("0"))
    for n in range(27):
        place_order(package, name=f"Client {n:02d}", email=f"c{n}@example.com")
    first = owner_client.get("/dashboard/orders/").content.decode()
    assert first.count('data-label="Client"') == 25 and "Client 26" in first and "Client 01" not in first
    newer, older = _older_newer(first)
    assert not newer and older and "Older" in first
    second = owner_client.get(f"/dashboard/orders/?{older}").content.decode()
    assert second.count('data-label="Client"') == 2 and "Client 01" in second and "Client 00" in second
    newer, older = _older_newer(second)
    assert newer and not older
    back = owner_client.get(f"/dashboard/orders/?{newer}").content.decode()
    assert back.count('data-label="Client"') == 25 and "Client 26" in back and "Client 01" not in back
    # The links keep the filters, and the next page is still filtered.
    for n in range(27, 30):
        place_order(package, name=f"Other {n}", email=f"o{n}@example.com")
    filtered = owner_client.get("/dashboard/orders/?status=active&q=client").content.decode()
    _newer, older = _older_newer(filtered)
    assert older.startswith("status=active&q=client&after=")
    page_two = owner_client.get(f"/dashboard/orders/?{older}").content.decode()
    assert page_two.count('data-label="Client"') == 2 and "Other" not in page_two


@pytest.mark.parametrize("orders", [2, 30])
def test_the_list_runs_a_fixed_number_of_queries(owner_client, package, orders, django_assert_num_queries):
    for n in range(orders):
        order = place_order(package, email=f"c{n}@example.com")
        if n % 3 == 0:
            book_for(order, NINE_AM + timedelta(days=n))
    # user (the session comes from the cache), packages for the filter, page of orders: no COUNT
    with django_assert_num_queries(3):
        assert owner_client.get("/dashboard/orders/").status_code == 200
    older = _older_newer(owner_client.get("/dashboard/orders/").content.decode())[1]
    if older:  # the next page costs the same
        with django_assert_num_queries(3):
            assert owner_client.get(f"/dashboard/orders/?{older}").status_code == 200


@pytest.mark.parametrize("bookings", [1, 5])
def test_the_order_page_runs_a_fixed_number_of_queries(owner_client, package, bookings, django_assert_num_queries):
    order = place_order(package)
    item = coaching_item(order)
    ledger_adjust(item=item, change=8, note="Ten sessions for this test", by_user=None)
    for n in range(bookings):
        book_for(order, NINE_AM + timedelta(hours=n))
    # user (the session comes from the cache), order + owner, items with used counts, bookings,
    # ledger, and payments' part of the page (its refundable payment, through
    # orders.signals.owner_order_page_parts), and invoices' (its invoices; none here)
    with django_assert_num_queries(7):
        assert owner_client.get(f"/dashboard/orders/{order.pk}/").status_code == 200



@pytest.mark.parametrize("sessions", [1, 5])
def test_the_order_page_after_its_sessions_runs_a_fixed_number_of_queries(owner_client, owner, package, sessions,
                                                                        django_assert_num_queries):
    """What the page shows once sessions took place: attendance and give-back forms per session,
    no-shows, late cancels, the owner's own entries (with who made them) and the extend form."""
    Package.objects.filter(pk=package.pk).update(expiry_kind=ExpiryKind.AFTER_PURCHASE, expiry_days=90,
                                                 cancel_window_hours=48)
    order = place_order(package)
    item = coaching_item(order)
    ledger_adjust(item=item, change=3 * sessions, note="Room for the test", by_user=owner)
    booked = [book_for(order, NINE_AM + timedelta(hours=n)) for n in range(sessions)]
    late = book_for(order, NINE_AM + timedelta(days=1))
    with time_machine.travel(NINE_AM - timedelta(hours=1), tick=False):
        booking_cancel(booking=late)  # a late cancel: the session stays used
    later = NINE_AM + timedelta(hours=sessions + 1)
    for booking in booked:
        booking_mark_attendance(booking=booking, attendance="no_show", by_user=owner, now=later)
    booking_credit_return(booking=booked[0], by_user=owner)
    with time_machine.travel(later, tick=False):
        page = owner_client.get(f"/dashboard/orders/{order.pk}/")
        # the same seven as before the sessions: the forms and entries come with the rows already read
        with django_assert_num_queries(7):
            page = owner_client.get(f"/dashboard/orders/{order.pk}/")
    html = page.content.decode()
    assert html.count("Give the session back") == sessions and "Extend by (days)" in html
    assert html.count("· by ") == sessions + 2  # the adjustment, each no-show and the session given back

def test_the_order_page_shows_the_snapshot_client_answers_and_bookings(owner_client, package):
    order = place_order(package)
    book_for(order, NINE_AM, booked_by=BookedBy.OWNER)
    html = owner_client.get(f"/dashboard/orders/{order.pk}/").content.decode()
    assert "Starter pack" in html and "Jamie Client" in html and "jamie@example.com" in html
    assert "Your goal?" in html and "Focus" in html
    assert "Mon 7 Dec 2026, 9:00 AM" in html  # in the owner's zone
    assert "by owner" in html
    assert "Used 1 of 2" in html
    assert "Resend order confirmation" in html and "Cancel order" in html
    # The cancel form has a heading of its own, not a bare "Reason" box under Manage order.
    assert '<h3 id="cancel-order-title">Cancel order</h3>' in html
    assert "Cancels the upcoming sessions of this order and tells the client, with your reason." in html


def test_the_owner_books_on_the_clients_behalf(owner_client, package):
    order = place_order(package)
    item = coaching_item(order)
    url = f"/dashboard/orders/{order.pk}/items/{item.pk}/book/"
    assert owner_client.get(url + "?date=2026-12-07").status_code == 200
    response = owner_client.post(url, {"start": format_slot_start(NINE_AM)}, follow=True)
    booking = Booking.objects.get()
    assert (booking.booked_by, booking.order_item_id, booking.start) == (BookedBy.OWNER, item.pk, NINE_AM)
    assert "booked for Jamie Client" in response.content.decode()


def test_the_owner_reschedules_and_cancels_a_session(owner_client, package):
    order = place_order(package)
    booking = book_for(order, NINE_AM)
    base = f"/dashboard/orders/{order.pk}/bookings/{booking.pk}/"
    assert owner_client.get(base + "reschedule/").status_code == 200
    owner_client.post(base + "reschedule/", {"start": format_slot_start(ELEVEN_AM)})
    booking.refresh_from_db()
    assert booking.start == ELEVEN_AM and booking.status == BookingStatus.CONFIRMED
    owner_client.post(base + "cancel/")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by == BookedBy.OWNER
    response = owner_client.post(base + "cancel/", follow=True)
    assert "already cancelled" in response.content.decode()


def test_resending_the_confirmation_emails_the_client_only(owner_client, package, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    order = place_order(package)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/dashboard/orders/{order.pk}/resend-confirmation/", follow=True)
    assert "sent again to jamie@example.com" in response.content.decode()
    assert [message.to for message in mailoutbox] == [["jamie@example.com"]]
    assert f"/orders/{order.token}/" in mailoutbox[0].body


def test_cancelling_the_order_cancels_its_upcoming_sessions_and_tells_the_client(owner_client, package, monkeypatch):
    told = []
    monkeypatch.setattr("notifications.services.notify_order_cancelled",
                        lambda *, order, **_: told.append(order.pk))
    order = place_order(package)
    upcoming = book_for(order, NINE_AM)
    other_order = place_order(package, email="keep@example.com")
    untouched = book_for(other_order, TEN_AM)
    response = owner_client.post(f"/dashboard/orders/{order.pk}/cancel/", {"reason": "Moving away"}, follow=True)
    order.refresh_from_db()
    upcoming.refresh_from_db()
    untouched.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert upcoming.status == BookingStatus.CANCELLED and upcoming.cancel_reason == "Moving away"
    assert untouched.status == BookingStatus.CONFIRMED
    assert told == [order.pk]
    assert "The order was cancelled" in response.content.decode()
    # Twice is refused with a message, nothing changes.
    response = owner_client.post(f"/dashboard/orders/{order.pk}/cancel/", follow=True)
    assert response.status_code == 200 and told == [order.pk]


def test_a_refunded_order_cannot_be_cancelled(owner_client, package):
    order = place_order(package, status=OrderStatus.REFUNDED)
    response = owner_client.post(f"/dashboard/orders/{order.pk}/cancel/", follow=True)
    assert "cannot be cancelled" in response.content.decode()
    assert PackageOrder.objects.get().status == OrderStatus.REFUNDED


def test_cancel_upcoming_bookings_counts_what_it_cancelled_and_leaves_past_ones(package):
    import time_machine

    order = place_order(package)
    past = book_for(order, NINE_AM)
    future = book_for(order, NINE_AM + timedelta(days=1))
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        assert len(order_cancel_upcoming_bookings(order=order, reason="Refunded")) == 1
    past.refresh_from_db()
    future.refresh_from_db()
    assert past.status == BookingStatus.CONFIRMED and future.status == BookingStatus.CANCELLED
    assert NOW < NINE_AM


def test_another_owner_gets_404_on_every_order_url(client, other_owner, package):
    order = place_order(package)
    booking = book_for(order, NINE_AM)
    item = coaching_item(order)
    client.force_login(other_owner)
    base = f"/dashboard/orders/{order.pk}/"
    for url in (base, f"{base}items/{item.pk}/book/", f"{base}bookings/{booking.pk}/reschedule/"):
        assert client.get(url).status_code == 404
    for url in (f"{base}items/{item.pk}/book/", f"{base}bookings/{booking.pk}/reschedule/",
                f"{base}bookings/{booking.pk}/cancel/", f"{base}resend-confirmation/", f"{base}cancel/"):
        assert client.post(url, {"start": format_slot_start(TEN_AM)}).status_code == 404
    assert "Jamie Client" not in client.get("/dashboard/orders/").content.decode()
    order.refresh_from_db()
    booking.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE and booking.status == BookingStatus.CONFIRMED
    assert Booking.objects.count() == 1


def test_a_booking_or_item_of_another_order_is_not_found(owner_client, package):
    order = place_order(package)
    other = place_order(package, email="x@example.com")
    booking = book_for(other, NINE_AM)
    assert owner_client.get(f"/dashboard/orders/{order.pk}/bookings/{booking.pk}/reschedule/").status_code == 404
    assert owner_client.post(f"/dashboard/orders/{order.pk}/bookings/{booking.pk}/cancel/").status_code == 404
    assert owner_client.get(f"/dashboard/orders/{order.pk}/items/{coaching_item(other).pk}/book/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_dashboard_needs_a_login(client, package):
    order = place_order(package)
    assert client.get("/dashboard/orders/").status_code == 302
    assert client.get(f"/dashboard/orders/{order.pk}/").status_code == 302
