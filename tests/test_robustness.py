"""No request answers with a server error (DESIGN.md). A crawler over every URL pattern of the
project: path values of owner A, of owner B and malformed ones (NUL byte, 500 characters,
unicode, negative and huge integers), GET with hostile query strings and POST with empty and
garbage bodies, as an anonymous visitor, as A and as B. Run it on PostgreSQL too: that is where
NUL bytes and integers beyond bigint turn into server errors."""
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.world import ROUTE_OBJECTS, Route, make_world, project_routes, route_values

NUL = "a\x00b"
HUGE = "99999999999999999999"
LONG = "x" * 500
UNICODE = "ünï✓"

# Values every path parameter takes in turn, besides the real ones of A and B.
MALFORMED_PATH_VALUES = [NUL, LONG, UNICODE, "-1", "0", HUGE, "%", ".."]

# Every query parameter a page reads, with hostile values.
HOSTILE_QUERIES = [
    {key: NUL for key in ("package", "status", "provider", "q", "date", "week", "tz", "item", "page", "start",
                          "view", "booked", "cancelled", "next")},
    {key: HUGE for key in ("package", "status", "page", "date", "week", "start", "item")},
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


def _path_value(value: str) -> str:
    return quote(value, safe="")


def _value_sets(route: Route, alice, bob) -> list[dict[str, str]]:
    if not route.params:
        return [{}]
    sets = [route_values(route, alice), route_values(route, bob)]
    for bad in MALFORMED_PATH_VALUES:
        sets.append({name: _path_value(bad) for name, _converter in route.params})
        # One bad value beside real ones: the first lookup passes, the second must still not fail.
        mixed = route_values(route, alice)
        mixed[route.params[-1][0]] = _path_value(bad)
        sets.append(mixed)
    return sets


def _requests(client: Client, path: str):
    """(description, response) of every request made to `path`. Each runs in a savepoint rolled
    back afterwards, so every request meets the same world (a first POST that deletes or cancels
    would otherwise hide what the next one does)."""
    requests = [("GET", lambda: client.get(path))]
    for query in HOSTILE_QUERIES:
        requests.append((f"GET ?{sorted(query)}", lambda query=query: client.get(f"{path}?{urlencode(query)}")))
    requests.append(("POST empty", lambda: client.post(path)))
    for index, body in enumerate(GARBAGE_BODIES):
        requests.append((f"POST garbage #{index}", lambda body=body: client.post(path, body)))
    requests.append(("POST json", lambda: client.post(
        path, data='{"id": "\\u0000", "type": [1]}', content_type="application/json")))
    for description, send in requests:
        with transaction.atomic():
            response = send()
            transaction.set_rollback(True)
        yield description, response


ROUTES = project_routes()


def test_every_route_with_a_parameter_says_which_object_it_names():
    missing = [route.name for route in ROUTES if route.params and route.name not in ROUTE_OBJECTS]

    assert missing == [], "add these routes to tests.world.ROUTE_OBJECTS"


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.django_db
def test_no_request_answers_with_a_server_error(route):
    alice, bob = make_world()
    clients = {"anonymous": Client(), "alice": Client(), "bob": Client()}
    clients["alice"].force_login(alice.owner)
    clients["bob"].force_login(bob.owner)
    failures = []
    for who, client in clients.items():
        client.raise_request_exception = False
        for values in _value_sets(route, alice, bob):
            path = route.path(values)
            for description, response in _requests(client, path):
                if response.status_code >= 500:
                    failures.append(f"{who} {description} {path[:120]!r} -> {response.status_code}")

    assert failures == []


@pytest.mark.django_db
def test_the_admin_login_takes_hostile_input_without_a_server_error(client):
    client.raise_request_exception = False
    url = reverse("admin:login")

    responses = [client.get(f"{url}?next={quote(NUL)}")] + [client.post(url, body) for body in GARBAGE_BODIES]

    assert [response.status_code for response in responses if response.status_code >= 500] == []


@pytest.mark.parametrize("path", [
    "/orders/a%00b/", "/bookings/a%00b/", "/payments/checkout/a%00b/", "/payments/return/a%00b/",
    "/payments/test/a%00b/", "/orders/" + "x" * 500 + "/", "/bookings/short/",
])
@pytest.mark.django_db
def test_a_malformed_token_is_not_found(client, path):
    client.raise_request_exception = False

    assert client.get(path).status_code == 404
