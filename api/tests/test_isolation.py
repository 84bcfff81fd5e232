"""A key reaches only its owner's rows (DESIGN.md): every API route, read and write, walked from the
URL resolver over the two-owner world of tests/world.py. Bob's key with Alice's ids is a 404 that
changes nothing; Bob's lists show none of Alice's clients; Alice's key with the same ids gets in."""
import json

import pytest
from django.forms.models import model_to_dict

from api.tests.helpers import api_client
from orders.models import CreditLedgerEntry, OrderItem, PackageOrder
from payments.models import Payment
from scheduling.models import Booking
from tests.world import fresh_copy, project_routes, route_values, world_for_the_module

API_ROUTES = [route for route in project_routes() if route.route.startswith("api/v1/")]
API_ROUTES_WITH_IDS = [route for route in API_ROUTES if route.params]
# Not lists: the schema, the docs, the root, and the 404 problem of every other address.
API_LISTS = [route for route in API_ROUTES if not route.params and route.name not in ("api:schema", "api:docs",
                                                                                      "api:root", "api:not_found")]


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    with world_for_the_module(django_db_blocker) as built:
        yield built


@pytest.fixture
def world(_module_world, db):
    return fresh_copy(_module_world)


def _snapshot(owner) -> dict[str, list[dict]]:
    querysets = {
        "orders": PackageOrder.objects.filter(owner=owner),
        "order items": OrderItem.objects.filter(order__owner=owner),
        "credit ledger": CreditLedgerEntry.objects.filter(order_item__order__owner=owner),
        "bookings": Booking.objects.filter(owner=owner),
        "payments": Payment.objects.filter(order__owner=owner),
    }
    return {name: [model_to_dict(row) for row in queryset.order_by("pk")] for name, queryset in querysets.items()}


def _acting_body(world) -> dict:
    """A body that would do something on any write endpoint if the lookup let it through."""
    return {"start": world.direct_booking.start.replace(hour=15).isoformat(), "reason": "Someone else's doing",
            "attendance": "no_show", "meeting_type_id": world.meeting_type.pk, "order_item_id": world.order_item.pk,
            "package_id": world.package.pk, "client_name": "Intruder", "client_email": "intruder@example.com",
            "mode": "complimentary"}


def test_the_walk_finds_every_api_route():
    assert {route.name for route in API_ROUTES_WITH_IDS} == {
        "api:meeting_type", "api:free_times", "api:package", "api:order", "api:booking", "api:booking_reschedule",
        "api:booking_cancel", "api:booking_attendance"}
    assert {route.name for route in API_LISTS} == {"api:meeting_types", "api:packages", "api:orders", "api:bookings",
                                                   "api:clients", "api:payments"}


@pytest.mark.parametrize("route", API_ROUTES_WITH_IDS, ids=str)
def test_another_owners_key_gets_404_for_every_object_of_the_first_owner_read_and_write(world, route):
    alice, bob = world
    path = route.path(route_values(route, alice)) + "?start=2026-12-07&end=2026-12-08"
    before = _snapshot(alice.owner)
    client = api_client(bob.api_key_secret)

    read = client.get(path)
    write = client.post(path, json.dumps(_acting_body(alice)), content_type="application/json")

    assert read.status_code in (404, 405), f"GET {path} -> {read.status_code}"
    assert write.status_code in (404, 405), f"POST {path} -> {write.status_code}"
    assert 404 in (read.status_code, write.status_code)
    assert _snapshot(alice.owner) == before


@pytest.mark.parametrize("route", API_ROUTES_WITH_IDS, ids=str)
def test_the_owners_own_key_reaches_the_same_ids(world, route):
    alice, _bob = world
    path = route.path(route_values(route, alice)) + "?start=2026-12-07&end=2026-12-08"

    status = api_client(alice.api_key_secret).get(path).status_code

    assert status in (200, 405), f"GET {path} as its owner -> {status}"


@pytest.mark.parametrize("query", ["", "?status=active", "?status=confirmed", "?email={email}"])
@pytest.mark.parametrize("route", API_LISTS, ids=str)
def test_another_owners_lists_show_none_of_the_first_owners_rows(world, route, query):
    alice, bob = world
    path = route.path({}) + query.format(email=alice.order.client_email)

    response = api_client(bob.api_key_secret).get(path)

    body = response.content.decode()
    assert response.status_code in (200, 400)  # 400: a status that list does not have
    leaked = [label for label, value in alice.client_details().items() if value in body]
    assert leaked == []
    assert bob.order.client_email in api_client(bob.api_key_secret).get("/api/v1/orders/").content.decode()


def test_writes_with_another_owners_ids_in_the_body_are_refused_and_change_nothing(world):
    alice, bob = world
    before = _snapshot(alice.owner), _snapshot(bob.owner)
    client = api_client(bob.api_key_secret)
    body = _acting_body(alice)

    by_item = client.post("/api/v1/bookings/", json.dumps({"order_item_id": body["order_item_id"],
                                                           "start": body["start"]}), content_type="application/json")
    by_type = client.post("/api/v1/bookings/", json.dumps({**body, "order_item_id": None}),
                          content_type="application/json")
    order = client.post("/api/v1/orders/", json.dumps(body), content_type="application/json")

    assert [by_item.status_code, by_type.status_code, order.status_code] == [400, 400, 400]
    assert json.loads(by_item.content)["errors"] == {"order_item_id": ["No order item of yours has this id."]}
    assert "package_id" in json.loads(order.content)["errors"]
    assert (_snapshot(alice.owner), _snapshot(bob.owner)) == before


def test_the_owners_own_lists_do_show_their_rows(world):
    """So the check above is not passing because the lists are empty."""
    alice, _bob = world
    client = api_client(alice.api_key_secret)

    def ids(path: str) -> set:
        return {row.get("id", row.get("email")) for row in client.get(path).json()["results"]}

    assert alice.meeting_type.pk in ids("/api/v1/meeting-types/")
    assert alice.package.pk in ids("/api/v1/packages/")
    assert {alice.order.pk, alice.pending_order.pk} <= ids("/api/v1/orders/")
    assert {alice.direct_booking.pk, alice.order_booking.pk} <= ids("/api/v1/bookings/")
    assert alice.order.client_email in ids("/api/v1/clients/")
    assert alice.payment.pk in ids("/api/v1/payments/")
