"""A new booking adds itself to its client's row (clients.upkeep.client_booking_added: one query,
two for a name new to the row, not a recompute's four) and leaves the row a recompute would write: for a new client, one with an
order, a past, a cancelled or a held session, another name; and it recomputes instead when adding
could be wrong (a next session that has begun since, a name holding a line break)."""
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from clients.upkeep import client_figures, clients_verify
from scheduling.models import BookingStatus
from tests import NOW, make_booking

from .conftest import NEXT_WEEK, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_payments(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


FIELDS = ("name", "search", "orders", "bookings", "paid", "sessions_left", "last_session", "next_session")


def the_row(owner, email: str) -> dict:
    row = Client.objects.get(owner=owner, email=email)
    return {name: getattr(row, name) for name in FIELDS}


def recomputed(owner, email: str) -> dict:
    return client_figures(owner.pk, email)


def client_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "clients_client" in query["sql"]]


def test_a_new_clients_first_booking_writes_their_row_in_one_query(owner, coaching):
    with CaptureQueriesContext(connection) as captured:
        make_booking(coaching, NEXT_WEEK, client_name="Nia New", client_email="Nia@Example.com ")

    [insert] = client_queries(captured)
    assert insert.startswith("INSERT")
    assert the_row(owner, "nia@example.com") == recomputed(owner, "nia@example.com") == {
        "name": "Nia New", "search": "nia@example.com\nnia new", "orders": 0, "bookings": 1, "paid": [],
        "sessions_left": 0, "last_session": None, "next_session": NEXT_WEEK}


def test_each_kind_of_booking_added_to_a_client_with_an_order_gives_the_recomputed_row(owner, package, coaching):
    paid_order(package, name="Jamie Rivers", email="jamie@example.com")
    # Each with the client's queries it takes: a name new to the row writes the names again.
    bookings = [
        (1, dict(start=NEXT_WEEK + timedelta(days=2), client_name="Jamie Rivers")),  # the next session
        (1, dict(start=NEXT_WEEK, client_name="JAMIE RIVERS")),  # sooner; the same name in capitals
        (2, dict(start=NOW - timedelta(days=3), client_name="Aaron Alias")),  # past: the last session
        (2, dict(start=NOW - timedelta(days=9), client_name="Zed", status=BookingStatus.CANCELLED)),
        (2, dict(start=NOW - timedelta(days=1), client_name="Jamie", status=BookingStatus.CANCELLED)),
        (1, dict(start=NEXT_WEEK - timedelta(days=1), client_name="jamie rivers", status=BookingStatus.HELD,
                 hold_expires_at=NOW + timedelta(minutes=10))),
    ]
    for count, (queries, fields) in enumerate(bookings, 1):
        with CaptureQueriesContext(connection) as captured:
            make_booking(package.items.first().meeting_type, client_email="jamie@example.com", **fields)
        assert len(client_queries(captured)) == queries and "LOWER(TRIM(" not in str(captured.captured_queries)
        assert the_row(owner, "jamie@example.com") == recomputed(owner, "jamie@example.com")
        assert the_row(owner, "jamie@example.com")["bookings"] == count

    row = the_row(owner, "jamie@example.com")
    assert (row["name"], row["last_session"], row["next_session"]) == (
        "jamie rivers", NOW - timedelta(days=3), NEXT_WEEK)  # the greatest name, as the page always showed
    assert row["search"] == "jamie@example.com\naaron alias\njamie\njamie rivers\nzed"
    assert clients_verify() == []


def test_a_booking_after_the_next_session_has_begun_recomputes_which_sessions_are_past(owner, coaching):
    make_booking(coaching, NEXT_WEEK, client_name="Pat", client_email="pat@example.com")
    later = NEXT_WEEK + timedelta(days=3)

    with time_machine.travel(later, tick=False):
        with CaptureQueriesContext(connection) as captured:
            make_booking(coaching, later + timedelta(days=2), client_name="Pat", client_email="pat@example.com")
        row = the_row(owner, "pat@example.com")

    # Added to the row as it was, NEXT_WEEK would stay the next session and no session the last.
    assert (row["last_session"], row["next_session"]) == (NEXT_WEEK, later + timedelta(days=2))
    assert len(client_queries(captured)) == 2  # the row locked and added to, then the recompute's write
    assert len([query for query in captured.captured_queries if "LOWER(TRIM(" in query["sql"]]) == 1


def test_names_holding_line_breaks_are_recomputed(owner, coaching):
    make_booking(coaching, NEXT_WEEK, client_name="Zoe\nAnn", client_email="zoe@example.com")
    assert the_row(owner, "zoe@example.com")["search"] == "zoe@example.com\nzoe\nann"
    make_booking(coaching, NEXT_WEEK + timedelta(days=1), client_name="Bo", client_email="zoe@example.com")
    make_booking(coaching, NEXT_WEEK + timedelta(days=2), client_name="Ann", client_email="zoe@example.com")

    # The names one a line are no longer in order: a name is not added to them blindly.
    assert the_row(owner, "zoe@example.com") == recomputed(owner, "zoe@example.com")
    assert the_row(owner, "zoe@example.com")["search"] == "zoe@example.com\nann\nbo\nzoe\nann"
    assert clients_verify() == []


@pytest.mark.parametrize("name", ["Pat Buyer", "Patricia Buyer"])
def test_a_gift_buyers_first_booking_gives_the_recomputed_row(owner, package, coaching, name,
                                                              django_capture_on_commit_callbacks):
    """Pat's row holds only the gift they gave (no order, no booking): their first booking is added to
    it, and a name new to the row is searchable as a recompute would have it."""
    from datetime import date

    from orders.gifts import GiftDetails
    from orders.services import order_create

    from .conftest import pay

    with django_capture_on_commit_callbacks(execute=True):
        pay(order_create(package=package, client_name="Pat Buyer", client_email="pat@example.com",
                         client_timezone="Europe/London", answers=[], terms_accepted=True,
                         gift=GiftDetails(recipient_name="Kim Lee", recipient_email="kim@example.com",
                                          message="", send_on=date(2026, 12, 20))))
    assert the_row(owner, "pat@example.com")["bookings"] == 0

    make_booking(coaching, NEXT_WEEK, client_name=name, client_email="pat@example.com")

    assert the_row(owner, "pat@example.com") == recomputed(owner, "pat@example.com")
    assert name.lower() in the_row(owner, "pat@example.com")["search"].split("\n")
    assert clients_verify() == []
