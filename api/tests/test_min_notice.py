"""Through the API a time keeps the meeting type's minimum notice, as on the public page (the one
rule, scheduling.rules.held_to_min_notice): a booking of a meeting type, a session of an order and a
move are refused with a 409 that says why, and nothing changes; a time past the notice books."""
from datetime import time

import pytest
import time_machine

from api.tests.helpers import api_client, key_for, post, problem
from orders.models import OrderStatus
from scheduling.models import Booking
from tests import NINE_AM, NOW, make_meeting_type, make_order, make_package, set_weekly_hours

pytestmark = pytest.mark.django_db

# NOW is Tuesday 1 December, 07:00 in New York; 14:00 that day is 7 hours ahead, inside a day's notice.
TOO_SOON = "2026-12-01T14:00:00-05:00"
TOO_SOON_DETAIL = "That time is too soon: Coaching is booked at least 1 day ahead. Please pick a later time."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coaching(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner, name="Coaching", min_notice_minutes=24 * 60)


@pytest.fixture
def api(owner):
    return api_client(key_for(owner))


def test_a_booking_inside_the_notice_is_refused_and_nothing_is_booked(api, coaching):
    response = post(api, "/api/v1/bookings/", {"meeting_type_id": coaching.pk, "start": TOO_SOON,
                                               "client_name": "Ana", "client_email": "ana@example.com"})

    assert response.status_code == 409
    assert problem(response)["detail"] == TOO_SOON_DETAIL
    assert not Booking.objects.exists()
    # The public page refuses the same time: its picker does not offer it.
    page = api.get(f"/api/v1/meeting-types/{coaching.pk}/free-times/?start=2026-12-01&end=2026-12-01").json()
    assert page == []


def test_a_booking_past_the_notice_is_made(api, coaching):
    response = post(api, "/api/v1/bookings/", {"meeting_type_id": coaching.pk, "start": NINE_AM.isoformat(),
                                               "client_name": "Ana", "client_email": "ana@example.com"})
    assert response.status_code == 201, response.content


def test_a_session_of_an_order_inside_the_notice_is_refused_and_keeps_its_credit(api, owner, coaching):
    order = make_order(make_package(owner, items=[(coaching, 2)]), with_items=True, status=OrderStatus.ACTIVE)

    response = post(api, "/api/v1/bookings/", {"order_item_id": order.items.get().pk, "start": TOO_SOON})

    assert response.status_code == 409
    assert problem(response)["detail"] == TOO_SOON_DETAIL
    assert not Booking.objects.exists()
    assert api.get(f"/api/v1/orders/{order.pk}/").json()["items"][0]["remaining"] == 2


def test_a_move_inside_the_notice_is_refused_and_the_booking_stays(api, coaching):
    booked = post(api, "/api/v1/bookings/", {"meeting_type_id": coaching.pk, "start": NINE_AM.isoformat(),
                                             "client_name": "Ana", "client_email": "ana@example.com"}).json()

    moved = post(api, f"/api/v1/bookings/{booked['id']}/reschedule/", {"start": TOO_SOON})

    assert moved.status_code == 409
    assert problem(moved)["detail"] == TOO_SOON_DETAIL
    assert Booking.objects.get(pk=booked["id"]).start == NINE_AM


@pytest.mark.parametrize("asks", [{"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}, {"HTTP_ACCEPT_LANGUAGE": "es"},
                                  {"HTTP_COOKIE": "django_language=de"}])
def test_too_soon_is_worded_as_the_apis_other_refusals_whatever_language_the_request_asks(api, coaching, asks):
    """The API speaks English to every request (an owner's tool: leadmonk.languages counts /api/ as
    no client page); a too-soon refusal is no exception, nor is a time just taken."""
    api.credentials(**api._credentials, **asks)
    body = {"meeting_type_id": coaching.pk, "client_name": "Ana", "client_email": "ana@example.com"}
    too_soon = post(api, "/api/v1/bookings/", {**body, "start": TOO_SOON})
    assert post(api, "/api/v1/bookings/", {**body, "start": NINE_AM.isoformat()}).status_code == 201
    taken_body = {**body, "client_email": "bo@example.com", "start": NINE_AM.isoformat()}
    taken = post(api, "/api/v1/bookings/", taken_body)

    assert (too_soon.status_code, problem(too_soon)["detail"]) == (409, TOO_SOON_DETAIL)
    assert (taken.status_code, problem(taken)["detail"]) == (409, "That time was just taken. Please pick another time.")
    assert "Content-Language" not in too_soon
