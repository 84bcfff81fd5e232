"""Booking writes: create, reschedule and cancel, each in one transaction that holds the owner's lock.

Why a row lock on the owner: a new booking must be checked against every confirmed booking of
the owner (all meeting types, with buffers) and, for a group session, against the seats already
taken, including the very first seat when no row for that session exists yet. Locking the
owner's row serialises the bookings of one owner (and only that owner: two owners never wait for
each other), and the check after the lock sees every committed booking. On SQLite the whole
database is the lock: transactions begin IMMEDIATE (see settings), which serialises writers the
same way.

On PostgreSQL the database itself is the last line: an exclusion constraint (models.HOST_NO_OVERLAP)
refuses two overlapping, not cancelled bookings of one host that both hold it (`Booking.holds_host`,
stamped from the meeting type's kind when the booking is made), even from a path that forgot the
lock; `_host_overlap_refused` turns that refusal into SlotUnavailable. It covers the booked times
only: buffers (which depend on both meeting types), a 1:1 against a group session and group
capacity stay the lock and check's to keep.

Package quotas are the orders app's: orders.services takes the owner's lock, then the order
item's, checks the quota (its credit ledger), then calls booking_create here (the owner's lock
again, which is free). Lock order is always owner, then booking, then order item and order
(accounts.locks). Scheduling knows nothing of orders: what the apps above need to do with a
booking (debit or return a credit, write reminders and messages), they do in receivers of
scheduling.signals, inside the booking's transaction.

Meetings with several hosts (team meeting types: round robin, collective) lock every host's owner
row, one at a time in ascending id order (`lock_owners`), before reading anyone's busy times. Two
requests that need overlapping sets of hosts then always queue on the lowest shared id first, so
they can wait for each other but never deadlock; a personal booking locks one owner and fits the
same order.

Each service's transaction is wrapped in `content_version.bumps_batched()`: the cached pages'
versions its rows bump (a booking: the owner's bookings and orders, the client's email) are written
in one cache call as it ends, or only on commit when it owns the transaction; nothing in it reads a
cached page.
"""
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.locks import lock_owners, owner_lock_clause
from leadmonk import prepared, raw_rows
from leadmonk.client_email import normalize_email
from leadmonk.content_version import bumps_batched
from leadmonk.errors import DomainError
from leadmonk.languages import client_language
from leadmonk.languages import translatable as _
from scheduling import owner_facts, signals
from scheduling.availability import bookable_slot, free_hosts
from scheduling.calendar import session_video_room
from scheduling.hold_release import (
    any_expired_hold_sql,
    expired_hold_params,
    hold_release,
    release_expired_holds_of_owner,
)
from scheduling.models import HOST_NO_OVERLAP, BookedBy, Booking, BookingStatus, LocationKind, MeetingType
from scheduling.rules import BookingPath, booking_path_refusal, held_to_min_notice, notice_label


class BookingError(DomainError):
    """A booking request that cannot be honoured; `message` is shown to the person asking."""

    message = _("This booking could not be made.")


class SlotUnavailable(BookingError):
    message = _("That time was just taken. Please pick another time.")


class TooSoon(SlotUnavailable):
    """The time is closer than the meeting type's minimum notice."""

    def __init__(self, meeting_type: MeetingType):
        # In the language active where it is raised: the client's page (the API answers in English).
        super().__init__(_("That time is too soon: %(name)s is booked at least %(ahead)s ahead. "
                           "Please pick a later time.")
                         % {"name": meeting_type.name, "ahead": notice_label(meeting_type.min_notice_minutes)})


class MeetingTypeUnavailable(BookingError):
    message = _("This meeting type can no longer be scheduled.")


class MeetingTypeNotOffered(BookingError):
    """The meeting type is not booked through this path (scheduling.rules: a Secret type from the
    public page, a Package only type outside an order); the message says which."""


class TooLateToChange(BookingError):
    message = _("This session is too close to change online. Please contact your host.")


class BookingAlreadyCancelled(BookingError):
    message = _("This booking was already cancelled.")


class BookingAwaitingPayment(BookingError):
    """A paid session held while its client pays (status held): not booked yet, so not moved."""

    message = _("This time is held while the payment is pending, so there is nothing to reschedule yet.")


class SessionInPast(BookingError):
    message = _("This session has already taken place.")


# Round robin gives a booking to the free host with the fewest bookings of the meeting in this
# window (ties: the host booked longest ago).
ROUND_ROBIN_WINDOW = timedelta(days=30)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise SlotUnavailable("That time is not valid. Please pick a time from the list.")
    return value.astimezone(UTC)


@contextmanager
def _host_overlap_refused() -> Iterator[None]:
    """Around a write of bookings: the database's no-overlap refusal (PostgreSQL, a booking path
    that raced past the lock) is SlotUnavailable, the message a client sees when a time went.
    Raised inside the service's own atomic block, which then rolls back (to its savepoint when the
    caller holds a transaction, as orders does): nothing runs on the aborted transaction."""
    try:
        yield
    except IntegrityError as error:
        diagnostics = getattr(error.__cause__, "diag", None)
        if getattr(diagnostics, "constraint_name", None) == HOST_NO_OVERLAP:
            raise SlotUnavailable() from error
        raise
    except OperationalError as error:
        # Two inserts that meet at the exclusion constraint wait on each other's index entries, and
        # PostgreSQL may end one with deadlock_detected (40P01) instead of the exclusion violation:
        # the other one booked the time. Only reached by a path that raced past the owner lock.
        if getattr(error.__cause__, "pgcode", None) == "40P01":
            raise SlotUnavailable() from error
        raise


def _video_room(meeting_type: MeetingType, start: datetime, *, exclude_booking_id: int | None = None) -> str:
    """A room when the meeting type meets in a new video room per booking (shared by a group
    session's clients: scheduling.calendar.session_video_room), else nothing."""
    if meeting_type.location_kind != LocationKind.VIDEO_ROOM:
        return ""
    return session_video_room(meeting_type, start, exclude_booking_id=exclude_booking_id)


def _owner_model() -> type:
    return MeetingType._meta.get_field("owner").related_model  # through the relation: no import of accounts' model


@functools.cache
def _meeting_type_sql(facts: tuple[str, ...], lock_clause: str) -> str:
    col, owner_model = raw_rows.column, _owner_model()
    asked = "".join(f", {owner_facts.sql(name, 'u.id')}" for name in facts)
    return (
        f"SELECT {raw_rows.columns(MeetingType, 'm')}, {raw_rows.columns(owner_model, 'u')}, "
        f"EXISTS ({any_expired_hold_sql()}){asked} "
        f"FROM {raw_rows.table(MeetingType)} m "
        f"JOIN {raw_rows.table(owner_model)} u ON u.id = m.{col(MeetingType, 'owner')} "
        f"WHERE m.id = %s AND u.id = %s{lock_clause}"
    )


def _meeting_type_locking_owner(*, pk: int, owner_id: int, now: datetime) -> tuple[MeetingType, dict[str, bool]]:
    """Take the owner's lock (accounts.locks) and read, in the same statement, the meeting type
    with its owner (`.owner` costs no query) and `any_expired_hold` (whether the owner has a hold
    past its time: scheduling.hold_release), as
    `MeetingType.objects.select_related("owner").annotate(any_expired_hold=...).get(pk=pk)` reads them;
    and the owner's facts the apps above ask on every booking (scheduling.owner_facts), by name.

    One hand-written query (leadmonk.raw_rows): every booking reads it, and the ORM took a fifth of
    an uncontended booking's CPU to compile that join; a test compares it with the ORM's read. The
    meeting type is as the statement found it when it began: a change to it does not wait for the
    owner's lock (meeting_type_set_state locks the meeting type's row), so a disable committed while
    this waited is the race it always was. What the lock guards (the owner's bookings, holds and
    hours) is read by the statements after it."""
    facts = owner_facts.names()
    with connection.cursor() as cursor:
        # Prepared (leadmonk.prepared): planning the join took five times as long as running it.
        prepared.execute(cursor, _meeting_type_sql(facts, owner_lock_clause("u")),
                         [*expired_hold_params(owner_id, now), pk, owner_id])
        row = cursor.fetchone()
    if row is None:
        raise MeetingType.DoesNotExist("MeetingType matching query does not exist.")
    (meeting_type, owner), (any_expired, *answers) = raw_rows.instances(row, [MeetingType, _owner_model()])
    meeting_type.owner = owner
    meeting_type.any_expired_hold = bool(any_expired)
    return meeting_type, {name: bool(value) for name, value in zip(facts, answers, strict=True)}


def booking_create(*, meeting_type: MeetingType, start: datetime, client_name: str, client_email: str,
                   client_phone: str = "", client_timezone: str = "UTC", order_item_id: int | None = None,
                   booked_by: str = BookedBy.CLIENT, now: datetime | None = None, notify: bool = True,
                   duration: timedelta | None = None, path: BookingPath = BookingPath.PUBLIC_PAGE,
                   hold_until: datetime | None = None, through_api: bool = False) -> Booking:
    """Book `meeting_type` at `start` for a client, `duration` long (default: the meeting type's
    length now; a session of an order passes the length it was sold at).

    Raises a BookingError subclass, changing nothing, when the time is not bookable or the
    meeting type is not active or not booked through `path` (scheduling.rules; the default is the
    strictest, the public page). An owner booking on a client's behalf is not held to the minimum
    notice, unless through the API (`through_api`; scheduling.rules.held_to_min_notice): a time too
    close raises TooSoon. `order_item_id` (with `path=BookingPath.ORDER`) is only passed by
    orders.services.order_session_book, which has checked the item's quota under its lock in this
    same transaction.

    `hold_until` (scheduling.holds.booking_hold, a paid session) makes the booking HELD until then
    instead of confirmed: busy for everyone else, but booking_created (confirmation, reminders) is
    sent only when it is paid (holds.booking_confirm_paid); booking_held is sent instead
    (payments.booking_payments.open_session_payment opens its payment).

    Who listens to the booking_created it sends (scheduling.signals, in this transaction, in app
    order; a receiver that raises refuses the booking and nothing is written):
    - orders.receivers.debit_the_credit: a session of an order item takes one credit
      (orders.credits.ledger_debit_booking), and may start the order's expiry clock;
    - notifications.receivers.on_booking_created: writes the reminders and, unless `notify` is
      False, the client's confirmation and the owner's notice;
    - calendars and webhooks: their outbox rows, when the owner adds bookings to a calendar or has
      an endpoint; `owner_facts` tells them, read with the meeting type (scheduling.owner_facts).
    """
    if (path == BookingPath.ORDER) != (order_item_id is not None):
        raise ValueError("A booking through an order, and only one, names its order item.")
    now = now or timezone.now()
    start = _utc(start)
    with bumps_batched(), transaction.atomic():
        # The owner's lock, and the meeting type read again with it: the owner may have disabled it a
        # moment ago. Whether the owner has a hold past its time, and what the receivers below ask of
        # every owner, come with it (one round trip for all).
        meeting_type, facts = _meeting_type_locking_owner(pk=meeting_type.pk, owner_id=meeting_type.owner_id,
                                                          now=now)
        if not meeting_type.is_bookable:
            raise MeetingTypeUnavailable()
        refusal = booking_path_refusal(meeting_type, path=path)
        if refusal:
            raise MeetingTypeNotOffered(refusal)
        release_expired_holds_of_owner(owner_id=meeting_type.owner_id, now=now,
                                       any_expired=meeting_type.any_expired_hold)
        notice = held_to_min_notice(booked_by=booked_by, through_api=through_api)
        slot = bookable_slot(meeting_type=meeting_type, start=start, now=now, enforce_notice=notice,
                             duration=duration)
        if slot is None:
            _refuse_too_soon(meeting_type, start, now=now, notice=notice)
            raise SlotUnavailable()
        with _host_overlap_refused():
            booking = Booking.objects.create(
                # The owner as read with the meeting type under the lock: what the receivers read
                # of booking.owner (notifications: the owner's email and settings) costs no query.
                owner=meeting_type.owner, meeting_type=meeting_type, order_item_id=order_item_id,
                start=slot.start, end=slot.end, client_name=client_name.strip(),
                client_email=normalize_email(client_email), client_phone=client_phone,
                client_timezone=client_timezone or "UTC", booked_by=booked_by, client_language=client_language(),
                holds_host=not meeting_type.is_group, video_room_url=_video_room(meeting_type, slot.start),
                status=BookingStatus.HELD if hold_until else BookingStatus.CONFIRMED, hold_expires_at=hold_until,
            )
        if hold_until:
            # payments opens the booking's payment (or refuses: no way to pay, nothing is written).
            signals.booking_held.send(sender=Booking, booking=booking, now=now)
            return booking
        # orders debits the credit, notifications writes reminders and (unless `notify` is False:
        # the caller sends one message for a whole set, orders.session_sets) the confirmation.
        signals.booking_created.send(sender=Booking, booking=booking, by=booked_by, now=now, notify=notify,
                                     owner_facts=facts)
    return booking


def _refuse_too_soon(meeting_type: MeetingType, start: datetime, *, now: datetime, notice: bool) -> None:
    """A refused time closer than the notice asked for says so, rather than "just taken"."""
    if notice and now <= start < now + meeting_type.min_notice_delta:
        raise TooSoon(meeting_type)


def _release_expired_holds(owner_id: int, *, now: datetime) -> None:
    """Holds past their time are free for the slot engine already; release them (under the owner's
    lock, before a write) so the database's overlap guard does not see them either."""
    release_expired_holds_of_owner(owner_id=owner_id, now=now)


def _round_robin_order(candidates: list[MeetingType], now: datetime) -> list[MeetingType]:
    """`candidates` (hosts' copies of one meeting), the next host to book first: fewest confirmed
    bookings made in the last 30 days, then booked longest ago (never booked first), then lowest id.
    One query; called under the hosts' locks so concurrent bookings see each other's rows."""
    stats = {
        row["meeting_type_id"]: row
        for row in Booking.objects.filter(meeting_type__in=candidates, status=BookingStatus.CONFIRMED)
        .values("meeting_type_id")
        .annotate(recent=Count("pk", filter=Q(created_at__gte=now - ROUND_ROBIN_WINDOW)), last=Max("created_at"))
    }

    def rank(meeting_type: MeetingType):
        row = stats.get(meeting_type.pk)
        if row is None:
            return (0, 0, datetime.min.replace(tzinfo=UTC), meeting_type.owner_id)
        return (row["recent"], 1, row["last"], meeting_type.owner_id)

    return sorted(candidates, key=rank)


def booking_create_pooled(*, meeting_types: list[MeetingType], every_host: bool, start: datetime,
                          client_name: str, client_email: str, client_phone: str = "",
                          client_timezone: str = "UTC", now: datetime | None = None,
                          path: BookingPath = BookingPath.TEAM_PAGE) -> Booking:
    """Book a meeting held by a pool of hosts, each given as their own copy of the meeting type.

    `every_host=False` (round robin): one free host gets it, by `_round_robin_order`.
    `every_host=True` (collective): every host must be free; one booking per host, the first host's
    is the lead (the client's token), the others point at it. Returns the client's booking.
    Raises SlotUnavailable, MeetingTypeUnavailable or MeetingTypeNotOffered (`path`: the team page,
    or the team type's secret link), changing nothing.
    """
    now = now or timezone.now()
    start = _utc(start)
    if not meeting_types:
        raise MeetingTypeUnavailable()
    with bumps_batched(), transaction.atomic():
        lock_owners(meeting_type.owner_id for meeting_type in meeting_types)
        for meeting_type in meeting_types:
            _release_expired_holds(meeting_type.owner_id, now=now)
        order = {meeting_type.pk: index for index, meeting_type in enumerate(meeting_types)}
        fresh = sorted(MeetingType.objects.select_related("owner").filter(pk__in=order), key=lambda m: order[m.pk])
        if len(fresh) != len(meeting_types) or not all(meeting_type.is_bookable for meeting_type in fresh):
            raise MeetingTypeUnavailable()
        refusal = next(filter(None, (booking_path_refusal(meeting_type, path=path) for meeting_type in fresh)), "")
        if refusal:
            raise MeetingTypeNotOffered(refusal)
        free = free_hosts(meeting_types=fresh, start=start, now=now)
        if not free or (every_host and len(free) != len(fresh)):
            raise SlotUnavailable()
        if not every_host:
            chosen = _round_robin_order([meeting_type for meeting_type, _slot in free], now)[0]
            free = [(meeting_type, slot) for meeting_type, slot in free if meeting_type == chosen]
        client = {
            "client_name": client_name.strip(), "client_email": normalize_email(client_email),
            "client_phone": client_phone, "client_timezone": client_timezone or "UTC",
        }
        bookings: list[Booking] = []
        # One meeting, one room: every host of a collective meeting joins the lead's room.
        video_room_url = _video_room(free[0][0], free[0][1].start)
        with _host_overlap_refused():
            for meeting_type, slot in free:
                bookings.append(Booking.objects.create(
                    owner_id=meeting_type.owner_id, meeting_type=meeting_type, start=slot.start, end=slot.end,
                    lead=bookings[0] if bookings else None, holds_host=not meeting_type.is_group,
                    video_room_url=video_room_url, client_language=client_language(), **client,
                ))
        for booking in bookings:
            signals.booking_created.send(sender=Booking, booking=booking, by=BookedBy.CLIENT, now=now)
    return bookings[0]


def _check_client_may_change(booking: Booking, now: datetime) -> None:
    if booking.start <= now:
        raise SessionInPast()
    if booking.start - now < booking.meeting_type.min_notice_delta:
        raise TooLateToChange()


def _locked_meeting(booking: Booking) -> tuple[Booking, list[Booking]]:
    """Lock every host of the meeting `booking` belongs to; return (the booking, all rows of the
    meeting, lead first). A booking with one host is a meeting of one row."""
    lead_id = booking.lead_id or booking.pk
    rows = Booking.objects.filter(Q(pk=lead_id) | Q(lead_id=lead_id))
    # Hosts never change, so reading them before the lock is safe; statuses are read after it.
    lock_owners(rows.values_list("owner_id", flat=True))
    locked = sorted(rows.select_for_update(of=("self",)).select_related("meeting_type__owner"),
                    key=lambda row: (row.lead_id is not None, row.pk))
    this = next(row for row in locked if row.pk == booking.pk)
    return this, locked


def booking_reschedule(*, booking: Booking, new_start: datetime, by: str = BookedBy.CLIENT,
                       now: datetime | None = None, through_api: bool = False) -> Booking:
    """Move a confirmed booking to `new_start`, keeping its credit, its token and its length (what
    was booked, or sold in an order, not the meeting type's length now). The new time keeps the
    minimum notice as a new booking would (scheduling.rules.held_to_min_notice).

    A meeting keeps its hosts: every host of a collective meeting must be free at the new time, and
    a round-robin booking stays with the member it went to (README, Teams)."""
    now = now or timezone.now()
    new_start = _utc(new_start)
    with bumps_batched(), transaction.atomic():
        booking, meeting = _locked_meeting(booking)
        if booking.status == BookingStatus.HELD:
            raise BookingAwaitingPayment()
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingAlreadyCancelled()
        for row in meeting:
            _release_expired_holds(row.owner_id, now=now)
        if by == BookedBy.CLIENT:
            _check_client_may_change(booking, now)
        elif booking.start <= now:
            raise SessionInPast()
        if not all(row.meeting_type.is_bookable for row in meeting):
            raise MeetingTypeUnavailable()
        refusal = next(filter(None, (booking_path_refusal(row.meeting_type, path=BookingPath.RESCHEDULE)
                                     for row in meeting)), "")
        if refusal:
            raise MeetingTypeNotOffered(refusal)
        # The apps above may refuse (orders.receivers: inside a package's cancellation window, or a
        # booking of an order that is no longer active).
        signals.booking_change_requested.send(sender=Booking, booking=booking, by=by, now=now, new_start=new_start)
        # Every host of the meeting must be free at the new time (each row left out of its own host's
        # busy times).
        notice = held_to_min_notice(booked_by=by, through_api=through_api)
        new_slots = [bookable_slot(meeting_type=row.meeting_type, start=new_start, now=now,
                                   exclude_booking_id=row.pk, enforce_notice=notice, duration=row.duration)
                     for row in meeting]
        if any(slot is None for slot in new_slots):
            _refuse_too_soon(booking.meeting_type, new_start, now=now, notice=notice)
            raise SlotUnavailable()
        previous_start = booking.start
        if new_slots[0].start == previous_start:
            return booking
        # holds_host stays as it was when the booking was made, whatever the meeting type's kind now.
        for row, slot in zip(meeting, new_slots, strict=True):
            row.start, row.end = slot.start, slot.end
            row.sequence += 1
            moved = ["start", "end", "sequence", "updated_at"]
            if row.meeting_type.is_group and row.meeting_type.location_kind == LocationKind.VIDEO_ROOM:
                # A client moving to another session of a group joins that session's room.
                row.video_room_url = _video_room(row.meeting_type, slot.start, exclude_booking_id=row.pk)
                moved.append("video_room_url")
            with _host_overlap_refused():
                row.save(update_fields=moved)
            signals.booking_rescheduled.send(sender=Booking, booking=row, previous_start=previous_start)
    return booking


def booking_cancel(*, booking: Booking, by: str = BookedBy.CLIENT, reason: str = "",
                   now: datetime | None = None, notify: bool = True) -> Booking:
    """Cancel a confirmed booking; its time is free again and its credit (if any) returns.

    Cancelling an already cancelled booking raises BookingAlreadyCancelled and changes nothing.
    Who listens to booking_cancelled: orders.receivers.return_the_credit (the ledger) and
    notifications.receivers.on_booking_cancelled (drops the reminders; the email unless `notify`
    is False).
    """
    now = now or timezone.now()
    with bumps_batched(), transaction.atomic():
        booking, meeting = _locked_meeting(booking)
        if booking.status == BookingStatus.CANCELLED:
            raise BookingAlreadyCancelled()
        if booking.status == BookingStatus.HELD:
            # A paid session not paid yet (its link, a direct POST): nobody was told of it, so its
            # hold is released as an abandoned one is (its payment closed, a code's use given back).
            hold_release(booking, now=now)
            return booking
        if by == BookedBy.CLIENT:
            _check_client_may_change(booking, now)
        elif booking.start <= now:
            raise SessionInPast()
        # A meeting with several hosts is cancelled for all of them (it cannot go on without one).
        for row in meeting:
            if row.status == BookingStatus.CANCELLED:
                continue
            row.status = BookingStatus.CANCELLED
            row.cancelled_at = now
            row.cancelled_by = by
            row.cancel_reason = reason.strip()[:2000]
            # The CANCEL's SEQUENCE must exceed the last REQUEST's (RFC 5546), even for a booking
            # never moved, or some calendar apps keep the event.
            row.sequence += 1
            row.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "sequence",
                                    "updated_at"])
            # orders returns (or, for a late cancel, keeps) the credit; notifications drops reminders.
            signals.booking_cancelled.send(sender=Booking, booking=row, by=by, now=now, notify=notify)
    return booking
