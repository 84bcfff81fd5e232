"""The API does what the pages do, through the same services: free times from the slot engine,
bookings of a meeting type or of an order's credit, moving, cancelling, attendance, an order the
owner issues, and what an order shows (items, balances, ledger)."""
import datetime as dt
from datetime import time, timedelta

import pytest
import time_machine

from api.tests.helpers import api_client, key_for, post, problem
from orders.models import CreditLedgerEntry, OrderStatus, PackageOrder
from packages.models import InviteeQuestion
from payments.models import Payment
from scheduling.availability import available_slots
from scheduling.models import Booking, BookingStatus
from tests import NINE_AM, NOW, make_booking, make_meeting_type, make_order, make_package, set_weekly_hours


@pytest.fixture
def open_weekdays(owner):
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    return owner


@pytest.fixture
def api(owner):
    return api_client(key_for(owner))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_free_times_are_the_slot_engines_for_the_days_asked_in_the_owners_zone(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    make_booking(meeting_type, NINE_AM)

    response = api.get(f"/api/v1/meeting-types/{meeting_type.pk}/free-times/?start=2026-12-07&end=2026-12-08")

    assert response.status_code == 200
    starts = [row["start"] for row in response.json()]
    tz = dt.timezone(timedelta(hours=-5))  # New York in December
    expected = available_slots(meeting_type=meeting_type, range_start=dt.datetime(2026, 12, 7, tzinfo=tz),
                               range_end=dt.datetime(2026, 12, 9, tzinfo=tz), now=NOW)
    assert starts == [slot.start.isoformat().replace("+00:00", "Z") for slot in expected]
    assert len(starts) == 2 * 16 - 1  # 9:00-17:00 on two days, every 30 minutes, less the booked one
    assert "2026-12-07T14:00:00Z" not in starts


def test_free_times_refuse_a_range_backwards_or_too_long_with_the_field_named(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    path = f"/api/v1/meeting-types/{meeting_type.pk}/free-times/"

    backwards = api.get(path + "?start=2026-12-08&end=2026-12-07")
    too_long = api.get(path + "?start=2026-12-01&end=2027-03-01")
    bad_zone = api.get(path + "?start=2026-12-01&end=2026-12-02&timezone=Mars/Base")
    missing = api.get(path)

    assert problem(backwards)["errors"] == {"end": ["The end must be on or after the start."]}
    assert "at most 62 days" in problem(too_long)["errors"]["end"][0]
    assert "timezone" in problem(bad_zone)["errors"]
    assert set(problem(missing)["errors"]) == {"start", "end"}


def test_a_booking_of_a_meeting_type_is_confirmed_and_the_client_emailed(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)

    response = post(api, "/api/v1/bookings/", {
        "meeting_type_id": meeting_type.pk, "start": "2026-12-07T09:00:00-05:00",
        "client_name": "Ana Client", "client_email": "Ana@Example.com"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["start"], body["client_email"], body["order_id"]) == (
        "confirmed", "2026-12-07T14:00:00Z", "ana@example.com", None)
    booking = Booking.objects.get(pk=body["id"])
    assert booking.owner == open_weekdays
    # The confirmation leaves through the outbox, as from the booking page.
    assert booking.messages.filter(recipient="ana@example.com", audience="client").exists()


def test_a_time_just_taken_is_a_409_and_nothing_is_booked(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    make_booking(meeting_type, NINE_AM)

    response = post(api, "/api/v1/bookings/", {
        "meeting_type_id": meeting_type.pk, "start": NINE_AM.isoformat(),
        "client_name": "Ana", "client_email": "ana@example.com"})

    assert response.status_code == 409
    assert problem(response)["detail"] == "That time was just taken. Please pick another time."
    assert Booking.objects.count() == 1


def test_a_session_of_an_order_takes_one_credit_and_cancelling_it_gives_it_back(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    order = make_order(make_package(open_weekdays, items=[(meeting_type, 2)]), with_items=True,
                       status=OrderStatus.ACTIVE)
    item = order.items.get()

    booked = post(api, "/api/v1/bookings/", {"order_item_id": item.pk, "start": NINE_AM.isoformat()})
    detail = api.get(f"/api/v1/orders/{order.pk}/").json()

    assert booked.status_code == 201, booked.content
    assert booked.json()["order_id"] == order.pk
    assert detail["items"][0]["remaining"] == 1
    assert [entry["reason"] for entry in detail["ledger"]] == ["purchase", "booking"]

    cancelled = post(api, f"/api/v1/bookings/{booked.json()['id']}/cancel/", {"reason": "Ill"})

    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "Ill")
    assert api.get(f"/api/v1/orders/{order.pk}/").json()["items"][0]["remaining"] == 2


def test_an_item_with_no_credit_left_is_refused_by_the_orders_rule(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    order = make_order(make_package(open_weekdays, items=[(meeting_type, 1)]), with_items=True,
                       status=OrderStatus.ACTIVE)
    item = order.items.get()
    assert post(api, "/api/v1/bookings/", {"order_item_id": item.pk, "start": NINE_AM.isoformat()}).status_code == 201

    again = post(api, "/api/v1/bookings/", {"order_item_id": item.pk, "start": (NINE_AM + timedelta(hours=2)).isoformat()})

    assert again.status_code == 409
    assert "session" in problem(again)["detail"].lower()
    assert Booking.objects.count() == 1


def test_a_session_where_the_host_calls_needs_the_clients_number_when_the_order_has_none(api, open_weekdays, clock):
    from scheduling.models import LocationKind, PhoneCaller

    meeting_type = make_meeting_type(open_weekdays, location_kind=LocationKind.PHONE, phone_caller=PhoneCaller.HOST)
    order = make_order(make_package(open_weekdays, items=[(meeting_type, 2)]), with_items=True,
                       status=OrderStatus.ACTIVE)
    item = order.items.get()

    refused = post(api, "/api/v1/bookings/", {"order_item_id": item.pk, "start": NINE_AM.isoformat()})
    booked = post(api, "/api/v1/bookings/", {"order_item_id": item.pk, "start": NINE_AM.isoformat(),
                                             "client_phone": "+1 202 555 0123"})

    assert refused.status_code == 400 and "mobile number" in str(problem(refused))
    assert booked.status_code == 201 and booked.json()["client_phone"] == "+12025550123"
    assert PackageOrder.objects.get().client_phone == "+12025550123"


def test_a_booking_moves_and_keeps_its_credit(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    order = make_order(make_package(open_weekdays, items=[(meeting_type, 2)]), with_items=True,
                       status=OrderStatus.ACTIVE)
    booking = post(api, "/api/v1/bookings/", {"order_item_id": order.items.get().pk,
                                              "start": NINE_AM.isoformat()}).json()

    moved = post(api, f"/api/v1/bookings/{booking['id']}/reschedule/", {"start": "2026-12-08T10:00:00-05:00"})

    assert moved.status_code == 200, moved.content
    assert moved.json()["start"] == "2026-12-08T15:00:00Z"
    assert api.get(f"/api/v1/orders/{order.pk}/").json()["items"][0]["remaining"] == 1


def test_attendance_is_marked_on_a_past_session_only(api, open_weekdays, clock):
    meeting_type = make_meeting_type(open_weekdays)
    past = make_booking(meeting_type, NOW - timedelta(days=1))
    future = make_booking(meeting_type, NINE_AM)

    marked = post(api, f"/api/v1/bookings/{past.pk}/attendance/", {"attendance": "no_show"})
    too_soon = post(api, f"/api/v1/bookings/{future.pk}/attendance/", {"attendance": "attended"})
    nonsense = post(api, f"/api/v1/bookings/{past.pk}/attendance/", {"attendance": "maybe"})

    assert (marked.status_code, marked.json()["attendance"]) == (200, "no_show")
    assert too_soon.status_code == 409
    assert "attendance" in problem(nonsense)["errors"]
    future.refresh_from_db()
    assert future.attendance == ""


def test_an_owner_issued_order_paid_outside_is_active_with_its_payment(api, owner, clock):
    package = make_package(owner)

    response = post(api, "/api/v1/orders/", {"package_id": package.pk, "client_name": "Cleo Client",
                                             "client_email": "cleo@example.com", "mode": "paid_outside",
                                             "note": "Bank transfer"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["price"], body["items"][0]["remaining"]) == ("active", "100.00", 1)
    assert [entry["reason"] for entry in body["ledger"]] == ["purchase"]
    payment = Payment.objects.get(order_id=body["id"])
    assert (payment.status, payment.note) == ("confirmed", "Bank transfer")
    assert api.get("/api/v1/payments/").json()["results"][0]["id"] == payment.pk


def test_an_order_of_a_package_not_the_owners_is_400_with_the_field_named_and_nothing_made(api, other_owner):
    package = make_package(other_owner)

    response = post(api, "/api/v1/orders/", {"package_id": package.pk, "client_name": "Cleo",
                                             "client_email": "not-an-email", "mode": "complimentary"})

    errors = problem(response)["errors"]
    assert response.status_code == 400
    assert set(errors) == {"client_email"}  # the shape first: the email is checked before the package
    fixed = post(api, "/api/v1/orders/", {"package_id": package.pk, "client_name": "Cleo",
                                          "client_email": "cleo@example.com", "mode": "complimentary"})
    assert problem(fixed)["errors"] == {"package_id": ["Choose one of your published packages."]}
    assert PackageOrder.objects.count() == 0


def test_an_order_of_a_package_with_questions_is_issued_unless_one_must_be_answered(api, owner, clock):
    """The API asks the client no questions: a package's optional ones stay unanswered (as when the
    owner leaves them empty on "New order"); a required one is a 400 on the package that says why,
    not "answer them below"."""
    package = make_package(owner)
    InviteeQuestion.objects.create(package=package, text="Your goals?", required=False)
    strict = make_package(owner)
    InviteeQuestion.objects.create(package=strict, text="Your injuries?", required=True)
    body = {"client_name": "Cleo Client", "client_email": "cleo@example.com", "mode": "complimentary"}

    response = post(api, "/api/v1/orders/", {**body, "package_id": package.pk})
    refused = post(api, "/api/v1/orders/", {**body, "package_id": strict.pk})

    assert response.status_code == 201, response.content
    assert PackageOrder.objects.get().answers == [{"question": "Your goals?", "kind": "short_text", "answer": ""}]
    assert refused.status_code == 400
    assert problem(refused)["errors"] == {"package_id": [
        "This package asks the client a question that must be answered (“Your injuries?”), which the API "
        "cannot send: issue this order from the dashboard's New order."]}
    assert PackageOrder.objects.count() == 1


def test_orders_are_filtered_by_status_email_and_creation_time(api, owner):
    active = make_order(owner, status=OrderStatus.ACTIVE, client_email="ana@example.com")
    make_order(owner, status=OrderStatus.CANCELLED, client_email="ben@example.com")

    by_status = api.get("/api/v1/orders/?status=active").json()["results"]
    by_email = api.get("/api/v1/orders/?email=ANA@example.com").json()["results"]
    none_yet = api.get("/api/v1/orders/?created_before=2000-01-01T00:00:00Z").json()["results"]
    bad = api.get("/api/v1/orders/?status=lost&created_after=yesterday")

    assert [row["id"] for row in by_status] == [active.pk]
    assert [row["id"] for row in by_email] == [active.pk]
    assert none_yet == []
    assert set(problem(bad)["errors"]) == {"status"}
    assert CreditLedgerEntry.objects.count() == 0


def test_bookings_filtered_by_an_id_that_names_nothing_are_none_not_all(api, owner):
    make_booking(make_meeting_type(owner), NINE_AM)

    answers = [api.get(f"/api/v1/bookings/?{query}").json()["results"]
               for query in ("meeting_type_id=0", "order_id=0", "order_id=000", "meeting_type_id=")]

    assert [len(results) for results in answers] == [0, 0, 0, 1]  # an empty filter is no filter


def test_clients_are_gathered_by_email_from_orders_and_bookings(api, open_weekdays):
    meeting_type = make_meeting_type(open_weekdays)
    make_order(open_weekdays, client_email="cleo@example.com", client_name="Cleo Client")
    make_booking(meeting_type, NINE_AM, client_email="cleo@example.com", client_name="Cleo C.")
    make_booking(meeting_type, NINE_AM + timedelta(hours=1), client_email="dan@example.com", client_name="Dan")

    rows = api.get("/api/v1/clients/").json()["results"]

    assert [(row["email"], row["orders"], row["bookings"]) for row in rows] == [
        ("cleo@example.com", 1, 1), ("dan@example.com", 0, 1)]


def test_an_erased_client_is_no_longer_listed_as_a_client(api, owner):
    """After Erase client the Clients page has no row of theirs; the API listed them still, as
    "Erased client" at erased-<hash>@erased.invalid, a new client to whatever syncs from it."""
    from clients.services import client_erase

    make_order(owner, client_email="gone@example.com", client_name="Gone Client", status=OrderStatus.CANCELLED)
    make_order(owner, client_email="kept@example.com", client_name="Kept Client")
    client_erase(owner=owner, email="gone@example.com", by_user=owner)

    rows = api.get("/api/v1/clients/").json()["results"]

    assert [(row["email"], row["name"]) for row in rows] == [("kept@example.com", "Kept Client")]


def test_lists_come_in_cursor_pages_that_keep_the_filters(api, owner):
    made = [make_order(owner, status=OrderStatus.ACTIVE) for _ in range(5)]

    first = api.get("/api/v1/orders/?status=active&limit=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert ids == [order.pk for order in reversed(made)]
    assert "status=active" in first["next"] and third["next"] is None
    assert api.get(second["previous"]).json()["results"] == first["results"]


def test_clients_come_in_pages_with_previous_like_every_list(api, owner):
    """The docs page and README: every list is {"next", "previous", "results"}; clients too."""
    emails = [f"client{n}@example.com" for n in range(5)]
    for email in emails:
        make_order(owner, client_email=email)

    first = api.get("/api/v1/clients/?limit=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    back = api.get(third["previous"]).json()

    assert list(first) == ["next", "previous", "results"] and first["previous"] is None
    assert [row["email"] for page in (first, second, third) for row in page["results"]] == emails
    assert third["next"] is None and "limit=2" in third["previous"]
    assert back["results"] == second["results"] and api.get(back["previous"]).json() == first


def test_a_paid_meeting_type_is_held_while_the_client_pays(api, open_weekdays, clock):
    from decimal import Decimal

    meeting_type = make_meeting_type(open_weekdays, price=Decimal("50"), payment_medium="stripe")

    response = post(api, "/api/v1/bookings/", {"meeting_type_id": meeting_type.pk, "start": NINE_AM.isoformat(),
                                               "client_name": "Ana", "client_email": "ana@example.com"})

    assert response.status_code == 201, response.content
    assert response.json()["status"] == BookingStatus.HELD
    booking = Booking.objects.get()
    assert booking.payments.count() == 1  # opened by payments, as on the booking page
    assert not booking.messages.exists()  # no confirmation until it is paid
