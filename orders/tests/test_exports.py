"""CSV exports of the owner's orders, bookings and credit ledger for a date range: the columns a
spreadsheet user reads, owner scoping, bad ranges refused next to the field with no file, formula
cells neutralised, and a query count that does not grow with the number of rows."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import COMPLIMENTARY, OrderStatus, PackageOrder
from orders.tests.conftest import place_order
from scheduling.models import Booking
from tests import NINE_AM, make_meeting_type, make_package

DAY = "?date_from=2026-12-01&date_to=2026-12-01"
WEEK = "?date_from=2026-12-01&date_to=2026-12-08"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def _book(meeting_type, *, name: str, email: str, start=NINE_AM) -> Booking:
    return Booking.objects.create(owner=meeting_type.owner, meeting_type=meeting_type, start=start,
                                  end=start + timedelta(minutes=meeting_type.duration_minutes),
                                  client_name=name, client_email=email)


@pytest.mark.django_db
def test_the_orders_export_lists_the_days_orders_with_money_currency_and_local_times(owner, package):
    order = place_order(package, name="Jamie Client", email="jamie@example.com")

    rows = _rows(_client(owner).get("/dashboard/orders/export.csv" + DAY))

    assert len(rows) == 1
    row = rows[0]
    assert row["Order ID"] == str(order.pk)
    # Placed at 12:00 UTC: 07:00 in New York, and the header names the zone.
    assert row["Ordered (America/New_York)"] == "2026-12-01 07:00"
    assert row["Client name"] == "Jamie Client" and row["Client email"] == "jamie@example.com"
    assert row["Package"] == "Starter pack" and row["Status"] == "Active"
    assert Decimal(row["Price"]) == order.price and row["Currency"] == order.currency
    assert Decimal(row["Amount paid"]) == order.price
    assert row["Sessions"] == "3" and row["Sessions left"] == "3"


def test_the_amount_paid_of_a_complimentary_or_unpaid_order_is_not_its_list_price(owner, package):
    given = place_order(package, email="gift@example.com")
    PackageOrder.objects.filter(pk=given.pk).update(paid_with=COMPLIMENTARY)
    unpaid = place_order(package, status=OrderStatus.PENDING_PAYMENT, email="later@example.com")

    rows = {row["Order ID"]: row for row in _rows(_client(owner).get("/dashboard/orders/export.csv" + DAY))}

    assert Decimal(rows[str(given.pk)]["Price"]) == package.price
    assert rows[str(given.pk)]["Amount paid"] == "0.00"
    assert rows[str(unpaid.pk)]["Amount paid"] == ""


def test_the_amount_paid_of_an_order_with_tax_on_top_is_what_the_client_paid(owner, package):
    from invoices.services import invoice_settings_save

    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                          prices_include_tax=False, number_prefix="INV-", footer="", tax_name="VAT")
    order = place_order(package)

    [row] = _rows(_client(owner).get("/dashboard/orders/export.csv" + DAY))

    # The order page says "plus 20 % VAT: 20.00 USD, total 120.00 USD": the client paid the total.
    assert Decimal(row["Price"]) == order.price
    assert Decimal(row["Amount paid"]) == order.price + order.tax_added == order.total_price
    assert order.tax_added > 0


@pytest.mark.django_db
def test_the_range_is_inclusive_in_the_owners_zone(owner, package):
    place_order(package)
    client = _client(owner)

    assert _rows(client.get("/dashboard/orders/export.csv?date_from=2026-11-30&date_to=2026-11-30")) == []
    assert len(_rows(client.get("/dashboard/orders/export.csv?date_from=2026-11-01&date_to=2026-12-01"))) == 1
    assert _rows(client.get("/dashboard/orders/export.csv?date_from=2026-12-02&date_to=2026-12-31")) == []


@pytest.mark.django_db
def test_another_owners_rows_never_appear_in_any_export(owner, other_owner, package):
    place_order(package, name="Jamie Client", email="jamie@example.com")
    _book(package.items.first().meeting_type, name="Dana Direct", email="dana@example.com")
    theirs = make_meeting_type(other_owner, name="Their session", slug="their-session")
    their_package = make_package(other_owner, items=[(theirs, 1)], name="Their pack", slug="their-pack")
    place_order(their_package, name="Olive Client", email="olive@example.com")
    _book(theirs, name="Omar Direct", email="omar@example.com")

    for path in ("/dashboard/orders/export.csv", "/dashboard/orders/ledger.csv", "/dashboard/bookings/export.csv"):
        mine = b"".join(_client(owner).get(path + WEEK).streaming_content).decode()
        other = b"".join(_client(other_owner).get(path + WEEK).streaming_content).decode()
        assert "olive@example.com" not in mine and "omar@example.com" not in mine, path
        assert "jamie@example.com" not in other and "dana@example.com" not in other, path
        assert ("jamie@example.com" in mine or "dana@example.com" in mine), path
        assert ("olive@example.com" in other or "omar@example.com" in other), path


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/dashboard/orders/export.csv", "/dashboard/orders/ledger.csv",
                                  "/dashboard/bookings/export.csv", "/dashboard/payments/export.csv"])
@pytest.mark.parametrize("query, field, message", [
    ("?date_from=2026-12-08&date_to=2026-12-01", "date_to", "The last day must be on or after the first day."),
    ("?date_from=2026-13-45&date_to=2026-12-01", "date_from", "Enter a date as YYYY-MM-DD"),
    ("?date_from=yesterday&date_to=2026-12-01", "date_from", "Enter a date as YYYY-MM-DD"),
    ("?date_from=2020-01-01&date_to=2026-12-01", "date_to", "Choose at most 366 days"),
    ("?date_from=0001-01-01&date_to=0001-01-02", "date_from", "Enter a date between 1970 and 2999."),
    ("?date_from=2026-12-01", "date_to", "Enter the last day"),
])
def test_a_bad_range_gets_a_message_next_to_the_field_and_no_file(owner, package, path, query, field, message):
    place_order(package)

    response = _client(owner).get(path + query)

    assert response.status_code == 400
    assert not response.streaming
    assert "Content-Disposition" not in response
    html = response.content.decode()
    assert message in html
    # The message sits in the field's own block, after its input.
    field_block = html.split(f'id="id_{field}"', 1)[1].split('class="field"', 1)[0]
    assert message in field_block


@pytest.mark.django_db
def test_the_export_page_without_dates_shows_the_form(owner):
    response = _client(owner).get("/dashboard/orders/export.csv")

    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert 'name="date_from"' in response.content.decode()


@pytest.mark.django_db
def test_the_order_list_offers_the_download_form(owner, package):
    html = _client(owner).get("/dashboard/orders/").content.decode()

    assert 'action="/dashboard/orders/export.csv"' in html
    assert 'href="/dashboard/orders/ledger.csv' in html


@pytest.mark.django_db
@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "＝HYPERLINK(\"http://x\")", "＋1+2", "－2+3", "＠SUM(A1)"])
def test_a_cell_that_looks_like_a_formula_is_neutralised(owner, package, evil):
    place_order(package, name=evil, email="jamie@example.com")
    _book(package.items.first().meeting_type, name=evil, email="dana@example.com")
    client = _client(owner)

    [order_row] = _rows(client.get("/dashboard/orders/export.csv" + DAY))
    booking_rows = _rows(client.get("/dashboard/bookings/export.csv" + WEEK))

    assert order_row["Client name"] == "'" + evil
    assert [row["Client name"] for row in booking_rows] == ["'" + evil]


@pytest.mark.django_db
def test_the_bookings_export_lists_sessions_starting_in_the_range(owner, package):
    order = place_order(package)
    from orders.services import order_session_book
    item = order.items.order_by("position", "id").first()
    booked = order_session_book(item=item, start=NINE_AM)
    _book(item.meeting_type, name="Dana Direct", email="dana@example.com", start=NINE_AM + timedelta(hours=3))

    rows = _rows(_client(owner).get("/dashboard/bookings/export.csv" + WEEK))

    assert [row["Client name"] for row in rows] == ["Jamie Client", "Dana Direct"]
    first = rows[0]
    assert first["Booking ID"] == str(booked.pk)
    # 14:00 UTC on Monday 7 December is 09:00 in New York.
    assert first["Start (America/New_York)"] == "2026-12-07 09:00"
    assert first["Duration (minutes)"] == "50" and first["Session type"] == "Coaching session"
    assert first["Order ID"] == str(order.pk) and first["Package"] == "Starter pack"
    assert rows[1]["Order ID"] == ""
    assert _rows(_client(owner).get("/dashboard/bookings/export.csv" + DAY)) == []


@pytest.mark.django_db
def test_the_ledger_export_lists_every_credit_movement(owner, package):
    order = place_order(package)
    from orders.services import order_session_book
    item = order.items.order_by("position", "id").first()
    order_session_book(item=item, start=NINE_AM)

    rows = _rows(_client(owner).get("/dashboard/orders/ledger.csv" + DAY))

    changes = sorted((row["Session type"], row["Reason"], int(row["Change"])) for row in rows)
    assert ("Coaching session", "Purchase", 2) in changes
    assert ("Coaching session", "Session booked", -1) in changes
    booked = next(row for row in rows if row["Reason"] == "Session booked")
    assert booked["Session start (America/New_York)"] == "2026-12-07 09:00"
    assert booked["Order ID"] == str(order.pk)
    assert set(rows[0]) >= {"When (America/New_York)", "Change", "Reason", "Note", "By"}


def _count_queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/dashboard/orders/export.csv" + WEEK, "/dashboard/orders/ledger.csv" + WEEK,
                                  "/dashboard/bookings/export.csv" + WEEK])
def test_an_exports_query_count_does_not_grow_with_its_rows(owner, package, path):
    client = _client(owner)
    meeting_type = package.items.first().meeting_type
    place_order(package)
    _book(meeting_type, name="Dana Direct", email="dana@example.com")
    small = _count_queries(client, path)
    for n in range(12):
        place_order(package, name=f"Client {n}", email=f"client{n}@example.com",
                    status=OrderStatus.CANCELLED if n % 3 == 0 else OrderStatus.ACTIVE)
        _book(meeting_type, name=f"Direct {n}", email=f"direct{n}@example.com", start=NINE_AM + timedelta(hours=n + 1))
    large = _count_queries(client, path)

    assert large == small
    assert small <= 6


@pytest.mark.django_db
def test_an_export_streams_its_rows_in_memory_that_does_not_grow_with_them(owner, package, monkeypatch):
    """Streamed over .iterator(): the peak memory of reading six fetch chunks of rows is about that
    of three, where building the whole file would take twice as much. The chunks are made 200 rows
    here instead of the exports' 2,000: the same property, on 1,200 and 600 rows instead of 6,000
    and 3,000 (a fifth of the CPU; building the file instead fails it as before)."""
    import tracemalloc

    from django.db.models.query import QuerySet

    CHUNK = 200
    iterator = QuerySet.iterator
    chunks = []

    def small_chunks(self, chunk_size=None):
        chunks.append(chunk_size)
        return iterator(self, chunk_size=CHUNK)

    monkeypatch.setattr(QuerySet, "iterator", small_chunks)
    meeting_type = package.items.first().meeting_type
    client = _client(owner)

    def peak_after(total: int) -> int:
        missing = total - Booking.objects.filter(owner=owner).count()
        Booking.objects.bulk_create(
            # One second each, one after another: a host's 1:1 bookings never overlap (on PostgreSQL
            # the database refuses it).
            Booking(owner=owner, meeting_type=meeting_type, start=NINE_AM + timedelta(seconds=total + n),
                    end=NINE_AM + timedelta(seconds=total + n + 1), client_name=f"Client {n}",
                    client_email=f"client{n}@example.com", token=f"export-token-{total}-{n}")
            for n in range(missing)
        )
        response = client.get("/dashboard/bookings/export.csv" + WEEK)
        assert response.streaming
        tracemalloc.start()
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert lines == total + 1
        return peak

    small = peak_after(3 * CHUNK)
    large = peak_after(6 * CHUNK)

    assert len(chunks) == 2 and all(chunks), "the export reads its rows through .iterator() in chunks"
    assert large < small * 1.5


@pytest.mark.django_db
def test_last_30_days_and_this_year_download_without_typing_dates(owner, package):
    place_order(package, name="Jamie Client", email="jamie@example.com")  # placed today
    client = _client(owner)

    form = client.get("/dashboard/orders/export.csv").content.decode()
    last_30 = client.get("/dashboard/orders/export.csv?period=last_30_days")
    this_year = client.get("/dashboard/orders/export.csv?period=this_year")

    assert 'href="?period=last_30_days"' in form and ">Last 30 days<" in form and ">This year<" in form
    assert [row["Client name"] for row in _rows(last_30)] == ["Jamie Client"]
    assert [row["Client name"] for row in _rows(this_year)] == ["Jamie Client"]
    assert '-to-' in this_year["Content-Disposition"] and '-01-01-to-' in this_year["Content-Disposition"]


@pytest.mark.django_db
def test_an_unknown_period_shows_the_form_and_no_file(owner):
    response = _client(owner).get("/dashboard/orders/export.csv?period=forever")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
