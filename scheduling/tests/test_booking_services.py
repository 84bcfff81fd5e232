"""The booking services keep the scheduling invariants: no double booking (buffers included), group
capacity, minimum notice, and cancelling frees the time. The race tests run real threads on
PostgreSQL."""
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.utils import translation

from scheduling import services
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingTypeKind, MeetingTypeState
from tests import NINE_AM, NOW, make_meeting_type, set_weekly_hours
from tests import race as shared_race


@pytest.fixture
def open_weekdays(owner):
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    return owner


def book(meeting_type, start, name="Ana", **kw):
    return services.booking_create(meeting_type=meeting_type, start=start, client_name=name,
                                   client_email=f"{name.lower()}@example.com", now=NOW, **kw)


def test_a_free_time_is_booked_and_then_refused_to_the_next_client(open_weekdays):
    mt = make_meeting_type(open_weekdays)
    booking = book(mt, NINE_AM)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.end == NINE_AM + timedelta(minutes=30)
    with pytest.raises(services.SlotUnavailable) as refusal:
        book(mt, NINE_AM, name="Ben")
    assert refusal.value.message == "That time was just taken. Please pick another time."
    assert Booking.objects.count() == 1


def test_buffers_of_another_meeting_type_block_adjacent_times(open_weekdays):
    long_one = make_meeting_type(open_weekdays, duration_minutes=60, buffer_after_minutes=30)
    short_one = make_meeting_type(open_weekdays)
    book(long_one, NINE_AM)
    with pytest.raises(services.SlotUnavailable):
        book(short_one, NINE_AM + timedelta(hours=1))  # inside the 30-minute buffer after
    assert book(short_one, NINE_AM + timedelta(hours=1, minutes=30)).pk


def test_a_time_outside_hours_off_the_grid_or_in_the_past_is_refused(open_weekdays):
    mt = make_meeting_type(open_weekdays)
    for bad in (NINE_AM - timedelta(hours=1), NINE_AM + timedelta(minutes=10), NOW - timedelta(days=1),
                datetime(2026, 12, 7, 9, 0)):  # the last is naive: a tampered value
        with pytest.raises(services.SlotUnavailable):
            book(mt, bad)
    assert not Booking.objects.exists()


def test_a_disabled_meeting_type_cannot_be_booked(open_weekdays):
    mt = make_meeting_type(open_weekdays, state=MeetingTypeState.DISABLED)
    with pytest.raises(services.MeetingTypeUnavailable):
        book(mt, NINE_AM)


def test_minimum_notice_binds_clients_but_not_the_owner(open_weekdays):
    mt = make_meeting_type(open_weekdays, min_notice_minutes=24 * 60)
    soon = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 local, two hours from NOW
    with pytest.raises(services.SlotUnavailable):
        book(mt, soon)
    assert book(mt, soon, booked_by=BookedBy.OWNER).booked_by == BookedBy.OWNER


@pytest.mark.parametrize(("language", "notice", "refusal"), [
    ("en", 24 * 60, "That time is too soon: Coaching is booked at least 1 day ahead. Please pick a later time."),
    ("de", 150, "Diese Zeit ist zu knapp: Coaching wird mindestens 150 Minuten im Voraus gebucht. "
               "Bitte wählen Sie eine spätere Zeit."),
    ("es", 3 * 60, "Esa hora es demasiado pronto: Coaching se reserva con al menos 3 horas de antelación. "
                   "Por favor, elija una hora posterior."),
])
def test_a_time_inside_the_notice_is_refused_in_the_clients_language(open_weekdays, language, notice, refusal):
    mt = make_meeting_type(open_weekdays, name="Coaching", min_notice_minutes=notice)
    soon = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 local, two hours from NOW
    with translation.override(language), pytest.raises(services.TooSoon) as refused:
        book(mt, soon)
    assert refused.value.message == refusal
    assert not Booking.objects.exists()


def test_group_sessions_fill_up_to_capacity(open_weekdays):
    mt = make_meeting_type(open_weekdays, kind=MeetingTypeKind.GROUP, capacity=2)
    book(mt, NINE_AM, name="Ana")
    book(mt, NINE_AM, name="Ben")
    with pytest.raises(services.SlotUnavailable):
        book(mt, NINE_AM, name="Cy")


def test_cancelling_frees_the_time_and_it_can_be_booked_again(open_weekdays):
    mt = make_meeting_type(open_weekdays)
    booking = book(mt, NINE_AM)
    services.booking_cancel(booking=booking, reason="Sick", now=NOW)
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED, "Sick")
    with pytest.raises(services.BookingAlreadyCancelled):
        services.booking_cancel(booking=booking, now=NOW)
    assert book(mt, NINE_AM, name="Ben").status == BookingStatus.CONFIRMED


def test_rescheduling_moves_the_booking_and_raises_its_sequence(open_weekdays):
    mt = make_meeting_type(open_weekdays)
    booking = book(mt, NINE_AM)
    moved = services.booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(hours=2), now=NOW)
    assert (moved.start, moved.sequence, moved.token) == (NINE_AM + timedelta(hours=2), 1, booking.token)
    # The old time is free again.
    assert book(mt, NINE_AM, name="Ben").pk


def test_clients_cannot_change_a_session_inside_the_minimum_notice(open_weekdays):
    mt = make_meeting_type(open_weekdays, min_notice_minutes=48 * 60)
    booking = book(mt, NINE_AM)
    with time_machine.travel(NINE_AM - timedelta(hours=12)):
        with pytest.raises(services.TooLateToChange):
            services.booking_cancel(booking=booking)
        with pytest.raises(services.TooLateToChange):
            services.booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(days=3))
        services.booking_cancel(booking=booking, by=BookedBy.OWNER)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def race(count: int, attempt) -> tuple[int, list[str]]:
    return shared_race(count, attempt, services.BookingError)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_clients_racing_for_one_time_book_it_once(open_weekdays):
    mt = make_meeting_type(open_weekdays)
    booked, refusals = race(20, lambda i: book(mt, NINE_AM, name=f"Client{i}"))
    assert booked == 1
    assert refusals == ["That time was just taken. Please pick another time."] * 19
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_clients_racing_for_the_first_seats_of_a_group_session_fill_exactly_five(open_weekdays):
    mt = make_meeting_type(open_weekdays, kind=MeetingTypeKind.GROUP, capacity=5)
    booked, refusals = race(10, lambda i: book(mt, NINE_AM, name=f"Client{i}"))
    assert booked == 5
    assert len(refusals) == 5
    assert Booking.objects.filter(meeting_type=mt, status=BookingStatus.CONFIRMED).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_meeting_types_with_buffers_never_overlap(open_weekdays):
    first = make_meeting_type(open_weekdays, duration_minutes=60, buffer_after_minutes=30)
    second = make_meeting_type(open_weekdays)
    # Half the threads book the long meeting at 9:00, half the short one at 10:00 (inside the buffer).
    booked, _ = race(20, lambda i: book(first, NINE_AM, name=f"A{i}") if i % 2
                     else book(second, NINE_AM + timedelta(hours=1), name=f"B{i}"))
    assert booked == 1
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


def test_a_long_meeting_that_began_before_the_range_still_blocks_its_last_hours(owner):
    from scheduling.availability import available_slots

    set_weekly_hours(owner, {d: [(time(0), time(0))] for d in range(7)})  # open all day
    all_day = make_meeting_type(owner, duration_minutes=720, slot_step_minutes=60)
    short = make_meeting_type(owner)
    book(all_day, NINE_AM)  # 09:00-21:00 local
    evening = NINE_AM + timedelta(hours=11)  # 20:00 local, inside the long meeting
    slots = available_slots(meeting_type=short, range_start=evening, range_end=evening + timedelta(hours=2), now=NOW)
    assert [s.start for s in slots][:2] == [NINE_AM + timedelta(hours=12), NINE_AM + timedelta(hours=12, minutes=30)]
