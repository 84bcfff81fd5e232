"""The client's booking page of an order item (/orders/<token>/items/<item>/book/): its picker is
cached under the owner's content and bookings versions, as the public month fragment is; what is
the order's own (credits left, its state) is read on every request. A booking, a cancel, a credit
adjustment, a cancelled order or a change of hours shows at once; a hit is one query and one cache
read; without the cache the page renders from the database."""
import uuid
from datetime import date, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from leadmonk.content_version import keys_read_ahead_forget, orders_changed, page_key_prefix
from leadmonk.splice import PAGE_URL
from orders.credits import ledger_adjust
from orders.lifecycle import order_cancel
from orders.models import OrderItem, PackageOrder
from orders.selectors import (
    cached_order_item_for_token,
    item_owner_hints_forget,
    order_for_token,
    order_item_for_token,
    with_item_progress,
)
from orders.services import order_session_book
from orders.tests.conftest import place_order
from scheduling import booking_step
from scheduling.models import BookedBy, MeetingTypeState
from scheduling.selectors import format_slot_start
from scheduling.services import booking_cancel
from scheduling.setup_services import date_override_add
from tests import NINE_AM, TEN_AM
from tests.cache_writes import record_cache_reads

MONDAY = "2026-12-07"  # NINE_AM is 9:00 AM in New York that day


def book_url(order, item) -> str:
    return f"/orders/{order.token}/items/{item.pk}/book/"


def picker_page(client, order, item, day=MONDAY):
    return client.get(book_url(order, item), {"tz": "America/New_York", "date": day})


def html_of(client, order, item, day=MONDAY) -> str:
    response = picker_page(client, order, item, day)
    assert response.status_code == 200
    return response.content.decode()


def coaching_item(order) -> OrderItem:
    return order.items.get(meeting_type_name="Coaching session")


def test_a_session_booked_or_cancelled_changes_the_page_at_once(client, package):
    order = place_order(package)
    item = coaching_item(order)
    html = html_of(client, order, item)
    assert ">9:00 AM<" in html and "2 of 2 remaining" in html
    response = client.post(book_url(order, item) + "?tz=America/New_York", {"start": format_slot_start(NINE_AM)})
    assert response.status_code == 302
    html = html_of(client, order, item)
    assert ">9:00 AM<" not in html and "1 of 2 remaining" in html
    booking_cancel(booking=item.bookings.get(), by=BookedBy.OWNER)
    html = html_of(client, order, item)
    assert ">9:00 AM<" in html and "2 of 2 remaining" in html


def test_a_booking_of_another_order_or_client_takes_the_time_away_at_once(client, package):
    order, other = place_order(package), place_order(package, email="other@example.com")
    item = coaching_item(order)
    assert ">9:00 AM<" in html_of(client, order, item)
    order_session_book(item=coaching_item(other), start=NINE_AM)
    html = html_of(client, order, item)
    assert ">9:00 AM<" not in html and ">10:00 AM<" in html
    assert "2 of 2 remaining" in html  # the other order's credit, not this one's


def test_credits_adjusted_or_the_order_cancelled_show_at_once(client, package):
    order = place_order(package)
    item = coaching_item(order)
    assert "2 of 2 remaining" in html_of(client, order, item)
    ledger_adjust(item=item, change=3, note="Goodwill", by_user=None)
    assert "5 of 5 remaining" in html_of(client, order, item)  # as the order page: used 0 of 5
    ledger_adjust(item=item, change=-5, note="Taken back", by_user=None)
    response = picker_page(client, order, item)
    assert response.status_code == 302
    assert "No sessions left for this item." in client.get(response.url).content.decode()
    ledger_adjust(item=item, change=1, note="One more", by_user=None)
    assert "1 of 1 remaining" in html_of(client, order, item)
    order_cancel(order=PackageOrder.objects.get(pk=order.pk))
    response = picker_page(client, order, item)
    assert response.status_code == 302
    assert "This order was cancelled." in client.get(response.url).content.decode()


def test_a_change_of_hours_or_of_the_meeting_type_shows_at_once(client, package, owner, coaching):
    order = place_order(package)
    item = coaching_item(order)
    assert ">9:00 AM<" in html_of(client, order, item)
    date_override_add(owner=owner, date=date(2026, 12, 7), intervals=[(time(13), time(14))])
    html = html_of(client, order, item)
    assert ">9:00 AM<" not in html and ">1:00 PM<" in html
    coaching.state = MeetingTypeState.DISABLED
    coaching.save()
    response = picker_page(client, order, item)
    assert response.status_code == 302
    assert "This meeting type can no longer be scheduled." in client.get(response.url).content.decode()


def test_orders_share_one_cached_picker_and_each_links_to_its_own_page(client, package):
    """The cached picker holds a stand-in for the page's address, put back per request: one entry
    for every order of the meeting type (and the same zone, clock, day and minute)."""
    order, other = place_order(package), place_order(package, email="other@example.com")
    first = html_of(client, order, coaching_item(order))
    with mock.patch.object(cache, "set") as cache_set:
        html = html_of(client, other, coaching_item(other))
    # a hit of the picker (the other order's item itself is read and kept: its first visit)
    assert [call.args[0] for call in cache_set.call_args_list if "picker" in call.args[0]] == []
    own = book_url(other, coaching_item(other))
    assert f'href="{own}?tz=America%2FNew_York&amp;date=2026-12-07&amp;start=' in html
    assert f'<form method="get" action="{own}#picker"' in html
    assert order.token not in html and PAGE_URL.mark not in html
    assert html.replace(other.token, order.token).replace(
        f"items/{coaching_item(other).pk}/", f"items/{coaching_item(order).pk}/") == first


def test_junk_query_parameters_share_the_cached_picker(client, package):
    """?utm=<random> and the like change nothing on the page: no new cache entry per link."""
    order = place_order(package)
    item = coaching_item(order)
    first = html_of(client, order, item)
    with mock.patch.object(cache, "set") as cache_set:
        pages = {client.get(book_url(order, item), {"tz": "America/New_York", "date": MONDAY,
                                                    "utm": uuid.uuid4().hex}).content.decode() for _ in range(20)}
    assert not cache_set.called and pages == {first}


def test_the_cached_picker_is_the_picker_rendered_afresh(client, package, monkeypatch):
    order = place_order(package)
    item = coaching_item(order)
    for day in (MONDAY, "2026-12-08", ""):
        first = html_of(client, order, item, day)  # rendered, then stored
        assert html_of(client, order, item, day) == first  # from the cache
        monkeypatch.setattr(booking_step.TimeStep, "_cached", lambda self, name, render, *parts, **kw: render())
        assert html_of(client, order, item, day) == first  # rendered again
        monkeypatch.undo()
    # and as the page renders it without the cached section at all (the include of _time_step.html)
    monkeypatch.setattr(booking_step.TimeStep, "pick_stage", lambda self, error="", *, open_on=None:
                        self._step("pick", error=error, picker=self.picker(open_on=open_on)))
    assert html_of(client, order, item, "") == first


@pytest.mark.parametrize("bookings", [0, 3])
def test_a_cached_page_runs_no_query_and_reads_the_cache_once(client, package, bookings, django_assert_num_queries):
    order = place_order(package)
    item = coaching_item(order)
    ledger_adjust(item=item, change=5, note="More sessions for this test", by_user=None)
    for n in range(bookings):
        order_session_book(item=item, start=TEN_AM + n * (TEN_AM - NINE_AM))
    html_of(client, order, item)
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set:
        # The item with its order, owner, meeting type and credits left (orders.selectors.
        # cached_order_item_for_token) and the picker, read together (the process served the
        # address before: content_version.reading_ahead): no hours, no bookings, no query.
        with django_assert_num_queries(0):
            assert ">9:00 AM<" in html_of(client, order, item)
    assert get_many.call_count == 1 and not cache_set.called
    # A change of the order's rows: the item is read again (one query), the picker still cached.
    ledger_adjust(item=item, change=1, note="One more", by_user=None)
    with django_assert_num_queries(1):
        assert f"{8 - bookings} of 8 remaining" in html_of(client, order, item)


def test_a_process_that_has_not_served_the_order_finds_the_item_without_a_query(client, package, monkeypatch,
                                                                                 django_assert_num_queries):
    order = place_order(package)
    item = coaching_item(order)
    first = html_of(client, order, item)
    item_owner_hints_forget()  # another worker: the entry names the owner whose versions to read
    with django_assert_num_queries(0):
        assert html_of(client, order, item) == first
    # From then on the worker knows the owner: the item's entry, their versions and the picker in
    # one round trip.
    reads = record_cache_reads(monkeypatch)
    with django_assert_num_queries(0):
        assert html_of(client, order, item) == first
    assert [kind for kind, _keys in reads] == ["get_many"]
    item_owner_hints_forget()
    cache.delete(f"{page_key_prefix()}:order_item:{order.token}:{item.pk}")  # evicted
    # a worker that finds nothing: the row, the versions, the row again
    with django_assert_num_queries(2):
        html_of(client, order, item)


def test_a_process_that_has_not_served_the_address_reads_the_picker_after_the_item(client, package):
    order = place_order(package)
    item = coaching_item(order)
    first = html_of(client, order, item)
    keys_read_ahead_forget()  # a worker that knows the owner but has not served this address
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert html_of(client, order, item) == first
    assert get_many.call_count == 2  # the item, then the picker it names
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert html_of(client, order, item) == first
    assert get_many.call_count == 1  # both at once


def test_the_order_expiring_or_its_bookings_held_stop_the_page_by_time_alone(client, package):
    order = place_order(package)
    item = coaching_item(order)
    PackageOrder.objects.filter(pk=order.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
    orders_changed(owner_id=order.owner_id)  # update() sends no post_save
    assert "2 of 2 remaining" in html_of(client, order, item)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        response = picker_page(client, order, item)
        assert response.status_code == 302
        assert "no more sessions can be booked" in client.get(response.url).content.decode()


def test_an_item_is_never_served_for_another_token_or_item(client, package):
    order, other = place_order(package), place_order(package, email="other@example.com")
    html_of(client, order, coaching_item(order))
    assert picker_page(client, other, coaching_item(order)).status_code == 404
    assert picker_page(client, order, coaching_item(other)).status_code == 404
    assert cached_order_item_for_token(token=other.token, item_id=coaching_item(order).pk) is None


def test_the_page_renders_when_the_cache_cannot_be_reached(client, package):
    order = place_order(package)
    item = coaching_item(order)
    with mock.patch.object(cache, "get_many", side_effect=ConnectionError("down")), \
         mock.patch.object(cache, "set", side_effect=ConnectionError("down")):
        html = html_of(client, order, item)
        assert ">9:00 AM<" in html and "2 of 2 remaining" in html
        order_session_book(item=item, start=NINE_AM)
        assert ">9:00 AM<" not in html_of(client, order, item)


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_items_one_query_read_is_what_the_orm_reads(package):
    order = place_order(package)
    order.price = Decimal("240.50")
    order.save()
    item = coaching_item(order)
    order_session_book(item=item, start=NINE_AM)
    read = order_item_for_token(token=order.token, item_id=item.pk)
    full = order_for_token(token=order.token)
    expected = next(each for each in with_item_progress(full) if each.pk == item.pk)
    assert fields(read) == fields(expected)
    assert fields(read.order) == fields(full) and fields(read.order.owner) == fields(full.owner)
    assert fields(read.meeting_type) == fields(expected.meeting_type)
    assert read.order.answers == [{"question": "Your goal?", "kind": "short_text", "answer": "Focus"}]
    assert read.order.price == Decimal("240.50") and read.order.created_at.tzinfo is not None
    assert read.meeting_type.owner == full.owner
    assert (read.remaining, read.meeting_type_unavailable, read.can_schedule) == (1, False, True)
    assert read.remaining == expected.remaining


def test_the_items_read_finds_nothing_for_another_order_or_a_bad_token(package):
    order, other = place_order(package), place_order(package, email="other@example.com")
    assert order_item_for_token(token=order.token, item_id=coaching_item(other).pk) is None
    assert order_item_for_token(token=order.token, item_id=999999) is None
    assert order_item_for_token(token=order.token, item_id=10**20) is None  # out of the column's range
    assert order_item_for_token(token="nope", item_id=coaching_item(order).pk) is None
    assert order_item_for_token(token="x" * 43, item_id=coaching_item(order).pk) is None


def test_a_booking_page_counts_its_remaining_sessions_out_of_what_the_client_has_not_what_was_sold(
        client, package):
    order = place_order(package)
    item = coaching_item(order)
    order_session_book(item=item, start=NINE_AM + timedelta(days=1))
    ledger_adjust(item=item, change=2, note="Make-up sessions", by_user=None)
    order_page = client.get(f"/orders/{order.token}/").content.decode()
    assert "Used 1 of 4" in order_page
    assert "3 of 4 remaining" in html_of(client, order, item)  # it said "3 of 2 remaining"
