"""Calendars listens to scheduling's booking signals: each booking, move and cancel of an owner
who chose an "Add bookings to" calendar becomes a write in the outbox (calendars.models.CalendarWrite),
in the booking's own transaction, sent once it commits (calendars.delivery). When meeting types
change (scheduling.signals.meeting_types_changed: a coach's own type, or a team type's hosts'
copies) or a booking is saved with its video room (post_save: scheduling sends no signal for it),
an upcoming booking's event that no longer says where and what the session is, is written again
(events_rewrite)."""
import functools
import re
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from icalendar import Calendar as ICalendar
from icalendar import vText

from calendars.models import Calendar, CalendarWrite, WriteAction
from calendars.tasks import deliver_calendar_writes
from leadmonk.languages import ENGLISH
from scheduling import owner_facts as facts
from scheduling import signals as booking_signals
from scheduling.calendar import booking_ics, booking_location, booking_uid, session_name
from scheduling.models import Booking, BookingStatus, MeetingType


def owner_event_description(booking, *, place: str | None = None) -> str:
    """What the coach's event says: who the client is, where and what the session is, what the
    client answered (the order's invitee questions, asked through scheduling.signals.booking_answers,
    since orders stands above calendars) and the booking's dashboard page. `place`: where the
    meeting is, when the event is another booking's (a collective meeting's lead)."""
    lines = [f"Client: {booking.client_name} <{booking.client_email}>"]
    if booking.client_phone:
        lines.append(f"Phone: {booking.client_phone}")
    lines.append(f"Where: {booking_location(booking) if place is None else place}")
    lines.append(f"Session: {session_name(booking)}, {booking.duration_minutes} min")
    about = booking.meeting_type.description.strip()
    if about:
        lines.append(f"About: {about}")
    answers = booking_signals.booking_answers_for(booking)
    if answers:
        lines.append("")
        lines.append("Answers:")
        lines.extend(f"{question}: {answer}" for question, answer in answers)
    lines.append("")
    lines.append(f"{settings.SITE_URL}/dashboard/bookings/{booking.pk}/")
    return "\n".join(lines)


def _owner_event(booking, now: datetime) -> bytes:
    """The client's event (scheduling.calendar's builder), told from the coach's side: a calendar
    resource holds no METHOD (RFC 4791 4.1), the title names the client, the description says
    who they are, where and what the session is and what they answered. In English, as the coach's
    emails: not in the language of the page the client booked on, which is active here.

    A host of a collective meeting gets the client's event itself, the lead booking's (its UID,
    organizer, attendees, sequence and place), with only the title and description their own:
    every host's copy is then one event, so a host who sees it twice (a calendar shared with
    another host, the invitation imported beside it) has it once and a move replaces it."""
    meeting = booking.lead if booking.lead_id else booking
    with translation.override(ENGLISH):
        calendar = ICalendar.from_ical(booking_ics(booking=meeting, now=now))
        calendar.pop("METHOD", None)
        for event in calendar.walk("VEVENT"):
            event.pop("SUMMARY", None)
            event.add("summary", f"{session_name(booking)} with {booking.client_name}")
            event.pop("DESCRIPTION", None)
            event.add("description", vText(owner_event_description(booking, place=booking_location(meeting))))
    return calendar.to_ical()


def _has_target_condition(owner_id_column: str) -> str:
    table, owner, flag = (Calendar._meta.db_table, Calendar._meta.get_field("owner").column,
                          Calendar._meta.get_field("add_bookings").column)
    return f"EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)} WHERE {owner} = {owner_id_column} AND {flag})"


# A new booking's meeting type is read with the answer (scheduling.owner_facts): no query of its own.
HAS_TARGET = "calendars.add_bookings"
facts.register(HAS_TARGET, _has_target_condition)


@functools.cache
def _has_target_sql() -> str:
    return f"SELECT {_has_target_condition('%s')}"


def _has_target(owner_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_has_target_sql(), [owner_id])
        return bool(cursor.fetchone()[0])


def _write(booking, action: str, *, has_target: bool | None = None, new: bool = False) -> None:
    # Most owners add their bookings to no calendar: a plain EXISTS says so (`has_target`: already
    # read with a new booking's meeting type). Every new booking asks, and the ORM took as much CPU
    # to build and compile the read below as the rest of the receiver.
    if has_target is None:
        has_target = _has_target(booking.owner_id)
    if new and not has_target:
        return
    now = timezone.now()
    uid = booking_uid(booking.lead if booking.lead_id else booking)
    # A booking whose event is in one of the owner's calendars is moved or removed there, though
    # bookings are added to another one since, or to none: else the old event stays behind, at the
    # old time. One whose calendar was removed (calendar_id None) is written where bookings go now.
    last = (CalendarWrite.objects.filter(owner_id=booking.owner_id, uid=uid).order_by("-id")
            .values_list("calendar_id", "calendar__url", "action").first())
    if last is not None and last[2] == WriteAction.PUT and last[0] is not None:
        calendar_id, calendar_url = last[0], last[1]
    elif has_target:
        target = (Calendar.objects.filter(owner_id=booking.owner_id, add_bookings=True)
                  .values_list("pk", "url").first())
        if target is None:
            return
        calendar_id, calendar_url = target
    else:
        return
    _queue(booking, calendar_id=calendar_id, calendar_url=calendar_url, uid=uid, action=action,
           ics=_owner_event(booking, now) if action == WriteAction.PUT else b"", now=now)


def _queue(booking, *, calendar_id: int, calendar_url: str, uid: str, action: str, ics: bytes,
           now: datetime) -> None:
    CalendarWrite.objects.create(
        owner_id=booking.owner_id, calendar_id=calendar_id, calendar_url=calendar_url, booking=booking, uid=uid,
        action=action, ics=ics, next_attempt_at=now)
    # robust: a broker that is down at commit must not turn a committed booking into an error page;
    # the row waits and the sweep of due writes (every minute) sends it.
    transaction.on_commit(lambda: deliver_calendar_writes.delay(calendar_id), robust=True)


_DTSTAMP = re.compile(rb"^DTSTAMP:[^\r\n]*\r\n", re.MULTILINE)


def _same_event(written: bytes, now_written: bytes) -> bool:
    """Whether two writes of a booking's event say the same, but for when they were made."""
    return _DTSTAMP.sub(b"", written) == _DTSTAMP.sub(b"", now_written)


def events_rewrite(*, owner_id: int, bookings: Q) -> int:
    """Write again the events of the owner's upcoming confirmed bookings matching `bookings` (a Q
    on Booking) that are in one of their calendars and no longer say what the booking does now:
    the meeting type's place, name or description changed, or the booking got its video room. As a
    move is: a PUT in the outbox, to the calendar holding the event, in the caller's transaction.
    A session that is over keeps the event it had (where it was held). Returns how many."""
    now = timezone.now()
    upcoming = Booking.objects.filter(bookings, owner_id=owner_id, status=BookingStatus.CONFIRMED, end__gt=now)
    last: dict[str, tuple] = {}
    for row in (CalendarWrite.objects.filter(owner_id=owner_id, booking__in=upcoming).order_by("id")
                .values_list("uid", "booking_id", "calendar_id", "calendar__url", "action", "ics")):
        last[row[0]] = row
    rewritten = 0
    for uid, booking_id, calendar_id, calendar_url, action, written in last.values():
        if action != WriteAction.PUT or calendar_id is None:
            continue  # removed from the calendar, or the calendar is no longer connected
        booking = Booking.objects.select_related("meeting_type__owner", "lead").get(pk=booking_id)
        event = _owner_event(booking, now)
        if _same_event(bytes(written), event):
            continue
        _queue(booking, calendar_id=calendar_id, calendar_url=calendar_url, uid=uid, action=WriteAction.PUT,
               ics=event, now=now)
        rewritten += 1
    return rewritten


# What a meeting type's event shows (scheduling.calendar.booking_place, the title, "About"): an edit
# that changes only other settings (the notice, the state) reads and writes nothing.
EVENT_FIELDS = frozenset({"location_kind", "location_details", "phone_caller", "name", "description"})


@receiver(booking_signals.meeting_types_changed, dispatch_uid="calendars.meeting_types_changed")
def on_meeting_types_changed(*, meeting_type_ids: list[int], fields: frozenset[str], **_) -> None:
    """A coach's type edited (scheduling.setup_services.meeting_type_update) or a team type's hosts'
    copies written (teams.services._copy_to_hosts): the events of their upcoming bookings follow a
    new place, name or description, in each host's calendar."""
    if not EVENT_FIELDS & fields:
        return
    owner_ids = set(MeetingType.objects.filter(pk__in=meeting_type_ids).values_list("owner_id", flat=True))
    for owner_id in sorted(owner_ids):
        events_rewrite(owner_id=owner_id, bookings=Q(meeting_type_id__in=meeting_type_ids))


@receiver(post_save, sender=Booking, dispatch_uid="calendars.booking_place_saved")
def on_booking_place_saved(*, instance, created: bool, raw: bool = False, update_fields=None, **_) -> None:
    """A booking given a video room of its own (scheduling.setup_services.upcoming_bookings_give_rooms,
    when its meeting type switches to a new room per booking). A move that changes the room is
    written by booking_rescheduled."""
    if created or raw or update_fields is None or "video_room_url" not in update_fields or "start" in update_fields:
        return
    events_rewrite(owner_id=instance.owner_id, bookings=Q(pk=instance.pk))


@receiver(booking_signals.booking_created, dispatch_uid="calendars.booking_created")
def on_booking_created(*, booking, owner_facts: dict[str, bool] | None = None, **_) -> None:
    _write(booking, WriteAction.PUT, has_target=facts.answer(owner_facts, HAS_TARGET), new=True)


@receiver(booking_signals.booking_rescheduled, dispatch_uid="calendars.booking_rescheduled")
def on_booking_rescheduled(*, booking, **_) -> None:
    _write(booking, WriteAction.PUT)


@receiver(booking_signals.booking_cancelled, dispatch_uid="calendars.booking_cancelled")
def on_booking_cancelled(*, booking, **_) -> None:
    _write(booking, WriteAction.DELETE)
