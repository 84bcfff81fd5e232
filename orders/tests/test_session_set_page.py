"""The "Book several sessions" page, without JavaScript: the chosen times travel in the query
string, a weekly series shows the weeks that are not free with an alternative, and one confirm
books all of them or none (saying which time was taken meanwhile)."""
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils.html import escape

from orders.credits import item_balance, ledger_adjust
from orders.models import CreditLedgerEntry
from orders.tests.conftest import place_order
from scheduling.booking_forms import OVERLAPS_CHOSEN, TIME_UNAVAILABLE
from scheduling.models import Booking
from scheduling.selectors import format_slot_start
from scheduling.services import booking_create
from tests import NINE_AM, TEN_AM

WEEK = timedelta(days=7)
# The order, its items with their counts, the sessions booked; the chosen times checked in one
# query (hours, overrides and busy times together); the month picker (the same one query).
QUERIES_OF_THE_SESSIONS_PAGE = 5


def page_url(order, **params) -> str:
    return f"/orders/{order.token}/sessions/?{urlencode(params)}"


def picks(*pairs) -> str:
    return ",".join(f"{item.pk}@{format_slot_start(start)}" for item, start in pairs)


def items(order):
    return order.items.get(meeting_type_name="Coaching session"), order.items.get(meeting_type_name="Group workshop")


def test_the_order_page_links_to_it_and_a_picked_time_joins_the_list(client, package):
    order = place_order(package)
    coaching, _workshop = items(order)
    assert f"/orders/{order.token}/sessions/" in client.get(f"/orders/{order.token}/").content.decode()
    response = client.get(page_url(order, item=coaching.pk, tz="America/New_York",
                                   start=format_slot_start(NINE_AM)), follow=True)
    assert f"picks={coaching.pk}%40" in response.redirect_chain[0][0]  # a reload shows the same list
    html = response.content.decode()
    assert "Your chosen sessions (1)" in html and "Monday, 7 December 2026 at 9:00 AM" in html
    assert f'value="{picks((coaching, NINE_AM))}"' in html  # the hidden input of the confirm form
    assert "Book 1 session" in html
    # The picker's links carry the picks, so the next time picked keeps the first one.
    assert f"picks={coaching.pk}%40" in html


def test_three_sessions_across_items_are_confirmed_at_once(client, package):
    order = place_order(package)
    coaching, workshop = items(order)
    chosen = picks((coaching, NINE_AM), (coaching, NINE_AM + WEEK), (workshop, NINE_AM + timedelta(days=1)))
    response = client.post(page_url(order, tz="America/New_York"), {"picks": chosen}, follow=True)
    html = response.content.decode()
    assert Booking.objects.filter(order_item__order=order).count() == 3
    assert "3 sessions booked" in html and "Add all 3 to your calendar (.ics)" in html
    assert item_balance(coaching.pk) == 0 and item_balance(workshop.pk) == 0


def test_a_set_keeps_the_zone_the_client_chose_and_its_email_shows_it(client, package, mailoutbox,
                                                                      django_capture_on_commit_callbacks):
    """Placed in London, booked from Los Angeles: the sessions and the one email are in LA time."""
    order = place_order(package)
    coaching, workshop = items(order)
    chosen = picks((coaching, NINE_AM), (workshop, NINE_AM + timedelta(days=1)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(order, tz="America/Los_Angeles"), {"picks": chosen})
    assert set(Booking.objects.values_list("client_timezone", flat=True)) == {"America/Los_Angeles"}
    to_client = next(mail for mail in mailoutbox if mail.to == ["jamie@example.com"])
    assert "6:00 AM" in to_client.body and "(America/Los_Angeles)" in to_client.body  # 9:00 New York


def test_a_time_taken_meanwhile_books_nothing_and_is_named(client, package):
    order = place_order(package)
    coaching, _workshop = items(order)
    chosen = picks((coaching, NINE_AM), (coaching, TEN_AM + WEEK))
    booking_create(meeting_type=coaching.meeting_type, start=TEN_AM + WEEK, client_name="Rival",
                   client_email="rival@example.com")
    ledger_rows = CreditLedgerEntry.objects.count()
    response = client.post(page_url(order, tz="America/New_York"), {"picks": chosen})
    html = response.content.decode()
    assert response.status_code == 409
    # Each thing said once: what happened, which time, why and what to do (the refusal's own words).
    assert html.count('role="alert"') == 1
    assert ("Nothing was booked. Coaching session on Monday, 14 December 2026 at 10:00 AM: "
            "That time was just taken. Please pick another time.</div>") in html
    assert "Not free any more" in html
    assert Booking.objects.filter(order_item=coaching).count() == 0
    assert CreditLedgerEntry.objects.count() == ledger_rows


def test_repeat_weekly_shows_the_week_that_is_not_free_with_an_alternative(client, package):
    order = place_order(package)
    coaching, _workshop = items(order)
    ledger_adjust(item=coaching, change=2, note="Four sessions", by_user=None)
    booking_create(meeting_type=coaching.meeting_type, start=NINE_AM + 2 * WEEK, client_name="Rival",
                   client_email="rival@example.com")
    html = client.get(page_url(order, tz="America/New_York", picks=picks((coaching, NINE_AM)),
                               repeat=picks((coaching, NINE_AM)), weeks="4")).content.decode()
    assert "Your chosen sessions (3)" in html
    assert "1 week of the series is not free" in html
    assert "Monday, 21 December 2026 at 9:00 AM" in html and "instead</a>" in html
    assert "take Monday, 21 December 2026 at 10:00 AM instead" in html  # the nearest free time


def test_repeat_weekly_beyond_the_credits_left_gets_a_message_and_adds_nothing(client, package):
    order = place_order(package)
    coaching, _workshop = items(order)
    html = client.get(page_url(order, tz="America/New_York", picks=picks((coaching, NINE_AM)),
                               repeat=picks((coaching, NINE_AM)), weeks="5")).content.decode()
    # One session left: no range to choose from, so the message names the one choice.
    assert "Only one more session is left for this item: enter 2 (this week and the next)." in html
    assert "from 2 to 2" not in html
    assert "Your chosen sessions (1)" in html
    ledger_adjust(item=coaching, change=2, note="Three left", by_user=None)
    html = client.get(page_url(order, tz="America/New_York", picks=picks((coaching, NINE_AM)),
                               repeat=picks((coaching, NINE_AM)), weeks="5")).content.decode()
    assert "Enter a number of weeks from 2 to 4 (the sessions left for this item)." in html
    html = client.get(page_url(order, picks=picks((coaching, NINE_AM)), repeat=picks((coaching, NINE_AM)),
                               weeks="abc")).content.decode()
    assert 'aria-invalid="true"' in html and Booking.objects.count() == 0


def test_more_picks_than_credits_or_junk_picks_are_refused_or_dropped(client, package):
    order = place_order(package)
    coaching, _workshop = items(order)
    base = picks((coaching, NINE_AM), (coaching, NINE_AM + WEEK))
    html = client.get(page_url(order, tz="America/New_York", item=coaching.pk, picks=base,
                               start=format_slot_start(NINE_AM + 2 * WEEK))).content.decode()
    assert "You have chosen all the sessions left for this item." in html
    html = client.get(page_url(order, picks="999999@2026-12-07T14:00:00Z,junk,12@nope")).content.decode()
    assert "No times chosen yet" in html
    response = client.post(page_url(order), {"picks": ""})
    assert response.status_code == 400 and "Choose at least one time." in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("size", [1, 4])
def test_the_page_runs_a_fixed_number_of_queries_for_any_number_of_picks(client, package, size,
                                                                        django_assert_num_queries):
    """The page with a picker open and `size` chosen times (and as many sessions already booked)
    runs the same queries: the picks are read in one go, not one query per time."""
    order = place_order(package)
    coaching, workshop = items(order)
    ledger_adjust(item=coaching, change=2 * size, note="Room for the test", by_user=None)
    for n in range(size):
        booking_create(meeting_type=coaching.meeting_type, start=NINE_AM + 2 * WEEK + timedelta(hours=n),
                       client_name="Other", client_email="other@example.com")
    chosen = picks(*[(coaching, NINE_AM + timedelta(days=n)) for n in range(size)])
    url = page_url(order, tz="America/New_York", item=workshop.pk, picks=chosen)
    client.get(url)  # the order page's cached parts warm up, as for any visitor after the first
    with django_assert_num_queries(QUERIES_OF_THE_SESSIONS_PAGE):
        response = client.get(url)
    assert f"Your chosen sessions ({size})" in response.content.decode()


def slot_labels(html: str) -> tuple[list[str], list[str]]:
    """The times the picker offers (links) and those it shows as chosen, in order."""
    times = html.split('<ul class="slots"', 1)[1].split("</ul>", 1)[0]
    offered = re.findall(r'<a class="slot[^"]*" href="[^"]*" rel="nofollow"[^>]*>([^<]+)', times)
    chosen = re.findall(r'<span class="slot slot-chosen">([^<]+)', times)
    return offered, chosen


@pytest.mark.parametrize("fragment", [{}, {"fragment": "picker"}], ids=["page", "fragment"])
def test_the_picker_marks_a_chosen_time_and_offers_no_time_overlapping_a_chosen_one(client, package, fragment):
    """Coaching (50 min) chosen on Monday at 9:00: its picker shows 9:00 as chosen, not as a link;
    the workshop's (90 min) offers nothing before 9:50."""
    order = place_order(package)
    coaching, workshop = items(order)
    chosen = picks((coaching, NINE_AM))
    html = client.get(page_url(order, tz="America/New_York", item=coaching.pk, picks=chosen, date="2026-12-07",
                               **fragment)).content.decode()
    offered, marked = slot_labels(html)
    assert marked == ["9:00 AM"] and "9:00 AM" not in offered and offered[0] == "10:00 AM"
    assert "Chosen" in html
    html = client.get(page_url(order, tz="America/New_York", item=workshop.pk, picks=chosen, date="2026-12-07",
                               **fragment)).content.decode()
    offered, marked = slot_labels(html)
    assert marked == [] and offered[0] == "10:00 AM"
    assert slot_labels(client.get(page_url(order, tz="America/New_York", item=workshop.pk,
                                           date="2026-12-07")).content.decode())[0][0] == "9:00 AM"


def test_a_refused_time_says_why_in_the_booking_steps_words_once(client, package):
    """The same check and wording as every booking page (scheduling.booking_step.TimeStep)."""
    order = place_order(package)
    coaching, workshop = items(order)
    chosen = picks((coaching, NINE_AM))
    booking_create(meeting_type=coaching.meeting_type, start=TEN_AM + WEEK, client_name="Rival",
                   client_email="rival@example.com")
    cases = {
        format_slot_start(TEN_AM + WEEK): TIME_UNAVAILABLE,  # taken by someone else
        "2026-12-07T14:30:00Z": OVERLAPS_CHOSEN,  # the workshop at 9:30 overlaps the coaching at 9:00
        "garbage": TIME_UNAVAILABLE,
    }
    for start, message in cases.items():
        item = coaching if start != "2026-12-07T14:30:00Z" else workshop
        html = client.get(page_url(order, tz="America/New_York", item=item.pk, picks=chosen,
                                   start=start)).content.decode()
        assert html.count(escape(message)) == 1, start
        assert "Your chosen sessions (1)" in html
