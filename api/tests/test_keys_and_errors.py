"""Who gets in, and how a refusal reads: a key is stored only as a hash and shown once; a missing,
wrong or revoked key is a 401, a read-only key that writes a 403, too many requests a 429 with
Retry-After, bad input a 400 with the field errors, each as problem+json and changing nothing.
The OpenAPI schema validates."""
import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from openapi_spec_validator import validate

from api.models import ApiKey, ApiKeyScope
from api.services import api_key_create, api_key_revoke
from api.tests.helpers import api_client, key_for, post, problem, schema_errors
from scheduling.models import Booking
from tests import NINE_AM, NOW, make_booking, make_meeting_type, make_package


def _booking_body(meeting_type) -> dict:
    return {"meeting_type_id": meeting_type.pk, "start": NINE_AM.isoformat(), "client_name": "Ana",
            "client_email": "ana@example.com"}


def test_a_key_is_stored_only_as_its_sha256_and_has_a_recognisable_prefix(owner):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)

    row = ApiKey.objects.get()
    assert made.key.startswith("lm_test_") and len(made.key) > 40
    assert row.key_hash == hashlib.sha256(made.key.encode()).hexdigest()
    assert made.key not in {str(value) for value in row.__dict__.values()}
    assert row.display_prefix == made.key[:12]


@pytest.mark.parametrize("header", [None, "Bearer lm_test_not-a-key", "Basic dXNlcjpwYXNz", "Bearer "])
def test_no_key_or_a_wrong_one_is_401_and_nothing_is_booked(owner, header):
    meeting_type = make_meeting_type(owner)
    client = api_client(None)
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    read = client.get("/api/v1/bookings/")
    write = post(client, "/api/v1/bookings/", _booking_body(meeting_type))

    assert [read.status_code, write.status_code] == [401, 401]
    assert problem(read)["title"] == "Not authenticated"
    assert read["WWW-Authenticate"].startswith("Bearer")
    assert Booking.objects.count() == 0


def test_a_revoked_key_is_refused_at_once(owner):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ_WRITE)
    client = api_client(made.key)
    assert client.get("/api/v1/orders/").status_code == 200

    assert api_key_revoke(owner=owner, pk=made.api_key.pk) is True
    response = client.get("/api/v1/orders/")

    assert response.status_code == 401
    assert problem(response)["detail"] == "This API key was revoked."


def test_a_read_only_key_reads_but_a_write_is_403_and_changes_nothing(owner):
    meeting_type = make_meeting_type(owner)
    client = api_client(key_for(owner, ApiKeyScope.READ))

    read = client.get("/api/v1/meeting-types/")
    write = post(client, "/api/v1/bookings/", _booking_body(meeting_type))

    assert read.status_code == 200
    assert write.status_code == 403
    assert "read-only" in problem(write)["detail"]
    assert Booking.objects.count() == 0


def test_bad_input_is_400_with_each_field_named_and_nothing_is_booked(owner):
    meeting_type = make_meeting_type(owner)
    client = api_client(key_for(owner))

    response = post(client, "/api/v1/bookings/", {"meeting_type_id": meeting_type.pk, "start": "next tuesday",
                                                  "client_email": "nobody"})
    neither = post(client, "/api/v1/bookings/", {"start": NINE_AM.isoformat()})
    huge = post(client, "/api/v1/bookings/", {"order_item_id": 10**30, "start": NINE_AM.isoformat()})
    not_json = client.post("/api/v1/bookings/", "{", content_type="application/json")

    errors = problem(response)["errors"]
    assert response.status_code == 400
    assert set(errors) == {"start", "client_email"}
    assert "meeting_type_id" in problem(neither)["errors"]
    assert "order_item_id" in problem(huge)["errors"]
    assert not_json.status_code == 400 and problem(not_json)["detail"]
    assert Booking.objects.count() == 0


def test_another_owners_meeting_type_id_is_a_field_error_not_a_booking(owner, other_owner):
    theirs = make_meeting_type(other_owner)
    response = post(api_client(key_for(owner)), "/api/v1/bookings/", _booking_body(theirs))

    assert problem(response)["errors"] == {"meeting_type_id": ["No meeting type of yours has this id."]}
    assert Booking.objects.count() == 0


@override_settings(API_RATE_LIMIT=(3, 60))
def test_above_the_rate_limit_a_key_gets_429_with_retry_after_until_the_next_minute(owner, other_owner):
    client = api_client(key_for(owner))
    others = api_client(key_for(other_owner))
    with time_machine.travel(NOW + timedelta(seconds=15), tick=False):
        answers = [client.get("/api/v1/meeting-types/").status_code for _ in range(4)]
        refused = client.get("/api/v1/meeting-types/")
        another_key = others.get("/api/v1/meeting-types/")
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        next_minute = client.get("/api/v1/meeting-types/")

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert "3 requests a minute" in problem(refused)["detail"]
    assert another_key.status_code == 200  # counted per key
    assert next_minute.status_code == 200


def test_last_used_is_written_at_most_once_a_minute(owner, django_assert_num_queries):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)
    client = api_client(made.key)
    with time_machine.travel(NOW, tick=False):
        client.get("/api/v1/meeting-types/")
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        client.get("/api/v1/meeting-types/")
        made.api_key.refresh_from_db()
        assert made.api_key.last_used_at == NOW
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        client.get("/api/v1/meeting-types/")

    made.api_key.refresh_from_db()
    assert made.api_key.last_used_at == NOW + timedelta(seconds=61)


def test_an_unknown_object_is_a_404_problem(owner):
    response = api_client(key_for(owner)).get("/api/v1/orders/999999/")

    assert response.status_code == 404
    assert problem(response)["title"] == "Not found"


def test_the_openapi_schema_validates_and_names_every_endpoint(client):
    response = client.get("/api/v1/schema/?format=json")

    schema = json.loads(response.content)
    validate(schema)
    assert {"/api/v1/meeting-types/", "/api/v1/meeting-types/{id}/free-times/", "/api/v1/packages/",
            "/api/v1/orders/", "/api/v1/orders/{id}/", "/api/v1/bookings/", "/api/v1/bookings/{id}/reschedule/",
            "/api/v1/bookings/{id}/cancel/", "/api/v1/bookings/{id}/attendance/", "/api/v1/clients/",
            "/api/v1/payments/"} <= schema["paths"].keys()
    assert schema["components"]["securitySchemes"]


def test_a_booking_as_the_api_shows_it_matches_the_schema_cancelled_or_not(owner, client):
    """A client generated from the schema reads every booking: one not cancelled shows
    `cancelled_by` empty, which the schema must allow."""
    meeting_type = make_meeting_type(owner)
    api = api_client(key_for(owner))
    with time_machine.travel(NOW, tick=False):
        make_booking(meeting_type, NINE_AM)
        cancelled = make_booking(meeting_type, NINE_AM + timedelta(hours=1))
        assert post(api, f"/api/v1/bookings/{cancelled.pk}/cancel/", {}).status_code == 200
        schema = json.loads(client.get("/api/v1/schema/?format=json").content)
        answers = {"/api/v1/bookings/": api.get("/api/v1/bookings/").json(),
                   "/api/v1/bookings/{id}/": api.get(f"/api/v1/bookings/{cancelled.pk}/").json()}

    assert [row["cancelled_by"] for row in answers["/api/v1/bookings/"]["results"]] == ["owner", ""]
    for path, body in answers.items():
        assert schema_errors(schema, path, body) == []


def test_a_free_package_as_the_api_shows_it_matches_the_schema(owner, client):
    """A free package has no payment medium (`payment_medium` empty), which the schema must allow."""
    free = make_package(owner, price=Decimal("0"))
    make_package(owner)
    api = api_client(key_for(owner))
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)

    packages = api.get("/api/v1/packages/").json()
    one = api.get(f"/api/v1/packages/{free.pk}/").json()

    assert [row["payment_medium"] for row in packages["results"]] == ["stripe", ""]
    assert schema_errors(schema, "/api/v1/packages/", packages) == []
    assert schema_errors(schema, "/api/v1/packages/{id}/", one) == []


def test_the_schema_is_built_once_per_language_and_is_the_one_drf_spectacular_builds(client, monkeypatch):
    from django.test import RequestFactory
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.views import SpectacularAPIView
    from rest_framework.permissions import AllowAny

    from api import docs_views

    monkeypatch.setattr(docs_views, "_BUILT", {})
    builds = []
    parse = SchemaGenerator.parse
    monkeypatch.setattr(SchemaGenerator, "parse", lambda self, *args, **kwargs: builds.append(1) or parse(
        self, *args, **kwargs))
    usual_view = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny],
                                            throttle_classes=[])

    for query in ("format=json", "format=json&lang=de", "lang=es", "format=json&lang=xx"):
        answers = [client.get(f"/api/v1/schema/?{query}") for _ in range(2)]
        usual = usual_view(RequestFactory().get(f"/api/v1/schema/?{query}")).render()

        assert [answer.status_code for answer in answers] == [200, 200]
        assert answers[0].content == answers[1].content == usual.content, query
        assert answers[0]["Content-Type"] == usual["Content-Type"]
        assert answers[0]["Content-Disposition"] == usual["Content-Disposition"]
    # en, de and es once each (and the usual view's four); a language the site does not have every time.
    assert len(builds) == 3 + 4 + 2
    assert sorted(docs_views._BUILT) == [("de", True), ("en", True), ("es", True)]


def test_the_docs_page_lists_every_endpoint_from_our_own_server(client):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="http' not in html and 'href="http' not in html.split("<main")[0]  # no CDN
    assert response.has_header("Content-Security-Policy") or response.has_header("Content-Security-Policy-Report-Only")
    for path in ("/api/v1/bookings/{id}/reschedule/", "/api/v1/orders/", "/api/v1/clients/"):
        assert path in html
    assert "Retry-After" in html


def test_a_meeting_type_that_asks_for_a_mobile_refuses_a_booking_without_a_valid_one(owner):
    meeting_type = make_meeting_type(owner, requires_mobile=True)
    client = api_client(key_for(owner))

    missing = post(client, "/api/v1/bookings/", _booking_body(meeting_type))
    local = post(client, "/api/v1/bookings/", {**_booking_body(meeting_type), "client_phone": "0171 555 0100"})

    assert problem(missing)["errors"] == {"client_phone": ["Enter the number with its country code, e.g. +1 415 555 0100"]}
    assert problem(local)["errors"] == {"client_phone": ["Enter the number with its country code, e.g. +1 415 555 0100"]}
    assert Booking.objects.count() == 0


def test_filters_that_are_not_numbers_or_times_are_400s_not_errors(owner):
    client = api_client(key_for(owner))

    answers = [client.get(f"/api/v1/bookings/?{query}") for query in (
        "order_id=²", "meeting_type_id=12abc", "start_after=soon", "status=maybe", "email=a%00b", "limit=lots&after=%00")]

    assert [response.status_code for response in answers] == [400, 400, 400, 400, 400, 200]
    assert set(problem(answers[0])["errors"]) == {"order_id"}


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a": ' * 50_000])
def test_a_body_nested_too_deep_is_a_400_problem_not_an_error(owner, body):
    meeting_type = make_meeting_type(owner)
    booking = make_booking(meeting_type, NINE_AM)
    client = api_client(key_for(owner))

    answers = [client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-1")
               for path in ("/api/v1/orders/", "/api/v1/bookings/", f"/api/v1/bookings/{booking.pk}/cancel/")]

    assert [response.status_code for response in answers] == [400, 400, 400]
    assert "JSON parse error" in problem(answers[0])["detail"]
    assert Booking.objects.get().status == "confirmed"


def test_an_unknown_address_under_the_api_is_a_404_problem(client, db):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not found" and "/api/v1/no-such-thing/" in response.json()["detail"]


def test_an_email_longer_than_an_address_can_be_is_a_400_not_a_database_error(owner):
    # Valid to the email rule (each label under 64 characters) but longer than the 254 characters
    # the bookings' column holds: PostgreSQL refused the row with a 500.
    meeting_type = make_meeting_type(owner)
    too_long = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"

    response = post(api_client(key_for(owner)), "/api/v1/bookings/",
                    {**_booking_body(meeting_type), "client_email": too_long})

    assert response.status_code == 400
    assert set(problem(response)["errors"]) == {"client_email"}
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("days", ["start=0001-01-01&end=0001-01-02", "start=9999-12-30&end=9999-12-31"])
def test_free_times_of_days_at_the_calendars_edges_are_a_400_with_the_field_named(owner, days):
    meeting_type = make_meeting_type(owner)

    response = api_client(key_for(owner)).get(f"/api/v1/meeting-types/{meeting_type.pk}/free-times/?{days}")

    assert response.status_code == 400
    assert set(problem(response)["errors"]) <= {"start", "end"} and problem(response)["errors"]


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00Z", "9999-12-31T23:30:00+00:00"])
def test_a_booking_or_a_move_at_the_calendars_edges_is_a_400_with_the_field_named(owner, start):
    meeting_type = make_meeting_type(owner)
    booking = make_booking(meeting_type, NINE_AM)
    client = api_client(key_for(owner))

    made = post(client, "/api/v1/bookings/", {**_booking_body(meeting_type), "start": start})
    moved = post(client, f"/api/v1/bookings/{booking.pk}/reschedule/", {"start": start})

    for response in (made, moved):
        assert response.status_code == 400
        assert problem(response)["errors"] == {"start": ["Enter a time between 1970 and 8999."]}
    assert list(Booking.objects.values_list("start", flat=True)) == [NINE_AM]


def test_a_time_sent_without_its_offset_is_a_400_not_a_booking_at_that_hour_in_utc(owner):
    """"2026-12-07T09:00:00" meant 9:00 in New York; read as UTC it is 4:00 there (or, with wider
    hours, a booking at the wrong time). The docs ask for an offset: without one it is refused."""
    meeting_type = make_meeting_type(owner)
    booking = make_booking(meeting_type, NINE_AM)
    client = api_client(key_for(owner))
    naive = NINE_AM.replace(tzinfo=None).isoformat()

    made = post(client, "/api/v1/bookings/", {**_booking_body(meeting_type), "start": naive})
    moved = post(client, f"/api/v1/bookings/{booking.pk}/reschedule/", {"start": naive})

    for response in (made, moved):
        assert response.status_code == 400
        assert problem(response)["errors"] == {"start": [
            "Send the time with its offset, like 2026-12-08T09:00:00-05:00 (or Z for UTC)."]}
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("cursor", ["after=9999-12-31T23:59:59-05:00~1", "before=0001-01-01T00:00:00%2B05:00~1"])
def test_a_hand_edited_cursor_at_the_calendars_edges_gives_the_first_page(owner, cursor):
    meeting_type = make_meeting_type(owner)
    Booking.objects.create(owner=owner, meeting_type=meeting_type, start=NINE_AM, end=NINE_AM + timedelta(minutes=30),
                           client_name="Ana", client_email="ana@example.com")

    response = api_client(key_for(owner)).get(f"/api/v1/bookings/?{cursor}")

    assert response.status_code == 200
    assert [row["client_name"] for row in response.json()["results"]] == ["Ana"]
