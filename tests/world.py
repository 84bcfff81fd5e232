"""A small complete world for the cross-app robustness and isolation tests: two owners, each with
meeting types, weekly hours, a date override, a package with a question, a paid active order with a
booking, a pending order, a direct booking and payments; plus the project's URL patterns, walked
from the resolver, with the objects each path parameter names."""
import contextlib
import copy
import datetime as dt
import gc
import logging
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.dispatch.dispatcher import _make_id
from django.test import Client
from django.test.client import ClientHandler, closing_iterator_wrapper, conditional_content_removal
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from api.models import ApiKey, ApiKeyScope
from api.services import api_key_create
from calendars.models import Calendar, CalendarConnection, ConnectionKind
from clients.selectors import client_reference
from memberships.models import PackageMembership
from orders.gifts import GiftDetails
from orders.models import Gift, OrderStatus, PackageOrder
from orders.services import order_create, order_session_book
from packages.models import InviteeQuestion, PaymentMedium, QuestionKind
from payments import services as payment_services
from payments.models import Payment, Provider
from promotions.models import PromoCode
from scheduling.availability import available_slots
from scheduling.models import Booking, DateOverride, MeetingType
from scheduling.services import booking_create
from teams import services as team_services
from teams.models import Invitation, Membership, Team, TeamMeetingType
from teams.rules import invitation_token
from tests import make_meeting_type, make_owner, make_package, set_weekly_hours, suite_clock
from waitlists.models import WaitlistEntry
from webhooks.models import Delivery, DeliveryStatus, EventType, WebhookEndpoint

# --- The world ----------------------------------------------------------------------------------


@dataclass
class OwnerWorld:
    """One owner's objects, by the kind of thing a URL parameter names."""

    owner: object
    meeting_type: MeetingType
    override: DateOverride
    package: object
    question: InviteeQuestion
    order: PackageOrder
    pending_order: PackageOrder
    order_item: object
    order_booking: Booking
    direct_booking: Booking
    payment: Payment
    pending_payment: Payment
    team: Team
    team_meeting_type: TeamMeetingType
    team_invitation: Invitation
    promo_code: PromoCode
    gift: Gift
    calendar_connection: CalendarConnection
    api_key: ApiKey  # read-write
    api_key_secret: str  # its key, as the owner copied it
    webhook_endpoint: WebhookEndpoint  # disabled, so nothing the crawlers do is sent anywhere
    webhook_delivery: Delivery
    waitlist_entry: WaitlistEntry
    membership: PackageMembership
    # ids() and strings(), read once (route_values asks for them about ten times a route); copied
    # with the world, so a module's tests reuse what its world was built with.
    _read_once: dict = field(default_factory=dict, repr=False, compare=False)

    def ids(self) -> dict[str, int]:
        if "ids" not in self._read_once:
            self._read_once["ids"] = self._ids()
        return dict(self._read_once["ids"])

    def strings(self) -> dict[str, str]:
        if "strings" not in self._read_once:
            self._read_once["strings"] = self._strings()
        return dict(self._read_once["strings"])

    def _ids(self) -> dict[str, int]:
        return {
            "calendar_connection": self.calendar_connection.pk,
            "team": self.team.pk, "team_meeting_type": self.team_meeting_type.pk,
            "team_invitation": self.team_invitation.pk,
            "team_member": Membership.objects.get(team=self.team, user=self.owner).pk,
            "meeting_type": self.meeting_type.pk, "override": self.override.pk, "package": self.package.pk,
            "question": self.question.pk, "order": self.order.pk, "order_item": self.order_item.pk,
            "booking": self.order_booking.pk, "direct_booking": self.direct_booking.pk,
            "payment": self.payment.pk, "promo_code": self.promo_code.pk, "api_key": self.api_key.pk,
            "webhook_endpoint": self.webhook_endpoint.pk, "webhook_delivery": self.webhook_delivery.pk,
            "waitlist_entry": self.waitlist_entry.pk, "membership": self.membership.pk,
        }

    def client_details(self) -> dict[str, str]:
        """What only this owner (and each client, through their own token) may see."""
        return {
            "order client": self.order.client_email, "pending order client": self.pending_order.client_email,
            "direct booking client": self.direct_booking.client_email,
            "order token": self.order.token, "pending order token": self.pending_order.token,
            "order booking token": self.order_booking.token, "direct booking token": self.direct_booking.token,
            "paid payment token": self.payment.token, "pending payment token": self.pending_payment.token,
            "calendar feed token": self.owner.calendar_feed_token,
            "gift buyer": self.gift.buyer_email, "gift recipient": self.gift.recipient_email,
            "gift token": self.gift.token, "gift order token": self.gift.order.token,
            "package private token": self.package.private_token,
            "API key": self.api_key_secret,
            "webhook secret": self.webhook_endpoint.secret,
            "waitlist client": self.waitlist_entry.client_email,
        }

    def _strings(self) -> dict[str, str]:
        return {
            "owner_slug": self.owner.slug, "package_slug": self.package.slug,
            "package_private_token": self.package.private_token,
            "meeting_type_slug": self.meeting_type.slug, "order_token": self.order.token,
            "pending_order_token": self.pending_order.token, "booking_token": self.order_booking.token,
            "payment_token": self.pending_payment.token,
            "team_slug": self.team.slug, "team_meeting_type_slug": self.team_meeting_type.slug,
            "invitation_token": invitation_token(self.team_invitation.pk),
            "meeting_type_secret": self.meeting_type.secret_token,
            "team_meeting_type_secret": self.team_meeting_type.secret_token,
            "calendar_feed_token": self.owner.calendar_feed_token,
            "gift_token": self.gift.token,
            # The paid order's invoice (INV-0001 in both worlds: numbers are per owner).
            "invoice_number": self.payment.invoice.number,
            "client_reference": client_reference(owner_id=self.owner.pk, email=self.order.client_email),
        }


def _first_slot(meeting_type: MeetingType, *, days_ahead: int) -> dt.datetime:
    start = timezone.now() + dt.timedelta(days=days_ahead)
    slots = available_slots(meeting_type=meeting_type, range_start=start, range_end=start + dt.timedelta(days=7))
    return slots[0].start


def make_owner_world(*, email: str, slug: str) -> OwnerWorld:
    owner = make_owner(email=email, slug=slug, display_name=slug.title())
    set_weekly_hours(owner, {day: [(dt.time(9), dt.time(17))] for day in range(7)})
    meeting_type = make_meeting_type(owner, name="Coaching", slug="coaching")
    override = DateOverride.objects.create(
        owner=owner, date=timezone.now().date() + dt.timedelta(days=30), start_time=dt.time(10), end_time=dt.time(12)
    )
    # With the lifecycle policies on, so the order page renders its extend form and the client's
    # booking page its late-cancel warning to the crawlers.
    package = make_package(owner, items=[(meeting_type, 3)], name="Starter pack", slug="starter-pack",
                           price=Decimal("90.00"), payment_medium=PaymentMedium.STRIPE, cancel_window_hours=24 * 7,
                           expiry_kind="after_purchase", expiry_days=365)
    question = InviteeQuestion.objects.create(package=package, text="Your goal?", kind=QuestionKind.SHORT_TEXT)
    answers = [{"question": "Your goal?", "kind": "short_text", "answer": "Focus"}]

    order = order_create(package=package, client_name=f"Jamie {slug.title()}-client",
                         client_email=f"jamie@{slug}.example", answers=answers, terms_accepted=True,
                         client_timezone="Europe/London")
    payment = payment_services.payment_start(order=order, provider=Provider.TEST)
    payment_services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    order_item = order.items.get()
    order_booking = order_session_book(item=order_item, start=_first_slot(meeting_type, days_ahead=3))

    pending_order = order_create(package=package, client_name=f"Pat {slug.title()}-pending",
                                 client_email=f"pat@{slug}.example", answers=answers, terms_accepted=True)
    pending_payment = payment_services.payment_start(order=pending_order, provider=Provider.TEST)

    # A paid gift, to be sent in a month: the buyer's gift page.
    gift_order = order_create(
        package=package, client_name=f"Gale {slug.title()}-buyer", client_email=f"gale@{slug}.example",
        answers=answers, terms_accepted=True, client_timezone="Europe/London",
        gift=GiftDetails(recipient_name=f"Remy {slug.title()}-recipient", recipient_email=f"remy@{slug}.example",
                         message="Enjoy!", send_on=timezone.now().date() + dt.timedelta(days=30)))
    gift_payment = payment_services.payment_start(order=gift_order, provider=Provider.TEST)
    payment_services.payment_confirm(payment_id=gift_payment.pk, amount=gift_payment.amount,
                                     currency=gift_payment.currency)
    gift = Gift.objects.select_related("order").get(order=gift_order)

    direct_booking = booking_create(
        meeting_type=meeting_type, start=_first_slot(meeting_type, days_ahead=5),
        client_name=f"Dana {slug.title()}-direct", client_email=f"dana@{slug}.example",
    )
    # A team of the owner's (admin) with a round-robin meeting type and a pending invitation.
    team = team_services.team_create(owner=owner, name=f"{slug.title()} Team", slug=f"{slug}-team",
                                     timezone_name=owner.timezone)
    team_meeting_type = team_services.team_meeting_type_save(
        team=team, by=owner, memberships=list(team.memberships.all()),
        fields={"name": "Team intro", "slug": "team-intro", "kind": "round_robin", "min_notice_minutes": 0})
    team_invitation = team_services.invitation_create(team=team, by=owner, email=f"invitee@{slug}.example")
    promo_code = PromoCode.objects.create(owner=owner, code=f"{slug.upper()}10", value=Decimal("10"), max_uses=5)
    # An ICS feed of the owner's, as a refresh leaves it (made without the network: nothing here is fetched).
    calendar_connection = CalendarConnection.objects.create(
        owner=owner, kind=ConnectionKind.FEED, name=f"{slug.title()} work calendar",
        url=f"https://calendar.example/{slug}.ics")
    Calendar.objects.create(owner=owner, connection=calendar_connection, url=calendar_connection.url,
                            name=calendar_connection.name)
    new_key = api_key_create(owner=owner, name=f"{slug.title()} CRM", scope=ApiKeyScope.READ_WRITE)
    # A webhook endpoint that gave up (disabled: the crawlers' bookings record nothing for it), with
    # one failed delivery.
    webhook_endpoint = WebhookEndpoint.objects.create(
        owner=owner, url=f"https://hooks.example.com/{slug}", events=list(EventType.values), enabled=False,
        disabled_at=timezone.now(), disabled_reason="The endpoint answered 503.")
    webhook_delivery = Delivery.objects.create(
        endpoint=webhook_endpoint, event_type=EventType.BOOKING_CREATED, payload={"id": direct_booking.pk},
        status=DeliveryStatus.FAILED, attempts=12, give_up_at=timezone.now(), last_response_code=503,
        last_response_excerpt="Service unavailable")
    # Someone waiting for a seat (a row as joining leaves it: the world's type is 1:1, never full).
    waitlist_entry = WaitlistEntry.objects.create(
        meeting_type=meeting_type, start=direct_booking.start, client_name=f"Wes {slug.title()}-waiting",
        client_email=f"wes@{slug}.example", position=1)
    # A membership row of the paid order (as a test-provider membership leaves it), so the Members
    # page has a member and its buttons name an object of this owner.
    membership = PackageMembership.objects.create(
        order=order, owner=owner, provider="test", current_period_start=timezone.now(),
        current_period_end=timezone.now() + dt.timedelta(days=30))
    return OwnerWorld(
        owner=owner, meeting_type=meeting_type, override=override, package=package, question=question,
        order=order, pending_order=pending_order, order_item=order_item, order_booking=order_booking,
        direct_booking=direct_booking, payment=payment, pending_payment=pending_payment,
        team=team, team_meeting_type=team_meeting_type, team_invitation=team_invitation, promo_code=promo_code,
        gift=gift, calendar_connection=calendar_connection, api_key=new_key.api_key, api_key_secret=new_key.key,
        webhook_endpoint=webhook_endpoint, webhook_delivery=webhook_delivery,
        waitlist_entry=waitlist_entry, membership=membership,
    )


def make_world() -> tuple[OwnerWorld, OwnerWorld]:
    return (make_owner_world(email="alice@example.com", slug="alice"),
            make_owner_world(email="bob@example.com", slug="bob"))


@contextlib.contextmanager
def world_for_the_module(django_db_blocker, build=make_world):
    """`build()` once for a test module (per xdist worker) instead of once per test: the world
    is written inside a transaction that stays open while the module's tests run and is rolled
    back after the last one. Each test runs in a savepoint inside it (pytest-django's `db`), so
    what a test writes is gone before the next, as when every test built its own world. Built
    at the suite's clock, standing still, so every row is dated at or before "now" in the tests.
    Tests take a copy (`fresh_copy`), so no test sees instances another one changed.

    While the module runs, Django logs only the server errors of its requests (client_errors_unlogged)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with time_machine.travel(suite_clock(), tick=False):
                built = build()
                for world in built if isinstance(built, tuple) else ():
                    if isinstance(world, OwnerWorld):
                        world.ids(), world.strings()  # read once, before the tests copy the world
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    _module_handler["up"] = True
    try:
        with client_errors_unlogged(), long_lived_objects_frozen():
            yield built
    finally:
        _module_handler.clear()  # the next module builds its own, under its own settings
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@contextlib.contextmanager
def long_lived_objects_frozen():
    """Every object alive now (Django's and the project's modules, the URL patterns, the compiled
    templates, the world) left out of the garbage collector's full collections while the module
    runs (gc.freeze): they live to its end anyway, and each full collection walked them all again,
    some 100 ms a time as the run went on. Objects made by the tests are collected as before; at
    the end the frozen ones are handed back to the collector (gc.unfreeze)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def client_errors_unlogged():
    """Django logs every 4xx answer as a warning ("Not Found: /path"), which the console handler
    and pytest's capture then format: a quarter or more of the CPU of a plain 404, and the crawlers
    answer some 7,000 of them. They look for server errors, which are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# Field values that no test can change in place: a copy shares them with the original.
_IMMUTABLE = (type(None), bool, int, float, str, bytes, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta,
              uuid.UUID, dt.tzinfo)
_SHARED = frozenset(_IMMUTABLE) - {dt.tzinfo}


def fresh_copy(built):
    """A copy of the world in which no test sees instances another one changed: every model instance
    is a new one, with its own related objects (one copy of an object the world names twice, as
    deepcopy keeps them) and its own copy of each mutable value (a JSON list or dict). A quarter of
    deepcopy's CPU: deepcopy pickles each instance's state and copies every string and date in it."""
    return _copy(built, {})


def _copy(value, memo: dict):
    if isinstance(value, _IMMUTABLE):
        return value
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, Model):
        clone = memo[id(value)] = value.__class__.__new__(value.__class__)
        state = ModelState.__new__(ModelState)
        state.__dict__.update(value._state.__dict__)
        state.fields_cache = {name: _copy(related, memo) for name, related in value._state.fields_cache.items()}
        # Most values are strings, numbers and dates: kept without a call.
        clone.__dict__.update({name: item if type(item) in _SHARED else _copy(item, memo)
                               for name, item in value.__dict__.items() if name != "_state"})
        clone._state = state
        return clone
    if isinstance(value, OwnerWorld):
        clone = memo[id(value)] = copy.copy(value)
        for name in OwnerWorld.__dataclass_fields__:
            setattr(clone, name, _copy(getattr(value, name), memo))
        return clone
    if type(value) is tuple:
        return tuple(_copy(item, memo) for item in value)
    return copy.deepcopy(value, memo)


class CrawlerHandler(ClientHandler):
    """Django's ClientHandler without a leak that slowed the crawlers' garbage collections. The
    test Client keeps close_old_connections (which would close the test's own connection, a
    transaction in progress) out of request_started and request_finished by disconnecting it
    and connecting it again around every request; and every Signal.connect() registers a
    weakref.finalize on the receiver, here a module function that never dies: two a request,
    some 40,000 over a crawler module, each walked by every full collection (they are made after
    long_lived_objects_frozen, so they are not frozen) and 21 us of connect and disconnect a
    request. Here the receiver is taken out of the signal's list and put back at its end, where
    connect() puts it: the same receivers see the same signals, and the view the same request."""

    def __call__(self, environ):
        if self._middleware_chain is None:
            self.load_middleware()

        with _receiver_left_out(request_started, close_old_connections):
            request_started.send(sender=ClientHandler, environ=environ)
        request = WSGIRequest(environ)
        request._dont_enforce_csrf_checks = not self.enforce_csrf_checks
        response = self.get_response(request)
        conditional_content_removal(request, response)
        response.wsgi_request = request
        if response.streaming:
            # Rare under the crawlers (exports, files): closed as Django's handler closes them.
            response.streaming_content = closing_iterator_wrapper(response.streaming_content, response.close)
        else:
            with _receiver_left_out(request_finished, close_old_connections):
                response.close()  # sends request_finished
        return response


@contextlib.contextmanager
def _receiver_left_out(signal, receiver):
    """`signal` without `receiver` for the block, as disconnect() and connect() would leave it,
    without a new weak reference and its finalizer."""
    key = _make_id(receiver)
    with signal.lock:
        left_out = [entry for entry in signal.receivers if entry[0][0] == key]
        signal.receivers = [entry for entry in signal.receivers if entry[0][0] != key]
        signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        with signal.lock:
            signal.receivers = [entry for entry in signal.receivers if entry[0][0] != key] + left_out
            signal.sender_receivers_cache.clear()


# The one handler of the module's crawler clients (crawler_client), while its world is up.
_module_handler: dict = {}


def crawler_client() -> Client:
    """A test Client that shares one handler with the module's other crawler clients. A Client
    builds Django's middleware chain (every middleware's __init__, WhiteNoise's included) on its
    first request, and the crawlers make some 1,500 of them, three a test: one chain per module
    serves them all. The chain holds no visitor's state (cookies and the session are the
    Client's), and it is built at the module's first request, under the settings its tests share.
    Outside a module's world (world_for_the_module) each Client has its own. The handler is a
    CrawlerHandler."""
    client = Client()
    handler = CrawlerHandler(enforce_csrf_checks=client.handler.enforce_csrf_checks)
    if _module_handler.get("up"):
        handler = _module_handler.setdefault("handler", handler)
    client.handler = handler
    return client


def logged_in_client(user) -> Client:
    """A crawler's test Client logged in as `user` (tests.personas.log_in: force_login's session
    without user_logged_in, 60 % of its CPU, for a log-in the crawlers, which log in some 1,400
    times, do not test)."""
    from tests.personas import log_in

    client = crawler_client()
    log_in(client, user)
    return client


# --- The URL patterns ---------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Route:
    name: str  # "namespace:name"
    route: str  # "dashboard/packages/<int:pk>/"
    params: list[tuple[str, str]] = field(default_factory=list)  # [(name, converter)]

    def path(self, values: dict[str, str]) -> str:
        return "/" + _PARAM.sub(lambda match: values[match["name"]], self.route)

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}".strip(":"), pattern


def project_routes() -> list[Route]:
    """Every route of the project except Django's admin (its own code, staff only, regex routes)."""
    routes = []
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or route.startswith("^"):
            continue
        params = [(match["name"], match["converter"] or "str") for match in _PARAM.finditer(route)]
        routes.append(Route(name=name, route=route, params=params))
    return routes


# Which object of an owner's world each parameter names, route by route. A new route with a
# parameter fails the tests until it is added here (and so gets crawled and isolation-checked).
ROUTE_OBJECTS: dict[str, dict[str, str]] = {
    "accounts:password_reset_confirm": {"uidb64": "junk", "token": "junk"},
    "accounts:verify_email": {"uidb64": "junk", "token": "junk"},
    "packages:edit": {"pk": "package"},
    "packages:save_info": {"pk": "package"},
    "packages:save_invitee_preferences": {"pk": "package"},
    "packages:save_payment_preferences": {"pk": "package"},
    "packages:question_add": {"pk": "package"},
    "packages:question_edit": {"pk": "package", "question_pk": "question"},
    "packages:question_delete": {"pk": "package", "question_pk": "question"},
    "packages:question_move": {"pk": "package", "question_pk": "question"},
    "packages:enable": {"pk": "package"},
    "packages:disable": {"pk": "package"},
    "packages:delete": {"pk": "package"},
    "orders:detail": {"pk": "order"},
    "orders:book": {"pk": "order", "item_id": "order_item"},
    "orders:booking_reschedule": {"pk": "order", "booking_id": "booking"},
    "orders:booking_cancel": {"pk": "order", "booking_id": "booking"},
    "orders:resend_confirmation": {"pk": "order"},
    "orders:cancel": {"pk": "order"},
    "orders:credit_adjust": {"pk": "order"},
    "orders:extend": {"pk": "order"},
    "orders:booking_attendance": {"pk": "order", "booking_id": "booking"},
    "orders:booking_return_credit": {"pk": "order", "booking_id": "booking"},
    "dashboard:booking_attendance": {"pk": "direct_booking"},
    "packages:save_policies": {"pk": "package"},
    "packages:save_limits": {"pk": "package"},
    "packages:save_listing": {"pk": "package"},
    "packages:regenerate_private_link": {"pk": "package"},
    "payments_dashboard:detail": {"pk": "payment"},
    "payments_dashboard:refund": {"pk": "payment"},
    "payments_dashboard:order_refund": {"order_pk": "order"},
    "payments_dashboard:order_cancel": {"order_pk": "order"},
    "payments_dashboard:mark_refunded_outside": {"pk": "payment"},
    "payments_dashboard:disconnect": {"provider": "provider"},
    "dashboard:booking_detail": {"pk": "direct_booking"},
    "dashboard:booking_cancel": {"pk": "direct_booking"},
    "dashboard:booking_reschedule": {"pk": "direct_booking"},
    "dashboard:meeting_type_edit": {"pk": "meeting_type"},
    "dashboard:meeting_type_state": {"pk": "meeting_type"},
    "dashboard:meeting_type_delete": {"pk": "meeting_type"},
    "dashboard:meeting_type_secret_link": {"pk": "meeting_type"},
    "packages:make_package_only": {"pk": "package", "meeting_type_pk": "meeting_type"},
    "dashboard:availability_override_delete": {"pk": "override"},
    "order_details:detail": {"token": "order_token"},
    "order_details:gift": {"token": "gift_token"},
    "order_details:book": {"token": "order_token", "item_id": "order_item"},
    "bookings:manage": {"token": "booking_token"},
    "bookings:calendar": {"token": "booking_token"},
    "calendar_feed:feed": {"token": "calendar_feed_token"},
    "order_details:calendar": {"token": "order_token"},
    "order_details:sessions": {"token": "order_token"},
    "bookings:reschedule": {"token": "booking_token"},
    "bookings:cancel": {"token": "booking_token"},
    "payments:checkout": {"order_token": "pending_order_token"},
    "invoice_documents:order": {"token": "order_token", "number": "invoice_number"},
    "invoice_documents:order_pdf": {"token": "order_token", "number": "invoice_number"},
    # The world's booking is a session of its order: no invoice of its own (404), as for any number.
    "invoice_documents:booking": {"token": "booking_token", "number": "invoice_number"},
    "invoice_documents:booking_pdf": {"token": "booking_token", "number": "invoice_number"},
    "payments:return": {"token": "payment_token"},
    "payments:test_checkout": {"token": "payment_token"},
    # A booking that is not held for payment: the checkout sends its visitor to the booking's page.
    "payments:session_checkout": {"booking_token": "booking_token"},
    "public:owner_page": {"owner_slug": "owner_slug"},
    "public:order_package": {"owner_slug": "owner_slug", "package_slug": "package_slug"},
    "public:order_private_package": {"owner_slug": "owner_slug", "token": "package_private_token"},
    "public:book_meeting": {"owner_slug": "owner_slug", "meeting_type_slug": "meeting_type_slug"},
    "calendars:detail": {"pk": "calendar_connection"},
    "calendars:refresh": {"pk": "calendar_connection"},
    "calendars:remove": {"pk": "calendar_connection"},
    "public:book_secret": {"owner_slug": "owner_slug", "token": "meeting_type_secret"},
    "public:waitlist": {"owner_slug": "owner_slug", "meeting_type_slug": "meeting_type_slug"},
    # A claim link's token is known only to the client it was emailed to: a junk one opens nothing.
    "public:waitlist_claim": {"owner_slug": "owner_slug", "meeting_type_slug": "meeting_type_slug", "token": "junk"},
    "waitlists:remove": {"pk": "waitlist_entry"},
    "memberships:renew_now": {"pk": "membership"},
    "memberships:fail_renewal": {"pk": "membership"},
    "packages:save_membership": {"pk": "package"},
    "membership_client:pay": {"token": "order_token"},
    # Pause, resume, cancel or keep; anything else is a 404.
    "membership_client:action": {"token": "order_token", "action": "junk"},
    # A payment plan's buttons (the world's order is paid in full: each says there is no plan).
    "instalments:pay": {"token": "order_token", "number": "order_item"},
    "instalments:pay_rest": {"token": "order_token"},
    "instalments:test_fail_next": {"token": "order_token"},
    "instalments:test_charge_next": {"token": "order_token"},
    "teams:detail": {"pk": "team"},
    "teams:settings": {"pk": "team"},
    "teams:invite": {"pk": "team"},
    "teams:invitation_revoke": {"pk": "team", "invitation_pk": "team_invitation"},
    "teams:member_remove": {"pk": "team", "member_pk": "team_member"},
    "teams:member_role": {"pk": "team", "member_pk": "team_member"},
    "teams:leave": {"pk": "team"},
    "teams:meeting_type_new": {"pk": "team"},
    "teams:meeting_type_edit": {"pk": "team", "mt_pk": "team_meeting_type"},
    "teams:meeting_type_state": {"pk": "team", "mt_pk": "team_meeting_type"},
    "clients:detail": {"reference": "client_reference"},
    "clients:export": {"reference": "client_reference"},
    "clients:erase": {"reference": "client_reference"},
    "promotions:edit": {"pk": "promo_code"},
    "promotions:enable": {"pk": "promo_code"},
    "promotions:disable": {"pk": "promo_code"},
    "promotions:delete": {"pk": "promo_code"},
    "teams:meeting_type_secret_link": {"pk": "team", "mt_pk": "team_meeting_type"},
    "team_public:join": {"token": "invitation_token"},
    "team_public:team_page": {"team_slug": "team_slug"},
    "team_public:book": {"team_slug": "team_slug", "meeting_type_slug": "team_meeting_type_slug"},
    "team_public:book_secret": {"team_slug": "team_slug", "token": "team_meeting_type_secret"},
    "api_keys:revoke": {"pk": "api_key"},
    "webhooks:detail": {"pk": "webhook_endpoint"},
    "webhooks:rotate": {"pk": "webhook_endpoint"},
    "webhooks:enable": {"pk": "webhook_endpoint"},
    "webhooks:remove": {"pk": "webhook_endpoint"},
    "webhooks:delivery": {"pk": "webhook_endpoint", "delivery_pk": "webhook_delivery"},
    "webhooks:resend": {"pk": "webhook_endpoint", "delivery_pk": "webhook_delivery"},
    "api:meeting_type": {"pk": "meeting_type"},
    "api:free_times": {"pk": "meeting_type"},
    "api:package": {"pk": "package"},
    "api:order": {"pk": "order"},
    "api:booking": {"pk": "direct_booking"},
    "api:booking_reschedule": {"pk": "direct_booking"},
    "api:booking_cancel": {"pk": "direct_booking"},
    "api:booking_attendance": {"pk": "booking"},
    "embed:owner_page": {"owner_slug": "owner_slug"},
    "embed:book_meeting": {"owner_slug": "owner_slug", "meeting_type_slug": "meeting_type_slug"},
    "embed:booked": {"token": "booking_token"},
    # A client's sign-in link names no object of an owner's world: a junk one must open nothing.
    "portal:sign_in": {"token": "junk"},
    # The client pages' language switcher names a language, no object: an unknown one changes nothing.
    "switch_language": {"code": "junk"},
}


def route_values(route: Route, world: OwnerWorld) -> dict[str, str]:
    """The path values of `route` that name `world`'s objects."""
    objects = ROUTE_OBJECTS[route.name]
    ids, strings = world.ids(), world.strings()
    values = {}
    for name, _converter in route.params:
        kind = objects[name]
        if kind in ids:
            values[name] = str(ids[kind])
        elif kind in strings:
            values[name] = strings[kind]
        elif kind == "provider":
            values[name] = "stripe"
        else:
            values[name] = "MQ" if name == "uidb64" else "set-password"
    return values
