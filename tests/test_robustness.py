"""No request answers with a server error (DESIGN.md). A crawler over every URL pattern of the
project: path values of owner A, of owner B and malformed ones (NUL byte, 500 characters,
unicode, negative and huge integers), GET with hostile query strings and POST with empty and
garbage bodies, as an anonymous visitor, as A and as B. Run it on PostgreSQL too: that is where
NUL bytes and integers beyond bigint turn into server errors."""
import datetime as dt
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlencode

import pytest
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import Resolver404, resolve, reverse

from scheduling.booking_forms import TIME_UNAVAILABLE
from scheduling.models import BookingStatus
from scheduling.selectors import format_slot_start
from tests.world import (
    ROUTE_OBJECTS,
    Route,
    crawler_client,
    fresh_copy,
    logged_in_client,
    project_routes,
    route_values,
    world_for_the_module,
)

NUL = "a\x00b"
HUGE = "99999999999999999999"
LONG = "x" * 500
UNICODE = "ünï✓"

# Values every path parameter takes in turn, besides the real ones of A and B.
MALFORMED_PATH_VALUES = [NUL, LONG, UNICODE, "-1", "0", HUGE, "%", ".."]

# Every query parameter a page reads, with hostile values.
HOSTILE_QUERIES = [
    {key: NUL for key in ("package", "status", "provider", "q", "date", "week", "tz", "item", "page", "start",
                          "view", "booked", "cancelled", "next", "month", "clock", "fragment", "date_from", "date_to",
                          "picks", "weeks", "repeat")},
    {key: HUGE for key in ("package", "status", "page", "date", "week", "start", "item", "month", "clock", "date_from",
                           "date_to", "weeks")},
    {"fragment": "picker", "month": "9999-12", "date": "0001-01-01", "tz": "Berl", "clock": "24"},
    {"package": "-1", "page": "-1", "date": "9999-99-99", "week": "0000-01-01", "start": "9999-12-31T23:59:59+14:00",
     "tz": "../../etc/passwd", "q": LONG * 10},
    {"date": "9999-12-31", "week": "9999-12-31", "start": "0001-01-01T00:00:00-14:00", "tz": "UTC"},
]

# Every form field name the project's forms use, with hostile values: a POST to any page carries
# all of them, so whichever form the page binds meets them.
_FIELD_NAMES = (
    "name", "slug", "description", "kind", "capacity", "duration", "duration_minutes", "location_kind",
    "location_details", "min_notice", "horizon_days", "slot_step", "buffer_before", "buffer_after",
    "email_reminders_enabled", "sms_reminders_enabled", "email_offsets_common", "email_offsets_other",
    "sms_offsets_common", "sms_offsets_other", "requires_mobile", "state", "date", "start", "end", "reason",
    "client_name", "client_first_name", "client_last_name", "client_email", "client_phone", "client_timezone",
    "terms_accepted", "name_format", "ordering_information", "price", "currency", "payment_medium", "terms",
    "text", "required", "choices", "question-text", "question-kind", "question-required", "question-choices",
    "direction", "next", "action", "account_id", "email", "merchant_id", "display_name", "timezone",
    "notify_owner_by_email", "username", "password", "password1", "password2", "new_password1",
    "new_password2", "items-TOTAL_FORMS", "items-INITIAL_FORMS", "items-MIN_NUM_FORMS", "items-MAX_NUM_FORMS",
    "items-0-meeting_type", "items-0-quantity", "items-0-DELETE", "d0-rows", "d0-0-start", "d0-0-end",
    "rows", "0-start", "0-end", "answer_1", "question_1", "MessageSid", "MessageStatus", "From", "To", "Body",
    # The package lifecycle (issue 16): policies, credit adjustments, extensions, attendance,
    # owner-issued orders and booking several sessions.
    "cancel_window_hours", "late_cancel_forfeits", "no_show_forfeits", "expiry_kind", "expiry_days",
    "book_reminder_enabled", "book_reminder_days", "item", "change", "note", "days", "attendance", "mode",
    "package", "picks", "weeks", "repeat",
    # Where we meet (issue 27): who calls whom.
    "phone_caller",
)
GARBAGE_BODIES = [
    {name: NUL for name in _FIELD_NAMES},
    {name: HUGE for name in _FIELD_NAMES},
    {name: LONG * 20 for name in _FIELD_NAMES},
    {**{name: "-1" for name in _FIELD_NAMES}, "add_meeting_type": "1"},
    {"start": "9999-12-31T23:59:59+14:00", "date": "9999-12-31", "d0-rows": "1", "d0-0-start": "23:59",
     "d0-0-end": "24:00", "rows": "1", "0-start": "00:00", "0-end": "23:59", "client_name": "Ann",
     "client_email": "ann@example.com", "client_timezone": "Pacific/Kiritimati", "terms_accepted": "on"},
    {"start": "0001-01-01T00:00:00-14:00", "date": "0001-01-01", "price": "1e999", "currency": "usd",
     "items-TOTAL_FORMS": "1000000", "items-INITIAL_FORMS": "0", "items-0-quantity": "1e9"},
]

# The garbage bodies as the test Client encodes a dict (multipart), encoded once: the third is
# 1.5 MB, and encoding the bodies anew for each of the ~4,100 posts of them took 2 % of the
# crawler's CPU. Posted as bytes under the same content type, the view receives the same request.
# An equal string, not MULTIPART_CONTENT itself: the Client takes that one (by identity) to mean
# "encode this dict".
_BODY_CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY
ENCODED_GARBAGE_BODIES = [encode_multipart(BOUNDARY, body) for body in GARBAGE_BODIES]


def _path_value(value: str) -> str:
    return quote(value, safe="")


def _reaches_a_view(path: str) -> bool:
    try:
        resolve(unquote(path.split("?")[0]))
    except Resolver404:
        return False
    return True


def _malformed_value_sets(route: Route, alice) -> list[dict[str, str]]:
    """Each malformed value (all parameters bad, then only the last beside real ones). A value the
    route's converters refuse (a NUL byte where an <int:...> is expected) never reaches a view:
    the resolver answers 404 for all of them alike, so one such value per kind of set is sent."""
    sets, refused = [], set()
    for bad in MALFORMED_PATH_VALUES:
        all_bad = {name: _path_value(bad) for name, _converter in route.params}
        # One bad value beside real ones: the first lookup passes, the second must still not fail.
        # (With a single parameter this is the set above: it is sent once.)
        mixed = route_values(route, alice)
        mixed[route.params[-1][0]] = _path_value(bad)
        for kind, values in (("all", all_bad), ("mixed", mixed)):
            if values in sets:
                continue
            if not _reaches_a_view(route.path(values)):
                if kind in refused:
                    continue
                refused.add(kind)
            sets.append(values)
    return sets


def _all_requests(client: Client, path: str) -> list[tuple[str, object]]:
    """Every kind of request: a plain GET, GETs with hostile query strings, an empty POST, POSTs
    of garbage bodies and a JSON body."""
    requests = [("GET", lambda: client.get(path))]
    for query in HOSTILE_QUERIES:
        requests.append((f"GET ?{sorted(query)}", lambda query=query: client.get(f"{path}?{urlencode(query)}")))
    requests.append(("POST empty", lambda: client.post(path)))
    for index, body in enumerate(ENCODED_GARBAGE_BODIES):
        requests.append((f"POST garbage #{index}",
                         lambda body=body: client.post(path, body, content_type=_BODY_CONTENT_TYPE)))
    requests.append(("POST json", lambda: client.post(
        path, data='{"id": "\\u0000", "type": [1]}', content_type="application/json")))
    return requests


def _plan(route: Route, alice, bob) -> list[tuple[str, dict[str, str], bool]]:
    """(visitor, path values, every request kind or only GET and an empty POST), one entry per
    value class instead of the full product of visitors x values x request kinds:
    - the real values of A: every request kind, as each visitor (anonymous, A, B): hostile
      queries and bodies reach furthest on real objects;
    - the real values of B: every request kind, as A (hostile input on another owner's object);
    - each malformed value (all parameters bad, then only the last): a GET and an empty POST, as
      an anonymous visitor and as A: a bad path value is refused at the lookup, whatever the query
      or body says, and names no owner's object (B would run A's code to the same refusal).
    A route without parameters gets every request kind as each visitor."""
    visitors = ("anonymous", "alice", "bob")
    if not route.params:
        return [(who, {}, True) for who in visitors]
    plan = [(who, route_values(route, alice), True) for who in visitors]
    plan.append(("alice", route_values(route, bob), True))
    for values in _malformed_value_sets(route, alice):
        plan += [(who, values, False) for who in ("anonymous", "alice")]
    return plan


def _requests(client: Client, path: str, every_kind: bool = True):
    """(description, response) of the requests made to `path`. Each runs in a savepoint rolled
    back afterwards, so every request meets the same world (a first POST that deletes or cancels
    would otherwise hide what the next one does).

    The first hostile query string is sent, and the others only if its request read the query
    (request.GET); the first garbage body, and the others only if its request read the body. A
    query or body that nothing reads reaches no code the first one did not: a login redirect, a
    405 of a POST-only view, a 404 of another owner's object answered before any form is bound.
    The plain GET, the empty POST and the JSON body are always sent."""
    requests = _all_requests(client, path)
    if not every_kind:
        requests = [(description, send) for description, send in requests if description in ("GET", "POST empty")]
    unread = set()
    for description, send in requests:
        kind = _input_kind(description)
        if kind in unread:
            continue
        with transaction.atomic():
            response = send()
            transaction.set_rollback(True)
        if kind and not _input_was_read(response.wsgi_request, kind):
            unread.add(kind)
        yield description, response


def _input_kind(description: str) -> str | None:
    if description.startswith("GET ?"):
        return "query"
    if description.startswith("POST garbage"):
        return "body"
    return None


def _input_was_read(request, kind: str) -> bool:
    """Whether anything in the request's way read its query string (WSGIRequest.GET is a cached
    property: parsed on first use) or its body (parsed into _post, read into _body, or its stream
    read at all)."""
    if kind == "query":
        return "GET" in request.__dict__
    return hasattr(request, "_post") or hasattr(request, "_body") or request._read_started


ROUTES = project_routes()


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    with world_for_the_module(django_db_blocker) as built:
        yield built


@pytest.fixture
def world(_module_world, db):
    """Owners A (alice) and B (bob) with one of everything (tests/world.py)."""
    return fresh_copy(_module_world)


@pytest.fixture
def unchanged_world(_module_world, db):
    """The module's world itself, for the crawls: they read its ids, strings and dates and send
    requests, whose views read their own rows from the database and never these instances, so
    nothing changes them and a copy for each of the ~580 crawls (~3 ms each) bought nothing."""
    return _module_world


def test_every_route_with_a_parameter_says_which_object_it_names():
    missing = [route.name for route in ROUTES if route.params and route.name not in ROUTE_OBJECTS]

    assert missing == [], "add these routes to tests.world.ROUTE_OBJECTS"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_request_answers_with_a_server_error(unchanged_world, route):
    alice, bob = unchanged_world
    clients = {"anonymous": crawler_client(), "alice": logged_in_client(alice.owner), "bob": logged_in_client(bob.owner)}
    failures, sent = [], 0
    for client in clients.values():
        client.raise_request_exception = False
    for who, values, every_kind in _plan(route, alice, bob):
        path = route.path(values)
        for description, response in _requests(clients[who], path, every_kind):
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{who} {description} {path[:120]!r} -> {response.status_code}")

    # At least a plain GET, a hostile query, an empty POST, a garbage body and the JSON body as
    # each visitor.
    assert sent >= 3 * 5, "the plan sent (almost) nothing"
    assert failures == []


def test_a_pre_encoded_garbage_body_is_the_request_the_client_would_send():
    factory = RequestFactory()
    assert _BODY_CONTENT_TYPE == MULTIPART_CONTENT and _BODY_CONTENT_TYPE is not MULTIPART_CONTENT
    for body, encoded in zip(GARBAGE_BODIES, ENCODED_GARBAGE_BODIES, strict=True):
        usual = factory.post("/", body)
        quick = factory.post("/", encoded, content_type=_BODY_CONTENT_TYPE)

        assert quick.body == usual.body and quick.content_type == usual.content_type
        assert dict(quick.POST.lists()) == dict(usual.POST.lists())


def test_hostile_input_that_nothing_reads_is_sent_once_and_input_that_is_read_every_time(world):
    client = Client()
    client.raise_request_exception = False
    every_kind = [description for description, _send in _all_requests(client, "/")]

    # A dashboard page sends a visitor to log in before anything reads the query or the body.
    refused = [description for description, _response in _requests(client, "/dashboard/orders/")]
    # The log-in page reads both.
    read = [description for description, _response in _requests(client, "/accounts/login/")]

    assert refused == [every_kind[0], every_kind[1], "POST empty", "POST garbage #0", "POST json"]
    assert read == every_kind


@pytest.mark.django_db
def test_the_admin_login_takes_hostile_input_without_a_server_error(client):
    client.raise_request_exception = False
    url = reverse("admin:login")

    responses = [client.get(f"{url}?next={quote(NUL)}")] + [client.post(url, body) for body in GARBAGE_BODIES]

    assert [response.status_code for response in responses if response.status_code >= 500] == []


@pytest.mark.parametrize("path", [
    "/orders/a%00b/", "/bookings/a%00b/", "/payments/checkout/a%00b/", "/payments/return/a%00b/",
    "/payments/test/a%00b/", "/orders/" + "x" * 500 + "/", "/bookings/short/", "/orders/gifts/a%00b/",
])
@pytest.mark.django_db
def test_a_malformed_token_is_not_found(client, path):
    client.raise_request_exception = False

    assert client.get(path).status_code == 404


# --- Every form of every page, submitted as rendered with one field made hostile ----------------
# The crawler above sends all fields bad at once, so a form fails on its first field; here each
# form is first filled as the page renders it (a valid submission), then one field at a time is
# spoiled, which reaches the code that only runs once the rest of the form is valid.


class _FormParser(HTMLParser):
    """The POST forms of a page: [(action, {name: [values]}, multipart)], as a browser would submit
    them (multipart: the form's enctype is multipart/form-data)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]], bool]] = []
        self._form: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                self._form = {}
                multipart = (attrs.get("enctype") or "").lower() == "multipart/form-data"
                self.forms.append((attrs.get("action") or "", self._form, multipart))
            return
        if self._form is None or not attrs.get("name") or "disabled" in attrs:
            if tag == "option" and self._select is not None:
                self._option(attrs)
            return
        name = attrs["name"]
        if tag == "button":
            # The first named submit button is the one pressed ("Pay", not "Fail"); adding a row
            # of the package editor is not a submission.
            pressed = "__button_pressed" in self._form
            if (attrs.get("type") or "submit") == "submit" and name != "add_meeting_type" and not pressed:
                self._form[name] = [attrs.get("value") or ""]
                self._form["__button_pressed"] = [name]
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self._form.setdefault(name, []).append(attrs.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "textarea":
            self._textarea = name
            self._form.setdefault(name, []).append("")

    def _option(self, attrs):
        value = attrs.get("value") or ""
        if self._select_first is None:
            self._select_first = value
        if "selected" in attrs:
            self._form.setdefault(self._select, []).append(value)
            self._select_chosen = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None and self._form is not None:
                self._form.setdefault(self._select, []).append(self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            self._form[self._textarea][-1] += data


# What a person types into the fields a page renders empty, so the form is valid as submitted.
TYPED = {
    "email": "new.person@example.com", "username": "alice@example.com", "password": "pass-for-tests-123",
    "display_name": "New Person", "full_name": "New Person", "first_name": "New", "last_name": "Person",
    "client_name": "New Person", "client_email": "new.person@example.com", "question_1": "Focus",
    "name": "Deep work", "slug": "deep-work", "text": "Your goal?", "question-text": "Your goal?",
    "items-0-quantity": "2", "date": "2031-01-06", "o-0-start": "09:00", "o-0-end": "12:00",
}


def _post_forms(html: str, page_path: str) -> list[tuple[str, dict[str, list[str]], bool]]:
    parser = _FormParser()
    parser.feed(html)
    forms = []
    for action, fields, multipart in parser.forms:
        fields.pop("__button_pressed", None)
        for name, values in fields.items():
            if values == [""] and name in TYPED:
                fields[name] = [TYPED[name]]
        forms.append((action or page_path, fields, multipart))
    return forms


_URLENCODED = "application/x-www-form-urlencoded"


def _submit(client: Client, action: str, body: dict[str, list[str]], multipart: bool):
    """POST `body` encoded as a browser encodes the form: application/x-www-form-urlencoded unless
    the form asks for multipart/form-data. The test Client encodes a dict as multipart whatever
    the form, and encoding and parsing ~40 fields as multipart cost ~1.3 ms more a submission than
    the form data a browser sends, which the view reads as the same request.POST (checked below).
    Only a view that read request.body after request.POST would tell them apart (it fails on
    multipart): none of the pages' forms does, and the route crawl above still posts its garbage
    bodies as multipart to every route."""
    if multipart:
        return client.post(action, body)
    return client.post(action, urlencode(body, doseq=True), content_type=_URLENCODED)


def _step_paths(alice) -> dict[str, str]:
    """The steps reached by a link rather than a route of their own (the details step of a
    booking, the confirm step of a reschedule), filled with Alice's values."""
    slot = format_slot_start(alice.direct_booking.start + dt.timedelta(days=1))
    return {
        "public:book_meeting?start": f"/{alice.owner.slug}/{alice.meeting_type.slug}/?start={slot}",
        "order_details:book?start": f"/orders/{alice.order.token}/items/{alice.order_item.pk}/book/?start={slot}",
        "orders:book?start": f"/dashboard/orders/{alice.order.pk}/items/{alice.order_item.pk}/book/?start={slot}",
        "orders:booking_reschedule?start":
            f"/dashboard/orders/{alice.order.pk}/bookings/{alice.order_booking.pk}/reschedule/?start={slot}",
        # The direct booking: the order's session is inside its package's cancellation window, where
        # a client can no longer move it (the page sends them back to the booking).
        "bookings:reschedule?start": f"/bookings/{alice.direct_booking.token}/reschedule/?start={slot}",
        "dashboard:booking_reschedule?start": f"/dashboard/bookings/{alice.direct_booking.pk}/reschedule/?start={slot}",
        # "Book several sessions" with one time chosen: its confirm form and the weekly-series form.
        "order_details:sessions?picks":
            f"/orders/{alice.order.token}/sessions/?picks={alice.order_item.pk}%40{slot}",
    }


LINKED_STEPS = ["public:book_meeting?start", "order_details:book?start", "orders:book?start",
                "orders:booking_reschedule?start", "bookings:reschedule?start", "dashboard:booking_reschedule?start",
                "order_details:sessions?picks"]
# Every GET page of the project (one per route, filled with Alice's values) and every linked step.
PAGES = [route.name for route in ROUTES] + LINKED_STEPS


def _page_path(page: str, alice) -> str:
    if page in LINKED_STEPS:
        return _step_paths(alice)[page]
    route = next(route for route in ROUTES if route.name == page)
    return route.path(route_values(route, alice) if route.params else {})


# The pages that render a POST form to each visitor (besides the log-out button of every
# dashboard page): each must still render at least one, so a broken world or parser cannot make
# the check below pass by finding nothing. A page that gains a form is spoiled without being
# listed here.
PAGES_WITH_FORMS = {
    "anonymous": {
        "accounts:signup", "accounts:login", "accounts:password_reset", "billing:enterprise_contact",
        "bookings:manage", "payments:test_checkout", "team_public:join", "public:order_package",
        "public:order_private_package", "public:book_meeting?start", "order_details:book?start", "bookings:reschedule?start",
        "order_details:sessions?picks", "order_details:gift", "portal:home",
    },
    "alice": {
        "accounts:settings", "accounts:password_reset", "billing:enterprise_contact", "packages:create", "packages:edit",
        "packages:question_edit", "orders:detail", "payments_dashboard:order_issue", "teams:list", "teams:detail",
        "teams:meeting_type_new", "teams:meeting_type_edit", "dashboard:booking_detail", "dashboard:meeting_types",
        "dashboard:meeting_type_new", "dashboard:meeting_type_edit", "dashboard:availability",
        "dashboard:availability_override_add", "bookings:manage", "payments:test_checkout", "public:order_package",
        "public:order_private_package", "public:book_meeting?start", "order_details:book?start", "orders:book?start",
        "orders:booking_reschedule?start", "bookings:reschedule?start", "dashboard:booking_reschedule?start",
        "order_details:sessions?picks", "order_details:gift", "promotions:create", "promotions:edit", "portal:home",
    },
}
# Logging out would end the rest of the run as Alice.
NOT_SUBMITTED = {"/accounts/logout/"}


def _spoiled(value: str) -> list[str]:
    return [value + "\x00", HUGE, "-" + HUGE, LONG * 5, UNICODE]


def test_a_form_is_posted_as_a_browser_encodes_it_and_read_as_the_test_clients_dict():
    html = ('<form method="post" action="/a/"><input name="name" value="x"><input type="checkbox" name="tags"'
            ' value="1" checked><input type="checkbox" name="tags" value="2" checked></form>'
            '<form method="POST" action="/b/" enctype="multipart/form-data"><input name="bio"></form>')
    forms = _post_forms(html, "/page/")
    factory = RequestFactory()

    assert [(action, multipart) for action, _fields, multipart in forms] == [("/a/", False), ("/b/", True)]
    for value in _spoiled("Deep work") + ["a b&c=d%20+é"]:
        body = {**forms[0][1], "name": [value]}
        browser = factory.post("/a/", urlencode(body, doseq=True), content_type=_URLENCODED)
        usual = factory.post("/a/", body)

        assert dict(browser.POST.lists()) == dict(usual.POST.lists()) == {"name": [value], "tags": ["1", "2"]}
        assert browser.FILES == usual.FILES == {}


def test_every_page_with_forms_is_a_page_of_the_crawl():
    pages = set(PAGES)

    assert {who: sorted(listed - pages) for who, listed in PAGES_WITH_FORMS.items()} == {"anonymous": [], "alice": []}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["anonymous", "alice"])
def test_every_rendered_form_takes_one_hostile_field_without_a_server_error(unchanged_world, settings, who, page):
    """Each form of the page as rendered (a valid submission), then each field in turn spoiled
    with each kind of hostile value; every submission in a savepoint rolled back afterwards, and
    counted under its own rate-limit key, so a "too many requests" never answers in the form's
    place."""
    alice, _bob = unchanged_world
    client = logged_in_client(alice.owner) if who == "alice" else crawler_client()
    client.raise_request_exception = False
    path = _page_path(page, alice)

    response = client.get(path)

    assert response.status_code < 500, f"GET {path} -> {response.status_code}"
    forms = []
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        seen = set(NOT_SUBMITTED)
        for action, fields, multipart in _post_forms(response.content.decode(), path.split("?")[0]):
            if action not in seen:
                seen.add(action)
                forms.append((action, fields, multipart))
    failures, submitted = [], 0
    prefix = settings.THROTTLE_KEY_PREFIX
    for action, fields, multipart in forms:
        for name in [name for name in fields if name != "csrfmiddlewaretoken"]:
            for bad in _spoiled(fields[name][0]):
                body = {**fields, name: [bad]}
                # One override at a time: the `settings` fixture stacks a layer per assignment, and
                # every settings read walks the stack (quadratic over a page's ~200 submissions).
                with override_settings(THROTTLE_KEY_PREFIX=f"{prefix}-{submitted}"), transaction.atomic():
                    result = _submit(client, action, body, multipart)
                    transaction.set_rollback(True)
                submitted += 1
                if result.status_code >= 500:
                    failures.append(f"{who} {action} {name}={bad[:20]!r} -> {result.status_code}")

    if page in PAGES_WITH_FORMS[who]:
        assert submitted, f"{path} rendered no form to {who}: the world or the parser is broken"
    assert failures == []


# --- The server errors the crawler found, one test each -----------------------------------------


def test_an_owners_cancel_reason_with_a_nul_byte_is_refused_and_cancels_nothing(world):
    alice, _bob = world
    client = Client()
    client.force_login(alice.owner)
    url = f"/dashboard/orders/{alice.order.pk}/bookings/{alice.order_booking.pk}/cancel/"

    response = client.post(url, {"reason": "Ill\x00"}, follow=True)

    alice.order_booking.refresh_from_db()
    assert response.status_code == 200
    assert "The reason is too long (2,000 characters at most) or has characters" in response.content.decode()
    assert alice.order_booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("query", [
    "start=9999-12-31T23%3A59%3A59%2B14%3A00", "start=0001-01-01T00%3A00%3A00-14%3A00",
    "week=9999-12-31", "date=9999-12-31", "week=0001-01-01", "month=9999-12", "month=0001-01",
    "fragment=picker&month=8999-12", "fragment=picker&date=1970-01-01",
])
def test_a_time_at_the_edge_of_the_calendar_is_simply_not_offered(world, client, query):
    alice, _bob = world

    response = client.get(f"/{alice.owner.slug}/{alice.meeting_type.slug}/?{query}")

    assert response.status_code == 200
    if query.startswith("start"):
        assert TIME_UNAVAILABLE in response.content.decode()
