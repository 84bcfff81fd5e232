"""`Idempotency-Key` on the API's writes: a client that sends a booking or an order again after a
time-out, with the same key, gets the first answer back and nothing is made twice; the same key
with another request, or while the first still runs, is refused; a key lasts a day."""
import json
from datetime import time, timedelta

import pytest
import time_machine

from api.idempotency import forget_expired
from api.models import IdempotentRequest
from api.tests.helpers import api_client, key_for, problem
from scheduling.models import Booking, BookingStatus, MeetingTypeKind
from tests import NINE_AM, NOW, make_meeting_type, make_owner, make_package, race, set_weekly_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner)


def book(client, meeting_type, key: str | None, **changes):
    body = {"meeting_type_id": meeting_type.pk, "start": NINE_AM.isoformat(), "client_name": "Ana",
            "client_email": "ana@example.com", **changes}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/bookings/", json.dumps(body), content_type="application/json", **headers)


def test_a_booking_sent_twice_with_one_key_is_made_once_and_answered_the_same(owner, meeting_type, clock):
    client = api_client(key_for(owner))

    first = book(client, meeting_type, "7c0a1b6e-booking-1")
    again = book(client, meeting_type, "7c0a1b6e-booking-1")

    assert first.status_code == again.status_code == 201
    assert json.loads(again.content) == json.loads(first.content)
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


def test_without_a_key_or_with_another_key_each_request_is_its_own(owner, meeting_type, clock):
    client = api_client(key_for(owner))

    book(client, meeting_type, None, start=NINE_AM.isoformat())
    book(client, meeting_type, "one", start=(NINE_AM + timedelta(hours=1)).isoformat())
    book(client, meeting_type, "two", start=(NINE_AM + timedelta(hours=2)).isoformat())

    assert Booking.objects.count() == 3


def test_the_same_key_with_another_request_is_refused_and_changes_nothing(owner, meeting_type, clock):
    client = api_client(key_for(owner))
    book(client, meeting_type, "k-1")

    other = book(client, meeting_type, "k-1", start=(NINE_AM + timedelta(hours=1)).isoformat())

    assert other.status_code == 422
    assert "use a new key for a new request" in problem(other)["detail"]
    assert Booking.objects.count() == 1


def test_an_answer_that_is_not_a_success_is_not_kept_so_the_key_can_be_tried_again(owner, meeting_type, clock):
    client = api_client(key_for(owner))

    bad = book(client, meeting_type, "k-2", client_email="not an email")
    good = book(client, meeting_type, "k-2", client_email="ana@example.com")

    assert bad.status_code == 400 and good.status_code == 201
    assert not good.has_header("Idempotent-Replayed")


def test_a_key_belongs_to_its_owner_and_lasts_a_day(owner, meeting_type, clock):
    other = make_owner(email="other@example.com", slug="other", plan="pro")
    set_weekly_hours(other, {day: [(time(9), time(17))] for day in range(5)})
    others_type = make_meeting_type(other)
    book(api_client(key_for(owner)), meeting_type, "shared-key")

    theirs = book(api_client(key_for(other)), others_type, "shared-key")
    clock.move_to(NOW + timedelta(hours=24, seconds=1))
    forgotten = forget_expired()
    later = book(api_client(key_for(owner)), meeting_type, "shared-key",
                 start=(NINE_AM + timedelta(days=1)).isoformat())

    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    assert forgotten == 2
    assert later.status_code == 201 and not later.has_header("Idempotent-Replayed")


def test_a_bad_key_is_refused_with_the_header_named(owner, meeting_type, clock):
    client = api_client(key_for(owner))

    answers = [book(client, meeting_type, key) for key in ("x" * 256, "", "ünï")]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert all("Idempotency-Key" in problem(answer)["errors"] for answer in answers)
    assert Booking.objects.count() == 0 and IdempotentRequest.objects.count() == 0


def test_the_docs_page_names_the_keys_that_are_accepted(client, db):
    """A key with an accent is refused (above): the reference must not promise "any string"."""
    html = client.get("/api/v1/docs/").content.decode()

    assert "Idempotency-Key</code> header on a <code>POST</code> (1 to 255 printable ASCII characters" in html
    assert "any string" not in html


def test_an_order_and_a_cancel_sent_twice_happen_once(owner, meeting_type, clock):
    package = make_package(owner, items=[(meeting_type, 3)])
    client = api_client(key_for(owner))
    order_body = json.dumps({"package_id": package.pk, "client_name": "Bo", "client_email": "bo@example.com",
                             "mode": "complimentary"})

    orders = [client.post("/api/v1/orders/", order_body, content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY="order-1") for _ in range(2)]
    booking = json.loads(book(client, meeting_type, None).content)
    cancels = [client.post(f"/api/v1/bookings/{booking['id']}/cancel/", json.dumps({"reason": "Ill"}),
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="cancel-1") for _ in range(2)]

    assert [answer.status_code for answer in orders] == [201, 201], orders[0].content
    assert package.orders.count() == 1
    assert [answer.status_code for answer in cancels] == [200, 200]
    assert cancels[1]["Idempotent-Replayed"] == "true"


def test_the_hourly_task_forgets_the_keys_past_their_day(owner, meeting_type, clock, settings):
    from api.tasks import forget_idempotency_keys

    book(api_client(key_for(owner)), meeting_type, "k-old")
    clock.move_to(NOW + timedelta(hours=25))

    assert settings.CELERY_BEAT_SCHEDULE["forget-idempotency-keys"]["task"] == forget_idempotency_keys.name
    assert forget_idempotency_keys.apply().get() == 1
    assert IdempotentRequest.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("idempotency_key, seats", [("retry-storm", 1), (None, 10)])
def test_ten_retries_racing_with_one_key_make_one_booking(owner, idempotency_key, seats):
    """A group session of ten seats, so without a key the ten retries would take ten of them."""
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    meeting_type = make_meeting_type(owner, kind=MeetingTypeKind.GROUP, capacity=10)
    key = key_for(owner)
    answers = []

    def attempt(_i: int) -> None:
        answers.append(book(api_client(key), meeting_type, idempotency_key).status_code)

    with time_machine.travel(NOW, tick=True):
        done, refusals = race(10, attempt, LookupError)

    assert (done, refusals) == (10, [])
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == seats
    # The first made it; the others got its answer back, or "still being processed" while it ran.
    assert set(answers) <= {201, 409} and answers.count(201) >= 1
