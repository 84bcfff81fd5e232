"""Writes of waitlists: joining the waitlist of a full group session, offering a freed seat to the
first in line (email and text through the notifications outbox, in the same transaction), claiming
it with the single-use link, expiring unclaimed offers, and the owner removing an entry.

Locks (accounts.locks): the owner's row first, as every write that counts bookings; then the entry's
row. A claim books through the same services as any booking (scheduling.booking_create, or
orders.order_session_book for a package client: the item's lock and the one booking rule), so a
seat is never sold twice and a credit is spent under the item's lock. Seats offered and not yet
claimed are not held: whoever books first gets the seat, and the claim says it was taken.
"""
import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from accounts.locks import lock_owner
from leadmonk.client_email import normalize_email
from leadmonk.languages import client_language, message_language
from leadmonk.languages import translatable as _
from leadmonk.timezones import clock_formats, localize
from leadmonk.tokens import looks_like_token, new_token
from notifications.services import notify_waitlist_offer
from orders.credits import item_balance
from orders.models import OrderItem
from orders.rules import item_booking_refusal
from orders.services import order_session_book
from scheduling.availability import bookable_slot
from scheduling.hold_release import RELEASED_REASON
from scheduling.holds import booking_hold
from scheduling.models import Booking, BookingStatus, MeetingType
from scheduling.rules import BookingPath
from scheduling.services import BookingError, booking_create
from waitlists.models import WaitlistEntry, WaitlistStatus


class WaitlistError(Exception):
    """A refused waitlist write; `message` is shown to the person as is."""

    message = _("This waitlist cannot be changed.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class SeatsFree(WaitlistError):
    message = _("There are seats left in this session: book it instead.")


class NotAFullSession(WaitlistError):
    message = _("This time is not a session you can wait for. Choose one of the full sessions listed.")


class AlreadyWaiting(WaitlistError):
    """The email is already in line for this time."""


class ClaimRefused(WaitlistError):
    """The claim link cannot book the seat (unknown, used, expired, removed, or the seat was taken)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seats_taken(*, meeting_type: MeetingType, start: datetime) -> int:
    """The seats of the session at `start` that are booked or held while their client pays."""
    return Booking.objects.filter(meeting_type=meeting_type, start=start,
                                  status__in=[BookingStatus.CONFIRMED, BookingStatus.HELD]).count()


def has_seat(*, meeting_type: MeetingType, start: datetime, email: str) -> bool:
    """Whether `email` already has a seat (booked, or held while they pay) in the session at `start`."""
    return Booking.objects.filter(meeting_type=meeting_type, start=start, client_email__iexact=normalize_email(email),
                                  status__in=[BookingStatus.CONFIRMED, BookingStatus.HELD]).exists()


ALREADY_BOOKED = _("You already have a seat in this session, so this link books nothing more. "
                   "Your booking confirmation is in your email.")


def session_label(entry: WaitlistEntry) -> str:
    """ "Group workshop on Monday 7 December 2026, 14:00 (Europe/London)", in the active language,
    in the entry's zone and by the name the session has for its client (WaitlistEntry.session_name)."""
    zone = entry.client_timezone
    when = dateformat.format(localize(entry.start, zone), clock_formats("24")["day_long_24"])
    return _("%(session)s on %(when)s (%(zone)s)") % {"session": entry.session_name, "when": when, "zone": zone}


def last_claim_moment(meeting_type: MeetingType, start: datetime) -> datetime:
    """The last moment a seat of the session at `start` can be claimed: a claim books as the client
    would (booking_create), held to the meeting type's minimum notice."""
    return start - meeting_type.min_notice_delta


def waitlist_join(*, meeting_type: MeetingType, start: datetime, client_name: str, client_email: str,
                  client_phone: str = "", client_timezone: str = "UTC", order_item: OrderItem | None = None,
                  now: datetime | None = None) -> WaitlistEntry:
    """Put the client last in line for the full group session of `meeting_type` at `start`.

    Raises SeatsFree when the session has a seat (book it), NotAFullSession when the time is no
    full session, AlreadyWaiting when this email waits for it already, WaitlistError with the
    reason when `order_item` can book no session; nothing is written then."""
    now = now or timezone.now()
    email = normalize_email(client_email)
    with transaction.atomic():
        lock_owner(meeting_type.owner_id)  # the seats counted below cannot change until we commit
        meeting_type = MeetingType.objects.get(pk=meeting_type.pk)
        if not meeting_type.is_group or not meeting_type.is_bookable or last_claim_moment(meeting_type, start) <= now:
            raise NotAFullSession()
        if order_item is not None:
            # A package client whose order can book no session (none left, cancelled, expired)
            # could never claim: in line, they would only keep a freed seat from the next person.
            item = OrderItem.objects.select_related("order", "meeting_type").get(pk=order_item.pk)
            refusal = item_booking_refusal(item, remaining=item_balance(item.pk), now=now)
            if refusal is not None:
                raise WaitlistError(refusal.message)
        duration = order_item.duration if order_item is not None else None
        if bookable_slot(meeting_type=meeting_type, start=start, now=now, duration=duration) is not None:
            raise SeatsFree()
        if seats_taken(meeting_type=meeting_type, start=start) < meeting_type.seats:
            raise NotAFullSession()
        if has_seat(meeting_type=meeting_type, start=start, email=email):
            raise AlreadyWaiting(_("%(email)s already has a seat in this session.") % {"email": email})
        line = WaitlistEntry.objects.filter(meeting_type=meeting_type, start=start)
        if line.filter(client_email=email, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]).exists():
            raise AlreadyWaiting(_("%(email)s is already on the waitlist for this session.") % {"email": email})
        position = (line.aggregate(last=Max("position"))["last"] or 0) + 1
        try:
            with transaction.atomic():
                return WaitlistEntry.objects.create(
                    meeting_type=meeting_type, start=start, client_name=client_name.strip(), client_email=email,
                    client_phone=client_phone, client_timezone=client_timezone or "UTC", order_item=order_item,
                    position=position, client_language=client_language(),
                )
        except IntegrityError:  # the same email joined in another tab a moment ago
            raise AlreadyWaiting(_("%(email)s is already on the waitlist for this session.")
                                 % {"email": email}) from None


def claim_url(entry: WaitlistEntry, token: str) -> str:
    meeting_type = entry.meeting_type
    path = reverse("public:waitlist_claim", args=[meeting_type.owner.slug, meeting_type.slug, token])
    return settings.SITE_URL + path


def _offer(entry: WaitlistEntry, *, now: datetime) -> None:
    token = new_token()
    entry.status = WaitlistStatus.OFFERED
    entry.offered_at = now
    # The hours to claim, cut short where the minimum notice begins: a link that still "works"
    # after that could only answer that the time is too soon.
    entry.expires_at = min(now + timedelta(hours=entry.meeting_type.waitlist_claim_hours or 12),
                           last_claim_moment(entry.meeting_type, entry.start))
    entry.token_hash = hash_token(token)
    entry.save(update_fields=["status", "offered_at", "expires_at", "token_hash"])
    # The text goes with the email where the owner's plan sends texts (Pro and above).
    phone = entry.client_phone if entry.meeting_type.sends_sms else ""
    # In the language the client joined in, not that of whoever freed the seat.
    language = message_language(entry.client_language, entry.meeting_type.owner)
    with translation.override(language):
        what = session_label(entry)
    notify_waitlist_offer(email=entry.client_email, phone=phone, link=claim_url(entry, token),
                          expires_at=entry.expires_at, what=what, language=language)


def offer_freed_seats(*, meeting_type_id: int, start: datetime, now: datetime | None = None) -> int:
    """Offer each seat of the session at `start` that is free, and not offered already, to the next
    in line; returns how many were offered. Runs in the caller's transaction (a cancel, a move, an
    expired offer) under the owner's lock, so the offers leave with the change that freed the seat."""
    now = now or timezone.now()
    meeting_type = MeetingType.objects.select_related("owner").filter(pk=meeting_type_id).first()
    if meeting_type is None or not meeting_type.is_group or last_claim_moment(meeting_type, start) <= now:
        return 0  # too late to claim: the seat stays for whoever may still book it (the owner)
    lock_owner(meeting_type.owner_id)
    line = WaitlistEntry.objects.filter(meeting_type=meeting_type, start=start)
    # Someone in line who has a seat in the session by now (booked since joining) is passed over,
    # and an offer of theirs holds no seat: their claim could only be refused (claim_refusal).
    booked = [normalize_email(email) for email in Booking.objects.filter(
        meeting_type=meeting_type, start=start, status__in=[BookingStatus.CONFIRMED, BookingStatus.HELD],
    ).values_list("client_email", flat=True)]
    outstanding = line.filter(status=WaitlistStatus.OFFERED, expires_at__gt=now).exclude(
        client_email__in=booked).count()
    free = meeting_type.seats - len(booked) - outstanding
    if free <= 0:
        return 0
    waiting = line.select_for_update().filter(status=WaitlistStatus.WAITING).order_by("position", "id")
    entries = [entry for entry in waiting if entry.client_email not in booked][:free]
    for entry in entries:
        entry.meeting_type = meeting_type
        _offer(entry, now=now)
    return len(entries)


def entry_for_token(token: str) -> WaitlistEntry | None:
    if not looks_like_token(token):
        return None
    return (WaitlistEntry.objects.select_related("meeting_type__owner", "order_item__order")
            .filter(token_hash=hash_token(token)).first())


def claim_refusal(entry: WaitlistEntry, *, now: datetime) -> ClaimRefused | None:
    """Why the claim link of `entry` can no longer book (used, removed, expired), or None: the one
    rule the claim page shows when opened and the claim obeys."""
    if entry.status == WaitlistStatus.CLAIMED:
        seat = entry.booking
        if seat is not None and seat.status == BookingStatus.CANCELLED and seat.cancel_reason == RELEASED_REASON:
            return ClaimRefused(_("The seat was not paid for in time, so it was offered to the next person waiting."))
        return ClaimRefused(_("This link was already used: the seat was claimed with it. "
                              "Your booking confirmation is in your email."))
    if entry.status == WaitlistStatus.REMOVED:
        return ClaimRefused(_("This waitlist place was removed by the host, so the link no longer works."))
    if entry.status == WaitlistStatus.EXPIRED or (entry.expires_at is not None and entry.expires_at <= now):
        return ClaimRefused(_("This link has expired: the seat was offered to the next person waiting."))
    # Booked into the session since joining (a seat freed and taken on the booking page, the host
    # booked them): a claim would be a second seat for one person. The offer is left as it is.
    if has_seat(meeting_type=entry.meeting_type, start=entry.start, email=entry.client_email):
        return ClaimRefused(ALREADY_BOOKED)
    return None


def seat_awaiting_payment(entry: WaitlistEntry, *, now: datetime) -> Booking | None:
    """The paid session's seat claimed with this link and still held while the client pays (the
    link opened again takes them back to paying), else None."""
    seat = entry.booking if entry.status == WaitlistStatus.CLAIMED else None
    if seat is not None and seat.status == BookingStatus.HELD and seat.hold_expires_at > now:
        return seat
    return None


def waitlist_claim(*, token: str, now: datetime | None = None) -> Booking:
    """Book the seat offered by the claim link `token`, once: through order_session_book (a credit of
    the entry's order item, under its lock, by the one booking rule) or booking_create (booking_hold
    for a paid session: the seat is HELD until the client pays). Raises
    ClaimRefused, changing nothing, when the link is unknown, used, expired or removed, or the
    seat was taken meanwhile."""
    now = now or timezone.now()
    entry = entry_for_token(token)
    if entry is None:
        raise ClaimRefused(_("This claim link is not valid. Check that you copied all of it."))
    with transaction.atomic():
        lock_owner(entry.meeting_type.owner_id)
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related(
            "meeting_type__owner", "order_item__order").get(pk=entry.pk)
        refusal = claim_refusal(entry, now=now)
        if refusal is not None:
            raise refusal
        try:
            if entry.order_item is not None:
                booking = order_session_book(item=entry.order_item, start=entry.start, now=now,
                                             client_timezone=entry.client_timezone)
            else:
                # A paid session's seat is held while the client pays, as on the booking page
                # (scheduling.holds): what is sold is never given away.
                book = booking_hold if entry.meeting_type.is_paid else booking_create
                booking = book(meeting_type=entry.meeting_type, start=entry.start,
                               client_name=entry.client_name, client_email=entry.client_email,
                               client_phone=entry.client_phone, client_timezone=entry.client_timezone,
                               now=now, path=BookingPath.PUBLIC_PAGE)
        except BookingError as error:
            raise ClaimRefused(_("The seat could not be booked: %(reason)s") % {"reason": error.message}) from None
        entry.status = WaitlistStatus.CLAIMED
        entry.booking = booking
        entry.save(update_fields=["status", "booking"])
        return booking


def waitlist_expire_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Expire the offers not claimed in time and offer their seats to the next in line (the beat
    task, every 5 minutes). Each entry is claimed with a conditional update under the owner's lock,
    so two schedulers expire it, and offer its seat, once."""
    now = now or timezone.now()
    due = list(WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, expires_at__lte=now)
               .order_by("expires_at", "pk").values_list("pk", "meeting_type__owner_id", "meeting_type_id", "start")
               [:limit])
    expired = 0
    for pk, owner_id, meeting_type_id, start in due:
        with transaction.atomic():
            lock_owner(owner_id)
            if WaitlistEntry.objects.filter(pk=pk, status=WaitlistStatus.OFFERED, expires_at__lte=now).update(
                    status=WaitlistStatus.EXPIRED):
                expired += 1
                offer_freed_seats(meeting_type_id=meeting_type_id, start=start, now=now)
    return expired


def waitlist_remove(*, entry: WaitlistEntry, now: datetime | None = None) -> WaitlistEntry:
    """The owner takes `entry` off its waitlist; a seat it was offered goes to the next in line."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_owner(entry.meeting_type.owner_id)
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not locked.is_open:
            return locked
        was_offered = locked.status == WaitlistStatus.OFFERED
        locked.status = WaitlistStatus.REMOVED
        locked.save(update_fields=["status"])
        if was_offered:
            offer_freed_seats(meeting_type_id=locked.meeting_type_id, start=locked.start, now=now)
        return locked
