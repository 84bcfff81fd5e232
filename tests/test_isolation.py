"""An owner reaches only their own meeting types, availability, packages, orders, bookings and
payments; a visitor reaches no dashboard page; a client sees only the order or booking behind the
token they hold (DESIGN.md). Systematic over the URL resolver: a new dashboard route that forgets
to scope its lookup to the owner fails here."""
import functools

import pytest
from django.db import connection
from django.test import Client

from api.models import ApiKey
from calendars.models import Calendar, CalendarConnection
from invoices.models import Invoice, InvoiceSettings
from orders.models import CreditLedgerEntry, OrderItem, PackageOrder
from packages.models import InviteeQuestion, Package, PackageItem
from payments.models import Payment, PaymentConnection, Refund
from promotions.models import PromoCode, PromoRedemption
from scheduling.models import Booking, DateOverride, MeetingType, WeeklyInterval
from scheduling.selectors import format_slot_start
from teams.models import Invitation, Membership, Team, TeamHost, TeamMeetingType
from tests.world import (
    ROUTE_OBJECTS,
    crawler_client,
    fresh_copy,
    logged_in_client,
    make_world,
    project_routes,
    route_values,
    world_for_the_module,
)
from webhooks.models import Delivery, WebhookEndpoint

DASHBOARD_ROUTES = [route for route in project_routes() if route.route.startswith("dashboard/")]
DASHBOARD_ROUTES_WITH_IDS = [route for route in DASHBOARD_ROUTES if route.params]
# Routes whose parameter names no object (disconnect/<provider>/ acts on the logged-in owner's own
# connection): another owner gets the page for themselves, and the first owner's rows stay as they were.
NOT_AN_OBJECT = {"provider"}
DASHBOARD_LISTS = [route for route in DASHBOARD_ROUTES if not route.params]


def _acting_body(world) -> dict[str, str]:
    """A POST body that would do something on any of these pages if the lookup let it through."""
    return {
        "state": "disabled", "direction": "down", "reason": "Someone else's doing", "next": "list",
        "start": format_slot_start(world.direct_booking.start.replace(hour=15)),
        "name": "Taken over", "description": "Taken over", "text": "Taken over", "kind": "short_text",
        "question-text": "Taken over", "question-kind": "short_text",
        "name_format": "first_last", "ordering_information": "name_email_phone",
        "price": "1.00", "currency": "USD", "payment_medium": "paypal",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000", "items-0-meeting_type": str(world.meeting_type.pk), "items-0-quantity": "9",
        "email": "intruder@example.com", "role": "member", "slug": "taken-over", "timezone": "UTC",
        "members": str(world.team.memberships.first().pk), "duration_minutes": "30", "slot_step_minutes": "30",
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "min_notice": "0", "horizon_days": "30",
        "location_kind": "video",
        "item": str(world.order_item.pk), "change": "5", "note": "Taken over", "attendance": "no_show", "days": "30",
        "cancel_window_hours": "99", "expiry_kind": "after_purchase", "expiry_days": "9",
        "code": "TAKENOVER", "discount_type": "percent", "value": "50", "applies_to": "all",
        "max_orders_per_client": "7", "new_clients_only": "on",
        # A part refund (payments' refund form), with a session taken off.
        "amount": "1.00", "key": "k" * 43, "sessions": "remove", f"remove_{world.order_item.pk}": "1",
    }


def _snapshot(owner) -> dict[str, list[dict]]:
    """Every row of `owner`'s that a dashboard page could change, every column of it, and the rows
    of the many-to-many tables that hang off them. The queries are written once per owner
    (_snapshot_queries): compiling 29 queries took three fifths of a snapshot's CPU, and a test takes
    two or four snapshots."""
    rows = {}
    with connection.cursor() as cursor:
        for name, columns, sql, params in _snapshot_queries(owner.pk):
            cursor.execute(sql, params)
            rows[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return rows


@functools.cache
def _snapshot_queries(owner_pk: int) -> list[tuple[str, list[str], str, tuple]]:
    owner = owner_pk  # the filters take an id as well as an instance
    querysets = {
        "meeting types": MeetingType.objects.filter(owner=owner),
        "weekly hours": WeeklyInterval.objects.filter(owner=owner),
        "overrides": DateOverride.objects.filter(owner=owner),
        "packages": Package.objects.filter(owner=owner),
        "package items": PackageItem.objects.filter(package__owner=owner),
        "questions": InviteeQuestion.objects.filter(package__owner=owner),
        "orders": PackageOrder.objects.filter(owner=owner),
        "order items": OrderItem.objects.filter(order__owner=owner),
        "credit ledger": CreditLedgerEntry.objects.filter(order_item__order__owner=owner),
        "bookings": Booking.objects.filter(owner=owner),
        "payments": Payment.objects.filter(order__owner=owner),
        "refunds": Refund.objects.filter(payment__order__owner=owner),
        "connections": PaymentConnection.objects.filter(owner=owner),
        "promo codes": PromoCode.objects.filter(owner=owner),
        "promo redemptions": PromoRedemption.objects.filter(promo_code__owner=owner),
        "teams": Team.objects.filter(memberships__user=owner),
        "memberships": Membership.objects.filter(team__memberships__user=owner),
        "invitations": Invitation.objects.filter(team__memberships__user=owner),
        "team meeting types": TeamMeetingType.objects.filter(team__memberships__user=owner),
        "team hosts": TeamHost.objects.filter(membership__team__memberships__user=owner),
        "calendar connections": CalendarConnection.objects.filter(owner=owner),
        "calendars": Calendar.objects.filter(owner=owner),
        "invoice settings": InvoiceSettings.objects.filter(owner=owner),
        "invoices": Invoice.objects.filter(owner=owner),
        "API keys": ApiKey.objects.filter(owner=owner),
        "webhook endpoints": WebhookEndpoint.objects.filter(owner=owner),
        "webhook deliveries": Delivery.objects.filter(endpoint__owner=owner),
    }
    for name, queryset in list(querysets.items()):
        for field in queryset.model._meta.many_to_many:  # a promo code's packages and meeting types
            through = field.remote_field.through
            querysets[f"{name}: {field.name}"] = through.objects.filter(
                **{f"{field.m2m_field_name()}__in": queryset.values("pk")})
    queries = []
    for name, queryset in querysets.items():
        columns = [field.attname for field in queryset.model._meta.concrete_fields]
        sql, params = queryset.order_by("pk").values_list(*columns).query.sql_with_params()
        queries.append((name, columns, sql, params))
    return queries


def _build_world():
    alice, bob = make_world()
    PaymentConnection.objects.create(owner=alice.owner, provider="stripe", account_id="acct_alice123", is_active=True)
    return alice, bob


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    with world_for_the_module(django_db_blocker, _build_world) as built:
        yield built


@pytest.fixture
def world(_module_world, db):
    return fresh_copy(_module_world)


@pytest.fixture
def unchanged_world(_module_world, db):
    """The module's world itself, for the crawls over the routes: they read its ids and strings
    and send requests, whose views read their own rows from the database and never these
    instances, so a copy for each (~3 ms) bought nothing. A test that changes an instance takes
    `world`."""
    return _module_world


def _client_for(owner) -> Client:
    return logged_in_client(owner)


def test_every_dashboard_route_with_an_id_is_in_the_isolation_check():
    assert DASHBOARD_ROUTES_WITH_IDS, "the resolver walk found no dashboard routes"
    assert [route.name for route in DASHBOARD_ROUTES_WITH_IDS if route.name not in ROUTE_OBJECTS] == []


@pytest.mark.parametrize("route", DASHBOARD_ROUTES_WITH_IDS, ids=str)
def test_another_owner_gets_404_for_every_dashboard_page_of_the_first_owners_objects(unchanged_world, route):
    alice, bob = unchanged_world
    path = route.path(route_values(route, alice))
    before = _snapshot(alice.owner)
    bob_client = _client_for(bob.owner)

    get = bob_client.get(path)
    posts = [bob_client.post(path), bob_client.post(path, _acting_body(alice))]

    assert _snapshot(alice.owner) == before
    if {ROUTE_OBJECTS[route.name][name] for name, _converter in route.params} <= NOT_AN_OBJECT:
        return
    assert get.status_code in (404, 405), f"GET {path} as another owner -> {get.status_code}"
    assert [response.status_code for response in posts] == [404, 404], f"POST {path} as another owner"


@pytest.mark.parametrize("route", [route for route in DASHBOARD_ROUTES_WITH_IDS if len(route.params) > 1], ids=str)
def test_an_owners_page_does_not_reach_another_owners_object_through_its_second_id(unchanged_world, route):
    alice, bob = unchanged_world
    first, second = (name for name, _converter in route.params)
    mixed_for_bob = {**route_values(route, bob), second: route_values(route, alice)[second]}
    mixed_for_alice = {**route_values(route, alice), second: route_values(route, bob)[second]}
    before = _snapshot(alice.owner), _snapshot(bob.owner)

    responses = []
    for owner, values in ((bob.owner, mixed_for_bob), (alice.owner, mixed_for_alice)):
        client = _client_for(owner)
        path = route.path(values)
        responses += [client.get(path).status_code, client.post(path, _acting_body(alice)).status_code]

    assert all(status in (404, 405) for status in responses[0::2]), responses
    assert responses[1::2] == [404, 404]
    assert (_snapshot(alice.owner), _snapshot(bob.owner)) == before


@pytest.mark.parametrize("route", DASHBOARD_ROUTES_WITH_IDS, ids=str)
def test_the_owner_reaches_their_own_pages_with_the_same_ids(unchanged_world, route):
    """The other half of the 404 check: the ids used above are real, and their owner gets in."""
    alice, _bob = unchanged_world
    path = route.path(route_values(route, alice))

    status = _client_for(alice.owner).get(path).status_code

    assert status in (200, 302, 405), f"GET {path} as its owner -> {status}"


@pytest.mark.parametrize("route", DASHBOARD_ROUTES, ids=str)
def test_a_visitor_is_sent_to_log_in_from_every_dashboard_page(unchanged_world, route):
    alice, _bob = unchanged_world
    path = route.path(route_values(route, alice)) if route.params else route.path({})
    before = _snapshot(alice.owner)
    client = crawler_client()

    responses = [client.get(path), client.post(path, _acting_body(alice))]

    for response in responses:
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path
    assert _snapshot(alice.owner) == before


@pytest.mark.parametrize("query", [
    "", "?view=past", "?view=cancelled", "?q=alice", "?q=jamie", "?q=example", "?package={package}",
    "?status=active", "?status=confirmed", "?provider=test",
])
@pytest.mark.parametrize("route", DASHBOARD_LISTS, ids=str)
def test_another_owners_lists_show_none_of_the_first_owners_rows(unchanged_world, route, query):
    alice, bob = unchanged_world
    path = route.path({}) + query.format(package=alice.package.pk)

    response = _client_for(bob.owner).get(path, follow=True)

    html = response.content.decode()
    assert response.status_code in (200, 405)  # 405: a POST-only action (connect a provider)
    leaked = [label for label, value in alice.client_details().items() if value in html]
    assert leaked == []
    for own_path in (f"/dashboard/packages/{alice.package.pk}/", f"/dashboard/orders/{alice.order.pk}/",
                     f"/dashboard/payments/{alice.payment.pk}/", f"/dashboard/bookings/{alice.direct_booking.pk}/",
                     f"/dashboard/meeting-types/{alice.meeting_type.pk}/", f"/dashboard/teams/{alice.team.pk}/",
                     f"/dashboard/promo-codes/{alice.promo_code.pk}/"):
        assert f'"{own_path}' not in html, own_path


def test_the_snapshot_sees_a_change_to_an_owners_row_and_to_a_many_to_many_link(world):
    """So the checks above do not pass because the snapshot misses what changed."""
    alice, bob = world
    before = _snapshot(alice.owner)

    MeetingType.objects.filter(pk=alice.meeting_type.pk).update(description="Changed")
    alice.promo_code.packages.add(alice.package)

    after = _snapshot(alice.owner)
    assert [name for name in before if before[name] != after[name]] == ["meeting types", "promo codes: packages"]
    assert all(before[name] for name in ("orders", "bookings", "payments", "teams", "webhook deliveries"))
    assert _snapshot(bob.owner) != before


def test_the_owners_own_lists_do_show_their_rows(world):
    """So the check above is not passing because the lists are empty."""
    alice, _bob = world
    client = _client_for(alice.owner)

    orders = client.get("/dashboard/orders/").content.decode()
    upcoming = client.get("/dashboard/").content.decode()
    payments = client.get("/dashboard/payments/").content.decode()

    assert alice.order.client_name in orders and alice.pending_order.client_name in orders
    assert alice.direct_booking.client_name in upcoming
    assert f"/dashboard/payments/{alice.payment.pk}/" in payments


def test_the_order_details_page_shows_only_its_own_order(world):
    alice, bob = world
    html = Client().get(f"/orders/{alice.order.token}/").content.decode()

    assert alice.order.client_email in html or alice.order.client_name in html
    others = {**bob.client_details(), **alice.client_details()}
    for label in ("order client", "order token", "order booking token"):
        others.pop(label)
    assert [label for label, value in others.items() if value in html] == []


def test_an_invoice_is_reached_only_through_its_own_orders_token(world):
    alice, bob = world
    number = alice.payment.invoice.number
    assert bob.payment.invoice.number == number  # each owner's first invoice

    own = Client().get(f"/orders/{alice.order.token}/invoices/{number}/").content.decode()
    through_bob = Client().get(f"/orders/{bob.order.token}/invoices/{number}/").content.decode()

    assert alice.order.client_email in own or alice.order.client_name in own
    assert [value for value in alice.client_details().values() if value in through_bob] == []
    assert Client().get(f"/orders/{bob.pending_order.token}/invoices/{number}/").status_code == 404


def test_a_gifts_invoice_is_not_shown_to_the_holder_of_the_recipients_order_link(world):
    alice, _ = world
    order = alice.gift.order
    invoice = order.invoices.get()  # the buyer's: it went with their receipt

    assert Client().get(f"/orders/{order.token}/invoices/{invoice.number}/").status_code == 404
    assert _client_for(alice.owner).get(f"/orders/{order.token}/invoices/{invoice.number}/").status_code == 200


def test_the_booking_page_of_an_order_booking_shows_only_that_booking_and_its_order(world):
    alice, bob = world
    html = Client().get(f"/bookings/{alice.order_booking.token}/").content.decode()

    others = {**bob.client_details(), **alice.client_details()}
    for label in ("order client", "order token", "order booking token"):
        others.pop(label)
    assert [label for label, value in others.items() if value in html] == []


def test_the_booking_page_of_a_direct_booking_shows_no_order(world):
    alice, bob = world
    html = Client().get(f"/bookings/{alice.direct_booking.token}/").content.decode()

    others = {**bob.client_details(), **alice.client_details()}
    for label in ("direct booking client", "direct booking token"):
        others.pop(label)
    assert [label for label, value in others.items() if value in html] == []


def test_the_checkout_and_return_pages_show_only_their_own_order(world):
    alice, bob = world
    client = Client()
    pages = [client.get(f"/payments/checkout/{alice.pending_order.token}/").content.decode(),
             client.get(f"/payments/return/{alice.pending_payment.token}/").content.decode()]

    others = {**bob.client_details(), **alice.client_details()}
    for label in ("pending order client", "pending order token", "pending payment token"):
        others.pop(label)
    for html in pages:
        assert [label for label, value in others.items() if value in html] == []


@pytest.mark.parametrize("path", ["/alice/", "/alice/coaching/", "/alice/packages/starter-pack/"])
def test_the_public_pages_of_an_owner_show_no_client(world, path):
    alice, bob = world
    html = Client().get(path).content.decode()

    details = {**alice.client_details(), **bob.client_details()}
    assert [label for label, value in details.items() if value in html] == []


def test_a_client_cannot_book_another_orders_item_through_their_own_token(world):
    alice, bob = world
    before = _snapshot(alice.owner), _snapshot(bob.owner)
    client = Client()
    start = format_slot_start(alice.direct_booking.start.replace(hour=15))

    responses = [
        client.get(f"/orders/{alice.order.token}/items/{bob.order_item.pk}/book/"),
        client.post(f"/orders/{alice.order.token}/items/{bob.order_item.pk}/book/", {"start": start}),
        client.post(f"/orders/{alice.pending_order.token}/items/{alice.order_item.pk}/book/", {"start": start}),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert (_snapshot(alice.owner), _snapshot(bob.owner)) == before


def test_an_owners_calendar_feed_lists_their_sessions_and_no_other_owners(world):
    alice, bob = world
    feed = Client().get(f"/calendar/{alice.owner.calendar_feed_token}.ics").content.decode()

    assert alice.direct_booking.client_email in feed
    others = bob.client_details()
    assert [label for label, value in others.items() if value in feed] == []
    assert alice.owner.calendar_feed_token not in Client().get(f"/calendar/{bob.owner.calendar_feed_token}.ics") \
        .content.decode()


def test_the_crawlers_clients_are_logged_in_as_force_login_leaves_them(world):
    alice, _bob = world
    usual = Client()
    usual.force_login(alice.owner)
    quick = logged_in_client(alice.owner)

    assert dict(quick.session.items()) == dict(usual.session.items())
    response = quick.get("/dashboard/")
    assert response.status_code == 200 and response.wsgi_request.user == alice.owner


def test_the_crawlers_clients_share_one_middleware_chain_and_each_keeps_its_own_visitor(world):
    alice, bob = world
    as_alice, as_bob, anonymous = logged_in_client(alice.owner), logged_in_client(bob.owner), crawler_client()

    responses = [client.get("/dashboard/") for client in (as_alice, as_bob, anonymous)]

    assert as_alice.handler is as_bob.handler is anonymous.handler
    assert [response.wsgi_request.user for response in responses[:2]] == [alice.owner, bob.owner]
    assert responses[2].status_code == 302 and responses[2]["Location"].startswith("/accounts/login/")
    assert Client().handler is not anonymous.handler  # a Client of the test's own keeps its own chain
