"""/my/ is served from the cache (portal.overview) until something it shows changes: a reload reads
no query, and every write through the real services (book, cancel, reschedule, owner's changes,
expiry, gifts) or time alone (a session starting, its notice running out) shows at once; no client,
language or zone ever gets another's page."""
import re
from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone

from leadmonk.content_version import client_changed
from orders.credits import ledger_adjust, order_extend, orders_expire_due
from orders.models import OrderStatus
from orders.services import order_session_book
from portal import overview
from portal.tests.conftest import CLEO, DORA, order_paid_and_part_refunded
from scheduling.services import booking_cancel, booking_reschedule
from tests import NINE_AM, NOW, TEN_AM, make_booking, make_order, set_weekly_hours

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page(client) -> str:
    return CSRF.sub("", client.get("/my/").content.decode())


def add_orders(world, count: int) -> None:
    """Cleo's paid pack (an invoice and a credit note), and `count` more, each with two sessions."""
    order_paid_and_part_refunded(world.alma, world.alma_call, "Paid pack")
    for n in range(count):
        owner, meeting_type = (world.alma, world.alma_call) if n % 2 else (world.bert, world.bert_lesson)
        order = order_paid_and_part_refunded(owner, meeting_type, f"Extra {n}")
        make_booking(meeting_type, timezone.now() + timedelta(days=10 + n), order_item=order.items.get())
        make_booking(meeting_type, timezone.now() + timedelta(days=20 + n))


@pytest.mark.parametrize("extra_orders", [0, 6])
def test_a_reload_reads_no_query_and_shows_the_same_page(world, sign_in, django_assert_num_queries, extra_orders):
    add_orders(world, extra_orders)
    client = sign_in(CLEO)
    first = page(client)

    with django_assert_num_queries(0):
        again = page(client)

    assert again == first and again.count('class="list-card portal-order"') == 3 + extra_orders
    assert 'name="csrfmiddlewaretoken"' in client.get("/my/").content.decode()


@pytest.mark.parametrize("extra_orders", [0, 6])
def test_after_a_change_the_page_is_read_again_in_seven_queries(world, sign_in, django_assert_num_queries,
                                                               extra_orders):
    add_orders(world, extra_orders)
    client = sign_in(CLEO)
    page(client)
    make_order(world.alma, world.alma_call, sessions=1, with_items=True, status=OrderStatus.ACTIVE,
               paid_at=timezone.now(), title="Brand new pack")

    # The unsent gifts the client bought, the orders, their items, the items' bookings, the direct
    # bookings, the invoices, the credit notes.
    with django_assert_num_queries(7):
        assert "Brand new pack" in page(client)


def test_a_process_that_has_not_served_the_client_finds_the_entry_without_a_query(world, sign_in,
                                                                                    django_assert_num_queries):
    client = sign_in(CLEO)
    first = page(client)
    overview.owner_hints_forget()  # another worker

    with django_assert_num_queries(0):
        assert page(client) == first


@time_machine.travel(NOW, tick=False)
def test_booking_cancelling_and_rescheduling_a_session_show_at_once(world, sign_in):
    set_weekly_hours(world.alma, {day: [(time(9), time(17))] for day in range(7)})
    client = sign_in(CLEO)
    item = world.cleo_alma.items.select_related("order").get()
    assert "3 of 3 left" in page(client)

    booking = order_session_book(item=item, start=NINE_AM)
    after_booking = page(client)
    assert "2 of 3 left" in after_booking and f"/bookings/{booking.token}/reschedule/" in after_booking

    before = page(client)
    booking_reschedule(booking=booking, new_start=TEN_AM)
    booking.refresh_from_db()
    assert page(client) != before

    booking_cancel(booking=booking)
    after_cancel = page(client)
    assert "3 of 3 left" in after_cancel and f"/bookings/{booking.token}/reschedule/" not in after_cancel
    assert "Past and cancelled sessions (1)" in after_cancel


def test_the_owners_changes_show_at_once(world, sign_in):
    client = sign_in(CLEO)
    page(client)
    item = world.cleo_alma.items.get()

    ledger_adjust(item=item, change=2, note="Bonus", by_user=world.alma)
    assert "5 of 5 left" in page(client)

    world.bert_lesson.min_notice_minutes = 7 * 24 * 60  # the meeting type: the owner's content
    world.bert_lesson.save(update_fields=["min_notice_minutes"])
    assert f"/bookings/{world.direct.token}/reschedule/" not in page(client)

    world.bert.display_name = "Bert the Tutor"
    world.bert.save(update_fields=["display_name"])
    assert "With Bert the Tutor" in page(client)


def test_expiry_and_its_extension_show_at_once(world, sign_in):
    order = world.cleo_alma
    order.expires_at = timezone.now() + timedelta(days=2)
    order.save(update_fields=["expires_at"])
    client = sign_in(CLEO)
    assert "Book by" in page(client)

    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        expired = page(client)  # time alone: the order expired
        assert "Expired" in expired and f"/orders/{order.token}/items/" not in expired
        orders_expire_due()
        assert "3 of 3 left" not in page(client)
        order_extend(order=order, days=10, by_user=world.alma)
        assert "3 of 3 left" in page(client) and "Book by" in page(client)


def test_time_alone_ends_a_session_and_its_notice(world, sign_in):
    world.bert_lesson.min_notice_minutes = 24 * 60
    world.bert_lesson.save(update_fields=["min_notice_minutes"])
    client = sign_in(CLEO)
    reschedule = f"/bookings/{world.direct.token}/reschedule/"
    assert reschedule in page(client)

    with time_machine.travel(world.direct.start - timedelta(hours=23), tick=False):
        assert reschedule not in page(client)  # less than a day's notice left
    with time_machine.travel(world.direct.end + timedelta(minutes=1), tick=False):
        assert "No sessions coming up." in page(client).split("With Alma")[0]


def test_an_order_moved_to_another_address_by_update_joins_that_page(world, sign_in):
    dora = sign_in(DORA)
    assert "Alma pack of 3" not in page(dora)
    # What orders.gifts does when a gift is handed over: an update() and both addresses' versions.
    type(world.cleo_alma).objects.filter(pk=world.cleo_alma.pk).update(client_email=DORA)
    client_changed(email=CLEO)
    client_changed(email=DORA)

    assert "Alma pack of 3" in page(dora)


def test_each_client_and_each_language_gets_its_own_page(world, sign_in):
    client = sign_in(CLEO)
    english = page(client)
    german = client.get("/my/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    other = page(sign_in(DORA))

    assert "Dora pack of 5" not in english and "Alma pack of 3" not in other
    assert "My bookings" in english and "Meine Buchungen" in german


def test_the_zone_asked_for_is_kept_apart(world, sign_in):
    client = sign_in(CLEO)
    assert "Times in Europe/Paris" in page(client)  # the zone of the client's session

    tokyo = client.get("/my/?tz=Asia/Tokyo").content.decode()

    assert "Times in Asia/Tokyo" in tokyo and "Times in Europe/Paris" in page(client)


def test_erasing_the_client_empties_the_cached_page(world, sign_in):
    from clients.services import client_erase

    client = sign_in(CLEO)
    assert "Alma pack of 3" in page(client)

    client_erase(owner=world.alma, email=CLEO, by_user=world.alma)

    assert "Alma pack of 3" not in page(client) and "Bert pack of 2" in page(client)


def test_the_frame_shows_this_requests_messages_and_switcher(world, sign_in):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    from leadmonk.public_frame import page_cut, page_response
    from portal.views import _BODY

    client = sign_in(CLEO)
    page(client)  # the frame's cut is made
    tokyo = client.get("/my/?tz=Asia/Tokyo").content.decode()
    assert 'href="/language/de/?next=/my/%3Ftz%3DAsia/Tokyo"' in tokyo

    request = RequestFactory().get("/my/")
    request._messages = CookieStorage(request)
    request._messages.add(25, "Your membership is running again.")
    cut = page_cut(request, "portal/overview.html", key=(), context={"body": _BODY.mark}, placeholders=(_BODY,))
    html = page_response(request, cut, body="<p>body</p>").content.decode()
    assert '<div class="message message-success">Your membership is running again.</div>' in html
    assert get_messages(request).used  # shown: not kept for the next page
    assert "Your membership" not in page(client)
