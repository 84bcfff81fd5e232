"""What the API keeps in the cache, and that a change shows at once: a read finds its key through
the cache (a revoked or deleted key, or a disabled owner, is refused on the very next request);
the free times are kept per minute under the owner's content and bookings versions (a booking, a
cancellation, new hours, a disabled meeting type, the clock show at once); the order list under
their orders version (a new order, a session booked, a cancellation, an update() show at once)."""
from datetime import time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction

from api.models import ApiKey, ApiKeyScope
from api.services import api_key_create, api_key_revoke, hash_key
from api.tests.helpers import api_client, key_for, problem
from orders.credits import order_set_sessions_end
from orders.lifecycle import order_cancel
from orders.models import OrderStatus, PackageOrder
from orders.services import order_session_book
from payments.services import IssueMode, order_issue
from scheduling.models import BookedBy, MeetingTypeState
from scheduling.services import booking_cancel, booking_create
from scheduling.setup_services import meeting_type_set_state, weekly_hours_replace
from tests import NINE_AM, NOW, make_booking, make_meeting_type, make_order, make_package, set_weekly_hours


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _warm(client, path: str = "/api/v1/meeting-types/") -> None:
    """Two reads: the first has this process learn whose key it is, the second keeps its row."""
    for _ in range(2):
        assert client.get(path).status_code == 200


# --- The key ------------------------------------------------------------------------------------------


def test_a_read_with_a_key_seen_before_runs_no_query_for_the_key(owner, clock, django_assert_num_queries):
    client = api_client(key_for(owner, ApiKeyScope.READ))
    _warm(client)

    with django_assert_num_queries(1):  # the list alone
        response = client.get("/api/v1/meeting-types/")

    assert response.status_code == 200


def test_a_revoked_key_is_refused_on_the_next_read_though_its_row_was_cached(owner, clock, client):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)
    api = api_client(made.key)
    _warm(api, "/api/v1/orders/")

    assert api_key_revoke(owner=owner, pk=made.api_key.pk) is True
    response = api.get("/api/v1/orders/")

    assert response.status_code == 401
    assert problem(response)["detail"] == "This API key was revoked."


def test_a_key_revoked_on_the_settings_page_is_refused_at_once(owner, clock, client):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)
    api = api_client(made.key)
    _warm(api)
    client.force_login(owner)

    client.post(f"/dashboard/settings/api/{made.api_key.pk}/revoke/")

    assert ApiKey.objects.get().revoked_at is not None
    assert api.get("/api/v1/meeting-types/").status_code == 401


def test_a_deleted_key_and_a_disabled_owner_are_refused_at_once(owner, other_owner, clock):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)
    api, others = api_client(made.key), api_client(key_for(other_owner, ApiKeyScope.READ))
    _warm(api)
    _warm(others)

    made.api_key.delete()
    other_owner.is_active = False
    other_owner.save()

    assert problem(api.get("/api/v1/meeting-types/"))["detail"] == "This API key is not valid."
    assert problem(others.get("/api/v1/meeting-types/"))["detail"] == "This account is disabled."


def test_a_new_key_of_the_owner_leaves_the_others_working(owner, clock):
    api = api_client(key_for(owner, ApiKeyScope.READ))
    _warm(api)

    key_for(owner, name="Another")

    assert api.get("/api/v1/meeting-types/").status_code == 200


# --- Free times ----------------------------------------------------------------------------------------


@pytest.fixture
def coaching(owner):
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    return make_meeting_type(owner, slug="coaching")


def _starts(api, meeting_type, query: str = "start=2026-12-07&end=2026-12-08") -> list[str]:
    response = api.get(f"/api/v1/meeting-types/{meeting_type.pk}/free-times/?{query}")
    assert response.status_code == 200, response.content
    return [row["start"] for row in response.json()]


def test_free_times_asked_again_in_the_same_minute_run_no_query(owner, coaching, clock, django_assert_num_queries):
    api = api_client(key_for(owner, ApiKeyScope.READ))
    _warm(api)
    first = api.get(f"/api/v1/meeting-types/{coaching.pk}/free-times/?start=2026-12-07&end=2026-12-08")

    with django_assert_num_queries(0):
        again = api.get(f"/api/v1/meeting-types/{coaching.pk}/free-times/?start=2026-12-07&end=2026-12-08")

    assert again.content == first.content and len(again.json()) == 32
    assert again["Content-Type"] == "application/json"


def test_a_booking_and_its_cancellation_change_the_free_times_at_once(owner, coaching, clock):
    api = api_client(key_for(owner))
    assert "2026-12-07T14:00:00Z" in _starts(api, coaching)

    booking = booking_create(meeting_type=coaching, start=NINE_AM, client_name="Ana", client_email="ana@example.com")
    booked = _starts(api, coaching)
    booking_cancel(booking=booking, reason="")
    cancelled = _starts(api, coaching)
    make_booking(coaching, NINE_AM + timedelta(hours=1))  # a row saved by any path

    assert "2026-12-07T14:00:00Z" not in booked
    assert "2026-12-07T14:00:00Z" in cancelled
    assert "2026-12-07T15:00:00Z" not in _starts(api, coaching)


def test_new_hours_a_disabled_meeting_type_and_the_owners_zone_change_the_free_times(owner, coaching, clock):
    api = api_client(key_for(owner))
    assert len(_starts(api, coaching)) == 32

    weekly_hours_replace(owner=owner, hours={d: [(time(9), time(12))] for d in range(5)})
    shorter = _starts(api, coaching)
    owner.timezone = "UTC"
    owner.save()
    in_utc = _starts(api, coaching)
    meeting_type_set_state(meeting_type=coaching, state=MeetingTypeState.DISABLED)

    assert len(shorter) == 12
    assert shorter[0] == "2026-12-07T14:00:00Z"  # 9:00 in New York
    assert in_utc[0] == "2026-12-07T09:00:00Z"  # the days asked are now UTC days, the hours UTC hours
    assert _starts(api, coaching) == []


def test_free_times_follow_the_clock_minute_by_minute(owner):
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    soon = make_meeting_type(owner, min_notice_minutes=60)
    api = api_client(key_for(owner))
    query = f"start={NINE_AM:%Y-%m-%d}&end={NINE_AM:%Y-%m-%d}"
    with time_machine.travel(NINE_AM + timedelta(minutes=5, seconds=10), tick=False):
        first = _starts(api, soon, query)
    with time_machine.travel(NINE_AM + timedelta(minutes=5, seconds=50), tick=False):
        same_minute = _starts(api, soon, query)
    with time_machine.travel(NINE_AM + timedelta(minutes=36), tick=False):
        later = _starts(api, soon, query)

    assert first[0] == same_minute[0] == "2026-12-07T15:30:00Z"  # 9:05 in New York, an hour's notice
    assert later[0] == "2026-12-07T16:00:00Z"


def test_someone_elses_meeting_type_is_404_before_and_after_its_answer_is_kept(owner, other_owner, coaching, clock):
    theirs = make_meeting_type(other_owner)
    path = f"/api/v1/meeting-types/{theirs.pk}/free-times/?start=2026-12-07&end=2026-12-08"
    mine, other = api_client(key_for(owner)), api_client(key_for(other_owner))

    assert other.get(path).status_code == 200
    assert [mine.get(path).status_code, mine.get(path).status_code] == [404, 404]
    assert mine.get(path.replace("end=2026-12-08", "end=2026-12-01")).status_code == 404  # bad input: 404 first


def test_free_times_asked_indented_are_indented(owner, coaching, clock):
    api = api_client(key_for(owner))
    plain = api.get(f"/api/v1/meeting-types/{coaching.pk}/free-times/?start=2026-12-07&end=2026-12-07")
    indented = api.get(f"/api/v1/meeting-types/{coaching.pk}/free-times/?start=2026-12-07&end=2026-12-07",
                       HTTP_ACCEPT="application/json; indent=2")

    assert indented.json() == plain.json()
    assert b'\n  {\n    "start"' in indented.content and b"\n" not in plain.content


# --- The order list ------------------------------------------------------------------------------------


@pytest.fixture
def sold(owner, clock):  # made at the frozen clock, as the orders the tests add
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    coaching = make_meeting_type(owner, slug="coaching")
    package = make_package(owner, items=[(coaching, 3)])
    order = make_order(package, with_items=True, status=OrderStatus.ACTIVE)
    return package, order


def _orders(api, query: str = "") -> list[dict]:
    response = api.get("/api/v1/orders/" + query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_order_list_asked_again_runs_no_query(owner, sold, clock, django_assert_num_queries):
    api = api_client(key_for(owner, ApiKeyScope.READ))
    _warm(api)
    first = api.get("/api/v1/orders/")

    with django_assert_num_queries(0):
        again = api.get("/api/v1/orders/")

    assert again.content == first.content and again["Content-Type"] == "application/json"


def test_a_new_order_a_booked_session_and_a_cancellation_show_in_the_list_at_once(owner, sold, clock):
    package, order = sold
    api = api_client(key_for(owner))
    assert [row["id"] for row in _orders(api)] == [order.pk]

    issued = order_issue(owner=owner, package=package, client_name="Ana", client_email="ana@example.com",
                         client_phone="", mode=IssueMode.COMPLIMENTARY, note="")
    with_new = _orders(api)
    order_session_book(item=order.items.get(), start=NINE_AM, booked_by=BookedBy.OWNER)
    booked = _orders(api)
    order_cancel(order=PackageOrder.objects.get(pk=order.pk))
    cancelled = _orders(api)

    assert [row["id"] for row in with_new] == [issued.pk, order.pk]
    assert [row["items"][0]["remaining"] for row in with_new] == [3, 3]
    assert booked[1]["items"][0]["remaining"] == 2
    assert cancelled[1]["status"] == "cancelled"


def test_an_update_of_an_order_shows_in_the_list_at_once(owner, sold, clock):
    """order_set_sessions_end writes with QuerySet.update() (no signal) and bumps the version itself."""
    _package, order = sold
    api = api_client(key_for(owner))
    assert _orders(api)[0]["expires_at"] is None

    with transaction.atomic():
        order_set_sessions_end(order_id=order.pk, ends_at=NOW + timedelta(days=30))

    assert _orders(api)[0]["expires_at"] == "2026-12-31T12:00:00Z"


def test_the_order_list_is_kept_per_owner_filter_and_address(owner, other_owner, sold, clock):
    make_order(other_owner)
    mine, theirs = api_client(key_for(owner)), api_client(key_for(other_owner))
    make_order(owner, status=OrderStatus.CANCELLED)

    all_mine, their_list = _orders(mine), _orders(theirs)
    cancelled = _orders(mine, "?status=cancelled")
    page = mine.get("/api/v1/orders/?limit=1").json()
    elsewhere = mine.get("/api/v1/orders/?limit=1", HTTP_HOST="localhost").json()

    assert len(all_mine) == 2 and len(their_list) == 1 and their_list[0]["id"] not in {r["id"] for r in all_mine}
    assert [row["status"] for row in cancelled] == ["cancelled"]
    assert page["next"].startswith("http://testserver/api/v1/orders/?limit=1&after=")
    assert elsewhere["next"].startswith("http://localhost/api/v1/orders/?limit=1&after=")


def test_the_cached_key_row_holds_neither_the_owners_password_hash_nor_their_feed_token(owner, clock):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)
    _warm(api_client(made.key))

    # The entry as leadmonk.content_version.cached_fragment names it: (versions, the key's row).
    _stamp, row = cache.get(f"frag:api_key:{owner.pk}:en:{hash_key(made.key)}")
    kept = repr(vars(row.owner))

    assert row.pk == made.api_key.pk and owner.email in kept
    assert owner.password not in kept and owner.calendar_feed_token not in kept
