"""Team meeting types: round robin gives each booking to one free member (fewest recent bookings,
then booked longest ago), collective only offers times when every host is free and books them all.
Slots come from each member's own hours and busy times, buffers included."""
from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail

from scheduling.availability import pooled_available_slots
from scheduling.models import Booking, BookingStatus, MeetingType
from scheduling.rules import BookingPath
from scheduling.services import BookingError, SlotUnavailable, booking_cancel, booking_create, booking_reschedule
from teams import services
from teams.models import Team, TeamMeetingKind, TeamMeetingType
from tests import (
    NINE_AM,
    NOW,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_member,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)
from tests.migrations import migrate, reset_to_latest


@pytest.fixture(autouse=True)
def frozen_clock():
    # The services take `now=NOW`, but reminders and emails read the clock: the whole test runs at NOW.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def trio(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben")
    cleo = make_member(email="cleo@example.com", slug="cleo", display_name="Cleo")
    team = make_team(owner, members=[ben, cleo])
    return team, owner, ben, cleo


def book(team_meeting_type, start, name="Ana"):
    return services.team_booking_create(team_meeting_type=team_meeting_type, start=start, client_name=name,
                                        client_email=f"{name.lower()}@example.com", now=NOW)


def hosts_of(team_meeting_type):
    return services.host_meeting_types(team_meeting_type)


def test_round_robin_spreads_bookings_over_the_members_in_turn(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, now=NOW)

    owners = [book(rr, NINE_AM + timedelta(minutes=30 * i), name=f"C{i}").owner for i in range(6)]

    assert sorted(owner.pk for owner in owners[:3]) == sorted([owner.pk, ben.pk, cleo.pk])
    assert owners[3:] == owners[:3]  # fewest bookings first; ties go to the one booked longest ago


def test_round_robin_skips_a_member_who_is_busy_with_a_personal_booking_buffers_included(trio):
    team, owner, ben, cleo = trio
    personal = make_meeting_type(ben, duration_minutes=30, buffer_before_minutes=30)
    booking_create(meeting_type=personal, start=NINE_AM + timedelta(minutes=30), client_name="P",
                   client_email="p@example.com", now=NOW)  # 9:30-10:00 with a 30-minute buffer before
    rr = make_team_meeting_type(team, users=[ben, cleo], now=NOW)

    booking = book(rr, NINE_AM)

    assert booking.owner_id == cleo.pk  # Ben never had fewer bookings, but his buffer covers 9:00
    with pytest.raises(SlotUnavailable):
        book(rr, NINE_AM, name="Bo")


def test_round_robin_offers_the_union_and_collective_the_intersection_of_the_hours(trio):
    team, owner, ben, cleo = trio
    set_weekly_hours(ben, {0: [(time(9), time(11))]})
    set_weekly_hours(cleo, {0: [(time(10), time(12))]})
    rr = make_team_meeting_type(team, users=[ben, cleo], slug="rr", now=NOW)
    co = make_team_meeting_type(team, users=[ben, cleo], kind=TeamMeetingKind.COLLECTIVE, slug="co", now=NOW)
    day = (NINE_AM - timedelta(hours=2), NINE_AM + timedelta(hours=12))

    union = pooled_available_slots(meeting_types=hosts_of(rr), every_host=False, range_start=day[0],
                                   range_end=day[1], now=NOW)
    both = pooled_available_slots(meeting_types=hosts_of(co), every_host=True, range_start=day[0],
                                  range_end=day[1], now=NOW)

    assert [slot.start for slot in union] == [NINE_AM + timedelta(minutes=30 * i) for i in range(6)]
    assert [slot.start for slot in both] == [NINE_AM + timedelta(minutes=60), NINE_AM + timedelta(minutes=90)]


def test_a_collective_booking_includes_every_host_and_blocks_each_of_them(trio, django_capture_on_commit_callbacks):
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        lead = book(co, NINE_AM)

    rows = Booking.objects.filter(start=NINE_AM, status=BookingStatus.CONFIRMED)
    assert sorted(rows.values_list("owner_id", flat=True)) == sorted([owner.pk, ben.pk, cleo.pk])
    assert set(rows.exclude(pk=lead.pk).values_list("lead_id", flat=True)) == {lead.pk}
    with pytest.raises(SlotUnavailable):
        book(co, NINE_AM, name="Bo")
    # Every host is busy now, also for their personal meetings.
    with pytest.raises(SlotUnavailable):
        booking_create(meeting_type=make_meeting_type(cleo), start=NINE_AM, client_name="X",
                       client_email="x@example.com", now=NOW)
    # The client gets one confirmation (with the lead booking's link), each host their own notice.
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted(["ana@example.com", owner.email, ben.email, cleo.email])


def test_a_collective_time_is_offered_only_when_every_host_is_free(trio):
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    booking_create(meeting_type=make_meeting_type(ben), start=NINE_AM, client_name="P",
                   client_email="p@example.com", now=NOW)

    with pytest.raises(SlotUnavailable):
        book(co, NINE_AM)
    assert Booking.objects.filter(lead__isnull=False).count() == 0
    assert book(co, NINE_AM + timedelta(minutes=30)).start == NINE_AM + timedelta(minutes=30)


def test_a_collective_type_whose_hosts_share_no_free_time_is_refused_and_nothing_is_saved(trio):
    team, owner, ben, cleo = trio
    set_weekly_hours(ben, {0: [(time(9), time(10))]})
    set_weekly_hours(cleo, {0: [(time(13), time(14))]})
    copies_before = MeetingType.objects.count()

    with pytest.raises(services.NoCommonTime) as refused:
        make_team_meeting_type(team, users=[ben, cleo], kind=TeamMeetingKind.COLLECTIVE, now=NOW)

    assert "no free time in common" in refused.value.message
    assert TeamMeetingType.objects.count() == 0
    assert MeetingType.objects.count() == copies_before


def test_cancelling_a_collective_booking_by_its_client_link_cancels_it_for_every_host(trio):
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    lead = book(co, NINE_AM)

    booking_cancel(booking=lead, now=NOW)

    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert book(co, NINE_AM, name="Bo").start == NINE_AM  # free again for all


def test_rescheduling_a_collective_booking_moves_every_host_and_needs_all_of_them_free(trio):
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    lead = book(co, NINE_AM)
    later = NINE_AM + timedelta(hours=2)
    booking_create(meeting_type=make_meeting_type(cleo), start=later, client_name="P",
                   client_email="p@example.com", now=NOW)

    with pytest.raises(SlotUnavailable):
        booking_reschedule(booking=lead, new_start=later, now=NOW)
    booking_reschedule(booking=lead, new_start=later + timedelta(hours=1), now=NOW)

    rows = Booking.objects.filter(status=BookingStatus.CONFIRMED, meeting_type__team_hosted=True)
    assert set(rows.values_list("start", flat=True)) == {later + timedelta(hours=1)}
    assert rows.count() == 3


def test_a_team_below_the_team_plan_takes_no_booking_and_keeps_the_ones_it_has(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, now=NOW)
    existing = book(rr, NINE_AM)
    owner.plan = "pro"
    owner.save()
    rr = TeamMeetingType.objects.select_related("team__owner").get(pk=rr.pk)

    with pytest.raises(services.TeamNotTakingBookings):
        book(rr, NINE_AM + timedelta(hours=1))
    existing.refresh_from_db()
    assert existing.status == BookingStatus.CONFIRMED


def test_a_removed_member_hosts_no_more_but_keeps_their_team_bookings(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, now=NOW)
    bookings = [book(rr, NINE_AM, name=f"C{i}") for i in range(3)]
    bens = next(b for b in bookings if b.owner_id == ben.pk)

    services.membership_remove(membership=team.memberships.get(user=ben), by=owner)

    assert [m.owner_id for m in hosts_of(rr)] == sorted([owner.pk, cleo.pk])
    bens.refresh_from_db()
    assert bens.status == BookingStatus.CONFIRMED
    assert Team.objects.get(pk=team.pk).memberships.count() == 2


def test_team_copies_never_show_among_a_members_own_meeting_types(trio):
    team, owner, ben, cleo = trio
    make_team_meeting_type(team, now=NOW)

    assert list(MeetingType.objects.for_owner(ben)) == []
    assert MeetingType.objects.filter(owner=ben, team_hosted=True).count() == 1


def test_a_pool_of_no_hosts_books_nothing(trio):
    with pytest.raises(BookingError):
        from scheduling.services import booking_create_pooled
        booking_create_pooled(meeting_types=[], every_host=False, start=NINE_AM, client_name="A",
                              client_email="a@example.com", now=NOW)


def test_a_collective_meeting_reminds_the_client_once_and_a_member_cancelling_it_cancels_it_for_all(
        trio, django_capture_on_commit_callbacks):
    from notifications.models import Reminder, ReminderStatus

    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    lead = book(co, NINE_AM)
    bens = Booking.objects.get(owner=ben, lead=lead)
    assert set(Reminder.objects.values_list("booking_id", flat=True)) == {lead.pk}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=bens, by="owner", reason="Ben is ill", now=NOW)

    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted(["ana@example.com", owner.email, ben.email, cleo.email])


def test_a_round_robin_booking_moved_by_its_client_stays_with_its_member(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, now=NOW)
    booking = book(rr, NINE_AM)

    booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(hours=2), now=NOW)

    booking.refresh_from_db()
    assert booking.start == NINE_AM + timedelta(hours=2)
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


def _booked_days_ago(meeting_type, start, days):
    # A host's copy is booked through the team's page only (scheduling.rules).
    booking = booking_create(meeting_type=meeting_type, start=start, client_name="Earlier",
                             client_email="earlier@example.com", now=NOW, path=BookingPath.TEAM_PAGE)
    Booking.objects.filter(pk=booking.pk).update(created_at=NOW - timedelta(days=days))


def test_round_robin_counts_only_bookings_of_that_type_made_in_the_last_30_days(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, users=[ben, cleo], now=NOW)
    bens_copy, cleos_copy = hosts_of(rr)
    # Ben: two bookings of this type 40 days ago and two personal ones today; Cleo: one of this type 5 days ago.
    _booked_days_ago(bens_copy, NINE_AM + timedelta(days=1), 40)
    _booked_days_ago(bens_copy, NINE_AM + timedelta(days=2), 40)
    for day in (1, 2):
        booking_create(meeting_type=make_meeting_type(ben, slug=f"own-{day}"), start=NINE_AM + timedelta(days=day, hours=2),
                       client_name="Own", client_email="own@example.com", now=NOW)
    _booked_days_ago(cleos_copy, NINE_AM + timedelta(days=1), 5)

    assert book(rr, NINE_AM).owner_id == ben.pk


def set_hosts(team_meeting_type, users):
    """The admin ticks exactly `users` as the hosts of `team_meeting_type` (its other settings as they are)."""
    team = team_meeting_type.team
    services.team_meeting_type_save(
        team=team, by=team.owner, team_meeting_type=team_meeting_type, now=NOW,
        fields={name: getattr(team_meeting_type, name) for name in services.EDITABLE_FIELDS},
        memberships=list(team.memberships.filter(user__in=users)))


def _ben_booked_twice_cleo_once(team, ben, cleo):
    """A round-robin type of Ben and Cleo, with two recent bookings of Ben's copy and one of Cleo's."""
    rr = make_team_meeting_type(team, users=[ben, cleo], now=NOW)
    bens_copy, cleos_copy = hosts_of(rr)
    _booked_days_ago(bens_copy, NINE_AM + timedelta(days=1), 2)
    _booked_days_ago(bens_copy, NINE_AM + timedelta(days=2), 2)
    _booked_days_ago(cleos_copy, NINE_AM + timedelta(days=1), 1)
    return rr, bens_copy, cleos_copy


def test_a_member_unticked_and_ticked_again_as_host_keeps_their_recent_bookings_in_the_round_robin_count(trio):
    team, owner, ben, cleo = trio
    rr, bens_copy, cleos_copy = _ben_booked_twice_cleo_once(team, ben, cleo)

    set_hosts(rr, [cleo])
    set_hosts(rr, [ben, cleo])

    assert hosts_of(rr) == [bens_copy, cleos_copy]  # Ben hosts through the copy he had, active again
    assert MeetingType.objects.filter(owner=ben, team_hosted=True).count() == 1
    assert book(rr, NINE_AM).owner_id == cleo.pk  # Ben's two bookings of this type still count


def test_a_member_who_left_and_rejoined_keeps_their_recent_bookings_in_the_round_robin_count(trio):
    team, owner, ben, cleo = trio
    rr, bens_copy, cleos_copy = _ben_booked_twice_cleo_once(team, ben, cleo)

    services.membership_leave(membership=team.memberships.get(user=ben))
    team.memberships.create(user=ben)  # invited again and joined
    set_hosts(rr, [ben, cleo])

    assert hosts_of(rr) == [bens_copy, cleos_copy]
    assert book(rr, NINE_AM).owner_id == cleo.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_registers_the_copies_of_todays_hosts(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, users=[ben, cleo], now=NOW)
    copies = sorted(copy.pk for copy in hosts_of(rr))
    migrate([("teams", "0006_team_meeting_type_phone_caller")])  # before the register existed
    try:
        after = [("teams", "0007_host_copy")]
        HostCopy = migrate(after).loader.project_state(after).apps.get_model("teams", "HostCopy")
        assert sorted(HostCopy.objects.filter(team_meeting_type_id=rr.pk).values_list("meeting_type_id", flat=True)) \
            == copies
    finally:
        reset_to_latest()


def test_round_robin_ties_go_to_the_member_booked_longest_ago(trio):
    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, users=[ben, cleo], now=NOW)
    bens_copy, cleos_copy = hosts_of(rr)
    _booked_days_ago(bens_copy, NINE_AM + timedelta(days=1), 3)
    _booked_days_ago(cleos_copy, NINE_AM + timedelta(days=1), 10)  # one each: Cleo's is older

    assert book(rr, NINE_AM).owner_id == cleo.pk  # not Ben, the lower id


def test_a_round_robin_booking_emails_and_reminds_the_client_and_only_the_member_who_got_it(
        trio, django_capture_on_commit_callbacks):
    from notifications.models import Reminder

    team, owner, ben, cleo = trio
    rr = make_team_meeting_type(team, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(rr, NINE_AM)
    host = booking.owner
    booked = sorted(address for message in mail.outbox for address in message.to)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(hours=1), now=NOW)
    moved = sorted(address for message in mail.outbox for address in message.to)

    assert booked == moved == sorted(["ana@example.com", host.email])
    assert Reminder.objects.filter(booking=booking).exists()
    assert set(Reminder.objects.values_list("booking_id", flat=True)) == {booking.pk}


def test_a_team_meeting_types_own_buffers_keep_its_hosts_free_around_each_booking(trio):
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, users=[ben, cleo], kind=TeamMeetingKind.COLLECTIVE, buffer_before_minutes=30,
                                buffer_after_minutes=30, now=NOW)
    book(co, NINE_AM + timedelta(hours=2))  # 11:00-11:30, both kept free 10:30-12:00
    day = pooled_available_slots(meeting_types=hosts_of(co), every_host=True, range_start=NINE_AM,
                                 range_end=NINE_AM + timedelta(hours=8), now=NOW)
    starts = {slot.start for slot in day}

    assert NINE_AM + timedelta(minutes=90) not in starts and NINE_AM + timedelta(hours=2, minutes=30) not in starts
    assert NINE_AM + timedelta(minutes=60) in starts and NINE_AM + timedelta(hours=3) in starts
    with pytest.raises(SlotUnavailable):  # Ben's own meeting may not sit in the team meeting's buffer either
        booking_create(meeting_type=make_meeting_type(ben), start=NINE_AM + timedelta(hours=2, minutes=30),
                       client_name="P", client_email="p@example.com", now=NOW)


def test_adding_a_host_without_common_free_time_to_a_collective_type_changes_nothing(trio):
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, users=[owner, ben], kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    set_weekly_hours(cleo, {5: [(time(9), time(10))]})  # Saturdays only: never with the others
    copies = sorted(MeetingType.objects.values_list("pk", "owner_id", "state"))

    with pytest.raises(services.NoCommonTime):
        services.team_meeting_type_save(team=team, by=owner, team_meeting_type=co, now=NOW,
                                        fields={"name": "Renamed"},
                                        memberships=list(team.memberships.all()))

    co.refresh_from_db()
    assert co.name == "Intro call"
    assert sorted(host.meeting_type.owner_id for host in co.hosts.select_related("meeting_type")) == sorted(
        [owner.pk, ben.pk])
    assert sorted(MeetingType.objects.values_list("pk", "owner_id", "state")) == copies


def test_a_collective_bookings_email_and_calendar_file_name_every_host(trio, django_capture_on_commit_callbacks):
    # Issue 29, item 4: the client meets all of them, so the email and the invitation say so.
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        book(co, NINE_AM)

    to_client = next(message for message in mail.outbox if message.to == ["ana@example.com"])
    names = [person.display_name for person in (owner, ben, cleo)]
    assert all(name in to_client.body for name in names), to_client.body
    ics = next(content for _name, content, _type in to_client.attachments if _name.endswith(".ics"))
    text = ics.decode() if isinstance(ics, bytes) else ics
    unfolded = text.replace("\r\n ", "").replace("\\,", ",")  # folded lines, escaped commas
    assert all(f"mailto:{person.email}" in unfolded for person in (owner, ben, cleo))
    assert f"{names[0]}, {names[1]} and {names[2]}" in unfolded


def test_a_german_collective_booking_joins_its_hosts_in_german(trio, django_capture_on_commit_callbacks):
    team, owner, ben, cleo = trio
    for host in (owner, ben, cleo):
        host.page_language = "de"
        host.save(update_fields=["page_language"])
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        book(co, NINE_AM)

    to_client = next(message for message in mail.outbox if message.to == ["ana@example.com"])
    hosts = f"{owner.display_name}, Ben und Cleo"
    assert hosts in to_client.subject and hosts in to_client.body
    ics = next(content for _name, content, _type in to_client.attachments if _name.endswith(".ics"))
    unfolded = (ics.decode() if isinstance(ics, bytes) else ics).replace("\r\n ", "").replace("\\,", ",")
    assert f"mit {hosts}" in unfolded and " and " not in unfolded


def test_switching_a_team_type_to_a_video_room_gives_its_booked_meetings_one_room_each(trio):
    """Booked before the switch, a collective meeting (a row per host) and a round-robin session
    each get a room; every host of the collective meeting joins the client's room."""
    team, owner, ben, cleo = trio
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    rr = make_team_meeting_type(team, name="Quick chat", slug="quick-chat", now=NOW)
    lead = book(co, NINE_AM)
    single = book(rr, NINE_AM + timedelta(hours=2), name="Bo")

    for team_type in (co, rr):
        fields = {name: getattr(team_type, name) for name in ("name", "slug", "kind", "duration_minutes",
                                                               "slot_step_minutes", "min_notice_minutes",
                                                               "horizon_days")}
        services.team_meeting_type_save(team=team, by=owner, fields={**fields, "location_kind": "video_room"},
                                        memberships=list(team.memberships.all()), team_meeting_type=team_type,
                                        now=NOW)

    meeting = Booking.objects.filter(start=NINE_AM, status=BookingStatus.CONFIRMED)
    rooms = set(meeting.values_list("video_room_url", flat=True))
    assert meeting.count() == 3 and len(rooms) == 1 and rooms != {""}
    lead.refresh_from_db()
    single.refresh_from_db()
    assert lead.video_room_url in rooms
    assert single.video_room_url.startswith("https://") and single.video_room_url not in rooms
