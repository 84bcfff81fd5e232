"""The Clients table (clients.models.Client) follows every write through the real services: the page
changes when an order is placed or paid, a session booked, cancelled or deleted, a payment refunded,
a gift handed over or its recipient corrected (QuerySet.update() paths), a client erased; after a
random mix of writes it equals a recompute from the source rows; the backfill and the
`clients_table` command build and check it; a next session that has begun is read again."""
import importlib
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.urls import reverse

from clients.models import Client
from clients.selectors import client_page
from clients.services import client_erase
from clients.upkeep import clients_rebuild, clients_verify
from orders.gifts import GiftDetails, gift_change_recipient_email
from orders.models import Gift, PackageOrder
from orders.services import order_create
from payments.models import Payment
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.services import booking_cancel
from tests import NOW, make_booking

from .conftest import NEXT_WEEK, book_next_week, paid_order, pay

URL = reverse("clients:list")


@pytest.fixture(autouse=True)
def test_payments(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def rows(owner) -> list[tuple]:
    return [(row.email, row.name, row.orders, row.paid, row.sessions_left, row.last_session, row.next_session)
            for row in client_page(owner=owner, params=QueryDict())]


def test_an_order_placed_then_paid_then_booked_shows_on_the_page_at_each_step(owner, owner_client, package):
    order = order_create(package=package, client_name="Jamie Rivers", client_email="jamie@example.com",
                         client_phone="", answers=[], terms_accepted=True, client_timezone="Europe/London")
    assert rows(owner) == [("jamie@example.com", "Jamie Rivers", 1, [], 2, None, None)]

    pay(order)
    assert rows(owner)[0][3] == [(Decimal("120.00"), "USD")]

    booking = book_next_week(order)
    assert rows(owner)[0][4:] == (1, None, NEXT_WEEK)
    html = owner_client.get(URL).content.decode()
    assert "120.00 USD" in html and "7 Dec 2026" in html

    booking_cancel(booking=Booking.objects.get(pk=booking.pk), by=BookedBy.OWNER)
    assert rows(owner)[0][4:] == (2, None, None)
    assert clients_verify() == []


def test_a_refund_lowers_the_money_paid(owner, package):
    from payments.services import payment_refund

    order = paid_order(package)
    payment_refund(payment=Payment.objects.get(order=order), by_owner=owner, amount=Decimal("20.00"),
                   reason="One session not taken", idempotency_key="refund-table-1")

    assert rows(owner)[0][3] == [(Decimal("100.00"), "USD")]


def test_a_booking_deleted_takes_its_client_away_when_it_was_their_only_row(owner, coaching):
    booking = make_booking(coaching, NOW - timedelta(days=2), client_name="Sam Single", client_email="sam@example.com")
    assert [row[0] for row in rows(owner)] == ["sam@example.com"]

    booking.delete()

    assert rows(owner) == [] and not Client.objects.exists()


def test_a_search_finds_any_name_the_client_gave(owner, owner_client, coaching):
    make_booking(coaching, NOW - timedelta(days=2), client_name="Sam Single", client_email="sam@example.com")
    make_booking(coaching, NOW - timedelta(days=1), client_name="Samantha Married", client_email="sam@example.com")

    assert "sam@example.com" in owner_client.get(URL, {"q": "single"}).content.decode()
    assert "sam@example.com" in owner_client.get(URL, {"q": "MARRIED"}).content.decode()
    assert "No clients match" in owner_client.get(URL, {"q": "nobody"}).content.decode()


def test_a_gift_handed_over_moves_the_order_to_the_recipient(owner, package, django_capture_on_commit_callbacks):
    order = order_create(package=package, client_name="Bea Buyer", client_email="bea@example.com",
                         client_timezone="Europe/London", answers=[], terms_accepted=True,
                         gift=GiftDetails(recipient_name="Rory Recipient", recipient_email="rory@example.com",
                                          message="Enjoy!", send_on=date(2026, 12, 20)))
    assert [row[0] for row in rows(owner)] == ["bea@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        pay(order)  # paid: the order is the recipient's (a QuerySet.update() in orders.gifts)

    # The order and its payment are the recipient's; the buyer stays a client (with no order of theirs).
    assert [(row[0], row[1], row[3]) for row in rows(owner)] == [
        ("bea@example.com", "Bea Buyer", []), ("rory@example.com", "Rory Recipient", [(Decimal("120.00"), "USD")])]

    gift_change_recipient_email(gift=Gift.objects.get(), email="rory.new@example.com")

    assert [row[0] for row in rows(owner)] == ["bea@example.com", "rory.new@example.com"]
    assert PackageOrder.objects.get().client_email == "rory.new@example.com"
    assert clients_verify() == []


def test_an_erasure_deletes_the_row_and_the_pseudonym_gets_none(owner, owner_client, coaching):
    booking = make_booking(coaching, NOW - timedelta(days=2), client_name="Sam Single", client_email="sam@example.com")

    client_erase(owner=owner, email="sam@example.com", by_user=owner)
    Booking.objects.get(pk=booking.pk).save()  # a later save of an erased row

    assert not Client.objects.exists()
    assert "sam@example.com" not in owner_client.get(URL).content.decode()
    assert clients_verify() == []


def test_a_next_session_that_has_begun_is_read_again(owner, owner_client, package, django_assert_num_queries):
    order = paid_order(package)
    book_next_week(order)
    book_next_week(order, days=1)

    with time_machine.travel(NEXT_WEEK + timedelta(hours=2), tick=False):
        [row] = client_page(owner=owner, params=QueryDict())
        with django_assert_num_queries(4):  # the list's 3, and the bookings of the row gone stale
            html = owner_client.get(URL).content.decode()

    assert (row.last_session, row.next_session) == (NEXT_WEEK, NEXT_WEEK + timedelta(days=1))
    assert "8 Dec 2026" in html


@pytest.mark.parametrize("count", [2, 12])
def test_a_page_with_rows_gone_stale_takes_the_same_number_of_queries(owner, owner_client, coaching, count,
                                                                     django_assert_num_queries):
    for n in range(count):
        make_booking(coaching, NEXT_WEEK + timedelta(days=n % 3, hours=n % 5), client_name=f"Client {n}",
                     client_email=f"client{n:02d}@example.com")

    with time_machine.travel(NEXT_WEEK + timedelta(days=4), tick=False), django_assert_num_queries(4):
        html = owner_client.get(URL).content.decode()

    assert html.count('data-label="Client"') == count


# --- The whole table -----------------------------------------------------------------------------


def _random_writes(owner, package, coaching, seed: int) -> None:
    """A mix of the writes that change the page, on a few clients, in a random order."""
    from payments.services import payment_refund

    rng = random.Random(seed)
    emails = ["ann@example.com", "Bo@Example.com", " cy@example.com", "ann@example.com "]
    orders = []
    for step in range(14):
        action = rng.choice(["order", "paid order", "booking", "book credit", "cancel", "refund", "delete"])
        email = rng.choice(emails)
        if action == "order":
            orders.append(order_create(package=package, client_name=f"Name {step}", client_email=email,
                                       client_phone="", answers=[], terms_accepted=True,
                                       client_timezone="Europe/London"))
        elif action == "paid order":
            orders.append(paid_order(package, name=f"Name {step}", email=email))
        elif action == "booking":
            make_booking(coaching, NOW + timedelta(days=rng.randint(-20, 20), hours=step % 6),
                         client_name=f"Name {step}", client_email=email,
                         status=rng.choice([BookingStatus.CONFIRMED, BookingStatus.CANCELLED]))
        elif action == "book credit" and orders:
            order = rng.choice(orders)
            order.refresh_from_db()
            if order.status == "active":
                try:
                    book_next_week(order, days=step)
                except Exception:  # noqa: BLE001 (no credit left, the time taken: nothing written)
                    pass
        elif action == "cancel":
            booking = Booking.objects.filter(status=BookingStatus.CONFIRMED, start__gt=NOW).first()
            if booking is not None:
                booking_cancel(booking=booking, by=BookedBy.OWNER)
        elif action == "refund":
            payment = Payment.objects.filter(status="confirmed").first()
            if payment is not None:
                payment_refund(payment=payment, by_owner=owner, amount=Decimal("10.00"), reason="",
                               idempotency_key=f"refund-{seed}-{step}")
        elif action == "delete":
            booking = Booking.objects.filter(order_item__isnull=True).order_by("?").first()
            if booking is not None:
                booking.delete()


@pytest.mark.parametrize("seed", range(4))
def test_after_a_random_mix_of_writes_the_table_equals_a_recompute(owner, package, coaching, seed):
    _random_writes(owner, package, coaching, seed)

    assert clients_verify() == []
    before = rows(owner)
    clients_rebuild()
    assert rows(owner) == before


def test_the_backfill_builds_the_table_from_the_rows_there_are(owner, package, coaching):
    backfill = importlib.import_module("clients.migrations.0002_client").backfill
    Client.objects.all().delete()
    backfill(apps, None)  # an empty table and no rows: nothing
    _random_writes(owner, package, coaching, seed=7)
    expected = rows(owner)
    Client.objects.all().delete()

    backfill(apps, None)

    assert rows(owner) == expected and expected
    assert clients_verify() == []


def test_the_command_finds_a_difference_and_the_rebuild_mends_it(owner, package, capsys):
    paid_order(package)
    call_command("clients_table")
    assert "matches" in capsys.readouterr().out

    Client.objects.update(orders=7)
    with pytest.raises(CommandError, match="differs from its orders and bookings in 1 place"):
        call_command("clients_table", "--verify")
    assert "differs (orders)" in capsys.readouterr().err

    call_command("clients_table", "--rebuild", "--owner", str(owner.pk))
    assert "Rebuilt the Clients table: 1 client." in capsys.readouterr().out
    assert rows(owner)[0][2] == 1
    call_command("clients_table")


def test_the_erasure_log_names_who_erased_and_a_removed_user(owner, owner_client, coaching):
    from tests import make_owner

    helper = make_owner(email="helper@example.com")
    make_booking(coaching, NOW - timedelta(days=2), client_name="Sam Single", client_email="sam@example.com")
    make_booking(coaching, NOW - timedelta(days=3), client_name="Bo Other", client_email="bo@example.com")
    client_erase(owner=owner, email="sam@example.com", by_user=owner, now=NOW - timedelta(hours=1))
    client_erase(owner=owner, email="bo@example.com", by_user=helper)
    helper.delete()

    html = owner_client.get(URL).content.decode().split("Recent erasures")[1]

    assert html.index("by a removed user") < html.index(f"by {owner.email}")  # newest first
