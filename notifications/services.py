"""What notifications does when a booking or an order changes, or a team invites someone
(notifications.receivers connects these to the signals of scheduling, orders and teams).

The receivers run INSIDE the booking's or order's transaction:
- reminders_* write the reminder outbox rows in that same transaction (a rolled-back booking
  leaves none); the dispatcher in notifications/dispatch.py sends them when due.
- notify_* write one Message row per recipient (status pending) in that transaction and queue
  the delivery task with transaction.on_commit: a rolled-back write leaves no row and queues
  nothing, and no email is ever sent inside a database transaction. A message whose task was
  lost (broker down at commit) is queued again by the dispatcher's sweep.
"""
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from leadmonk import raw_rows
from leadmonk.client_email import normalize_email
from leadmonk.languages import client_language
from notifications.models import (
    Audience,
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    Reminder,
    ReminderStatus,
)
from notifications.selectors import phone_opted_out
from notifications.tasks import deliver_message, deliver_messages
from orders.gifts import gift_of
from orders.models import CreditLedgerEntry, OrderStatus
from scheduling.models import bookable_q

# --- Reminder outbox hooks -----------------------------------------------------------------------

def _offsets(values) -> list[int]:
    """The meeting type's offsets (minutes before the session), cleaned: positive ints, no repeats."""
    cleaned = set()
    for value in values or []:
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            continue
        if minutes > 0:
            cleaned.add(minutes)
    return sorted(cleaned, reverse=True)


def wanted_reminders(*, booking, now: datetime) -> dict[tuple[str, int], datetime]:
    """{(channel, offset): due_at} the booking should have now, by its meeting type's settings.

    Email offsets when email reminders are on; SMS offsets only when SMS reminders are on, the
    owner's plan sends texts (MeetingType.sends_sms: on the Free plan the setting is kept but nothing is
    sent), the client gave a mobile number and that number has not opted out. Reminders whose
    time has already passed are left out (a booking made 30 minutes ahead gets no 24-hour reminder).
    """
    meeting_type = booking.meeting_type
    wanted: dict[tuple[str, int], datetime] = {}
    if booking.lead_id is not None:
        return wanted  # another host's row of a meeting: the client is reminded through the lead booking
    if meeting_type.email_reminders_enabled:
        for offset in _offsets(meeting_type.email_reminder_offsets):
            wanted[(Channel.EMAIL, offset)] = booking.start - timedelta(minutes=offset)
    if booking.client_phone and meeting_type.texts_reminders and not phone_opted_out(booking.client_phone):
        for offset in _offsets(meeting_type.sms_reminder_offsets):
            wanted[(Channel.SMS, offset)] = booking.start - timedelta(minutes=offset)
    return {key: due_at for key, due_at in wanted.items() if due_at > now}


def reminders_schedule(*, booking) -> None:
    """Create the reminder outbox rows of a new confirmed booking (one per channel and offset)."""
    raw_rows.insert_together([_reminder_rows(booking)])


def _reminder_rows(booking) -> raw_rows.Insert:
    """The reminder rows `reminders_schedule` writes, as bulk_create(ignore_conflicts=True) writes
    them but without its instances (every booking comes here: leadmonk.raw_rows)."""
    now = timezone.now()
    return raw_rows.Insert(Reminder, [
        {"booking_id": booking.pk, "channel": channel, "offset_minutes": offset, "due_at": due_at}
        for (channel, offset), due_at in wanted_reminders(booking=booking, now=now).items()
    ], ignore_conflicts=True, returning=False)


def booking_confirmed_write(*, booking, notify: bool = True, receipt: dict | None = None) -> None:
    """A booking just confirmed (notifications.receivers, booking_created): what reminders_schedule
    and, when `notify`, notify_booking_confirmed write, in one round trip on PostgreSQL
    (leadmonk.raw_rows.insert_together): every booking writes both, one after the other. Those two
    stay for a caller that wants one half."""
    inserts = [_reminder_rows(booking)] + ([_confirmation_rows(booking, receipt)] if notify else [])
    ids = raw_rows.insert_together(inserts)
    if notify:
        _queue_ids(ids)


def reminders_reschedule(*, booking) -> None:
    """Move the reminders of a booking whose start changed.

    Every reminder the booking should have for its NEW time is pending again at its new due time,
    whatever it was before: one already sent (or failed) for the old time is sent again for the
    new one, and one being sent right now loses its claim (the dispatcher then cannot mark it
    sent). Reminders whose new due time has already passed are dropped; missing ones (say the
    24-hour reminder of a booking that was made at short notice and moved later) are created.
    """
    now = timezone.now()
    wanted = wanted_reminders(booking=booking, now=now)
    existing = {(r.channel, r.offset_minutes): r for r in Reminder.objects.filter(booking=booking)}
    for key, reminder in existing.items():
        if key in wanted:
            Reminder.objects.filter(pk=reminder.pk).update(
                status=ReminderStatus.PENDING, due_at=wanted[key], attempts=0, claimed_at=None,
                claim_token=None, next_attempt_at=None, sent_at=None, last_error="",
            )
        elif reminder.status in (ReminderStatus.PENDING, ReminderStatus.CLAIMED):
            Reminder.objects.filter(pk=reminder.pk).update(
                status=ReminderStatus.DROPPED, claim_token=None,
                last_error="Its time had passed when the booking was moved.",
            )
    Reminder.objects.bulk_create(
        [
            Reminder(booking=booking, channel=channel, offset_minutes=offset, due_at=due_at)
            for (channel, offset), due_at in wanted.items()
            if (channel, offset) not in existing
        ],
        ignore_conflicts=True,
    )


def reminders_drop(*, booking) -> None:
    """Drop the pending (and in-flight) reminders of a cancelled booking; sent ones stay as history."""
    Reminder.objects.filter(
        booking=booking, status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]
    ).update(status=ReminderStatus.DROPPED, claim_token=None, last_error="The booking was cancelled.")


# --- Transactional message hooks -----------------------------------------------------------------

def _queue(messages: list[Message]) -> None:
    """Queue the delivery of `messages` (written in this transaction) when it commits: one task for
    all of them (deliver_messages; a lone message is deliver_message), so a change that writes
    two messages sends one broker message, not two."""
    _queue_ids([message.pk for message in messages])


def _queue_ids(ids: list[int]) -> None:
    if not ids:
        return

    def enqueue() -> None:
        if len(ids) == 1:
            deliver_message.delay(ids[0])
        else:
            deliver_messages.delay(ids)

    # robust: a broker that is down at commit must not turn a committed booking into an error
    # page; the rows stay pending and the dispatcher's sweep queues them again.
    transaction.on_commit(enqueue, robust=True)


def _booking_messages(booking, kind: str, context: dict | None = None) -> list[int]:
    """Write the booking's messages to the client and the owner; return their ids."""
    return raw_rows.insert_together([_booking_message_rows(booking, kind, context)])


def _booking_message_rows(booking, kind: str, context: dict | None = None) -> raw_rows.Insert:
    """The booking's messages to the client and the owner, as rows for leadmonk.raw_rows."""
    owner = booking.owner
    # A meeting with several hosts emails the client once, from the lead booking (the token they hold).
    rows = [] if booking.lead_id is not None else [
        {"booking_id": booking.pk, "kind": kind, "audience": Audience.CLIENT, "recipient": booking.client_email,
         "context": context or {}}
    ]
    if owner.notify_owner_by_email:
        rows.append({"booking_id": booking.pk, "kind": kind, "audience": Audience.OWNER, "recipient": owner.email,
                     "context": context or {}})
    # One INSERT for both, as bulk_create writes them but without its instances (every booking, move
    # and cancel comes here: leadmonk.raw_rows). Message has no save() of its own and nothing
    # listens to its saves.
    return raw_rows.Insert(Message, rows)


def notify_booking_confirmed(*, booking, receipt: dict | None = None) -> None:
    """Queue the 'booking confirmed' messages to client and owner (on commit); a paid session's
    carry its receipt (amount and currency as numbers, paid_with, paid_at)."""
    _queue_ids(raw_rows.insert_together([_confirmation_rows(booking, receipt)]))


def _confirmation_rows(booking, receipt: dict | None) -> raw_rows.Insert:
    return _booking_message_rows(booking, MessageKind.BOOKING_CONFIRMED, {"receipt": receipt} if receipt else None)


def notify_booking_rescheduled(*, booking, previous_start: datetime) -> None:
    """Queue the 'booking rescheduled' messages to client and owner (on commit)."""
    context = {"previous_start": previous_start.isoformat()}
    _queue_ids(_booking_messages(booking, MessageKind.BOOKING_RESCHEDULED, context))


def notify_booking_cancelled(*, booking) -> None:
    """Queue the 'booking cancelled' messages to client and owner (on commit)."""
    _queue_ids(_booking_messages(booking, MessageKind.BOOKING_CANCELLED))


def notify_order_confirmed(*, order, owner_notice: bool = True) -> None:
    """Queue the order confirmation (with receipt) to the client and the new-order notice to the owner.

    `owner_notice=False` sends the client's confirmation only (the owner resending it).
    """
    gift = gift_of(order)
    if gift is not None and gift.is_sent and not owner_notice:
        # A resend once the gift is the recipient's: their gift email again, never the receipt.
        _queue([Message.objects.create(order=order, kind=MessageKind.GIFT_RECEIVED, audience=Audience.CLIENT,
                                       recipient=order.client_email)])
        return
    # A gift's receipt goes to the buyer, who paid (orders.gifts); the recipient hears on the day.
    messages = [Message.objects.create(order=order, kind=MessageKind.ORDER_CONFIRMED, audience=Audience.CLIENT,
                                       recipient=gift.buyer_email if gift is not None else order.client_email)]
    if owner_notice and order.owner.notify_owner_by_email:
        messages.append(Message.objects.create(order=order, kind=MessageKind.ORDER_NEW, audience=Audience.OWNER,
                                               recipient=order.owner.email))
    _queue(messages)


def notify_sessions_booked(*, order, bookings) -> None:
    """Queue one 'sessions booked' message to the client (and the owner) listing every session of
    a set booked in one go, with one calendar file holding them all (on commit)."""
    # The client's copy shows the times in the zone they chose them in (the bookings').
    context = {"booking_ids": [booking.pk for booking in bookings],
               "client_timezone": bookings[0].client_timezone if bookings else order.client_timezone}
    messages = [Message.objects.create(order=order, kind=MessageKind.SESSIONS_BOOKED, audience=Audience.CLIENT,
                                       recipient=order.client_email, context=context)]
    if order.owner.notify_owner_by_email:
        messages.append(Message.objects.create(order=order, kind=MessageKind.SESSIONS_BOOKED,
                                               audience=Audience.OWNER, recipient=order.owner.email,
                                               context=context))
    _queue(messages)


def notify_order_cancelled(*, order, cancelled_bookings=()) -> None:
    """Queue the 'order cancelled' (or refunded) message to the client. It lists the sessions the
    cancellation took away (`cancelled_bookings`) and carries a calendar cancellation for each."""
    kind = MessageKind.ORDER_REFUNDED if order.status == OrderStatus.REFUNDED else MessageKind.ORDER_CANCELLED
    context = {"cancelled_booking_ids": [booking.pk for booking in cancelled_bookings]}
    gift = gift_of(order)
    recipient = order.client_email
    if gift is not None and not gift.is_sent:
        # A gift not yet sent is still the buyer's business: the recipient never hears of it.
        recipient, context["to_buyer"] = gift.buyer_email, True
    messages = [Message.objects.create(order=order, kind=kind, audience=Audience.CLIENT, recipient=recipient,
                                       context=context)]
    if kind == MessageKind.ORDER_REFUNDED and gift is not None and gift.is_sent:
        # The money goes back to the buyer, who paid: they hear of the refund, with its credit note
        # (billed to them, as the invoice; documents_to_attach keeps it off the recipient's email).
        messages.append(Message.objects.create(order=order, kind=kind, audience=Audience.CLIENT,
                                               recipient=gift.buyer_email, context={"to_buyer": True}))
    _queue(messages)


def notify_partial_refund(*, order=None, booking=None, credit_note=None, amount: Decimal, left: Decimal,
                          currency: str, reason: str, sessions_removed: list[dict]) -> None:
    """Queue the client's email about part of their payment going back: how much, what is left,
    the sessions taken off their order, and its credit note as a PDF (as the receipt carries the
    invoice). Who paid hears it: a gift's buyer, else the client of the order or session."""
    if order is not None:
        gift = gift_of(order)
        recipient = gift.buyer_email if gift is not None else order.client_email
        # What the client can still book: a meeting type disabled or deleted since is not theirs to
        # book (DESIGN rule 6), the rule the expiry warning and the reminder to book count by.
        sessions_left = CreditLedgerEntry.objects.filter(bookable_q("order_item__meeting_type__"),
                                                         order_item__order=order).balance()
    else:
        recipient, sessions_left = booking.client_email, None
    # The amounts as numbers: the email writes them in the client's language when it is sent
    # (build_partial_refund_email); messages written before kept them as English text.
    context = {"amount": str(amount), "left": str(left), "currency": currency, "reason": reason,
               "sessions_removed": sessions_removed, "sessions_left": sessions_left,
               "credit_note_id": credit_note.pk if credit_note is not None else None,
               "credit_note_number": credit_note.number if credit_note is not None else ""}
    _queue([Message.objects.create(order=order, booking=booking, kind=MessageKind.PARTIAL_REFUND,
                                   audience=Audience.CLIENT, recipient=recipient, context=context)])


def notify_session_refund(*, booking, credit_note=None, amount: Decimal, currency: str, reason: str) -> None:
    """Queue the client's email about the rest of a paid session's payment going back (a cancel's
    refund follows the cancellation email, as an order's does): how much, with its credit note."""
    context = {"amount": str(amount), "currency": currency, "reason": reason,
               "credit_note_id": credit_note.pk if credit_note is not None else None,
               "credit_note_number": credit_note.number if credit_note is not None else ""}
    _queue([Message.objects.create(booking=booking, kind=MessageKind.SESSION_REFUNDED, audience=Audience.CLIENT,
                                   recipient=booking.client_email, context=context)])


def notify_order_payment_requested(*, order) -> None:
    """Queue the email asking the client to pay an order the owner issued, with its order link
    (where the normal checkout is)."""
    _queue([Message.objects.create(order=order, kind=MessageKind.ORDER_PAYMENT_REQUESTED, audience=Audience.CLIENT,
                                   recipient=order.client_email)])


def notify_order_expiring(*, order, sessions_left: int) -> None:
    """Queue the warning to the client that the order's unused sessions expire soon (the caller
    claims the order first, so it goes out once)."""
    _queue([Message.objects.create(order=order, kind=MessageKind.ORDER_EXPIRING, audience=Audience.CLIENT,
                                   recipient=order.client_email, context={"sessions_left": sessions_left})])


def notify_order_book_nudge(*, order, sessions_left: int) -> None:
    """Queue the reminder to the client that they have sessions left to book, with the order link
    (the caller claims the order first, so it goes out once)."""
    _queue([Message.objects.create(order=order, kind=MessageKind.ORDER_BOOK_NUDGE, audience=Audience.CLIENT,
                                   recipient=order.client_email, context={"sessions_left": sessions_left})])


def notify_membership_past_due(*, order, held_from: datetime) -> None:
    """Queue the email telling the client a membership renewal failed: how to pay (their order
    page) and from when booking is refused until it is paid (the caller writes it once per failure)."""
    _queue([Message.objects.create(order=order, kind=MessageKind.MEMBERSHIP_PAST_DUE, audience=Audience.CLIENT,
                                   recipient=order.client_email, context={"held_from": held_from.isoformat()})])


def notify_team_invitation(*, invitation) -> None:
    """Queue the invitation email to the invited address (on commit). The pending row is the
    outbox: if the broker is down at commit, the dispatcher's sweep queues it again."""
    _queue([Message.objects.create(invitation=invitation, kind=MessageKind.TEAM_INVITATION,
                                   audience=Audience.INVITEE, recipient=invitation.email)])


def notify_gift_delivered(*, order, gift) -> None:
    """Queue the gift email to its recipient (their order page, the buyer's message) and a short
    "Your gift was delivered" to the buyer (the caller claims the gift first, so each goes out once)."""
    _queue([
        Message.objects.create(order=order, kind=MessageKind.GIFT_RECEIVED, audience=Audience.CLIENT,
                               recipient=gift.recipient_email),
        Message.objects.create(order=order, kind=MessageKind.GIFT_DELIVERED, audience=Audience.CLIENT,
                               recipient=gift.buyer_email, context={"to_buyer": True}),
    ])


def notify_webhook_disabled(*, owner, url: str, reason: str) -> None:
    """Queue the email telling the owner their webhook endpoint was disabled after a day of failed
    deliveries (the caller disables it under its row lock, so this goes out once)."""
    _queue([Message.objects.create(kind=MessageKind.WEBHOOK_DISABLED, audience=Audience.OWNER,
                                   recipient=owner.email, context={"url": url, "reason": reason})])


def notify_portal_sign_in(*, email: str, link: str, expires_at: datetime) -> None:
    """Queue the client's "Find my bookings" sign-in link (portal). The link is the one secret the
    row carries: delivery erases it once the email has gone (or can no longer go), and an email
    still unsent when the link expires is not sent at all."""
    _queue([Message.objects.create(kind=MessageKind.PORTAL_SIGN_IN, audience=Audience.CLIENT, recipient=email,
                                   context={"link": link, "expires_at": expires_at.isoformat(),
                                            # the language of the page that asked (emails.message_language_of)
                                            "language": client_language()})])


def notify_waitlist_offer(*, email: str, phone: str, link: str, expires_at: datetime, what: str,
                          language: str) -> None:
    """Queue the email (and, with a mobile number, the text) that offers a freed seat to the first
    on a waitlist (waitlists), in the transaction that makes the offer. `what` names the session
    ("Group workshop on Tue 8 Dec, 9:00 (Europe/London)"), written in `language`, the one the
    client joined in. The claim link is a secret like a sign-in link: delivery erases it once sent,
    and nothing is sent once the offer has expired."""
    context = {"link": link, "expires_at": expires_at.isoformat(), "what": what, "language": language}
    rows = [Message.objects.create(kind=MessageKind.WAITLIST_OFFER, audience=Audience.CLIENT, recipient=email,
                                   context=context)]
    if phone:
        rows.append(Message.objects.create(kind=MessageKind.WAITLIST_OFFER, audience=Audience.CLIENT,
                                           channel=Channel.SMS, recipient=phone, context=context))
    _queue(rows)


def _instalment_context(*, amount: Decimal, currency: str, numbers: list[int], count: int) -> dict:
    """Numbers only: the email writes the amount and "payment 2 of 3" in its own language when it is
    sent (notifications.emails), not in whatever language the charge ran in."""
    return {"amount": str(amount), "currency": currency, "numbers": numbers, "count": count}


def notify_instalment_failed(*, order, amount: Decimal, currency: str, numbers: list[int], count: int) -> None:
    """Queue the email telling the client an instalment of their payment plan did not go through,
    with the order page where they pay it (instalments; the caller moves the instalment to failed
    under its lock, so this goes out once per failure). `numbers` of `count`: instalment 2 of 3."""
    instalment = _instalment_context(amount=amount, currency=currency, numbers=numbers, count=count)
    _queue([Message.objects.create(order=order, kind=MessageKind.INSTALMENT_FAILED, audience=Audience.CLIENT,
                                   recipient=order.client_email, context={"instalment": instalment})])


def notify_instalment_paid(*, order, amount: Decimal, currency: str, numbers: list[int], count: int,
                           paid_with: str, payment_id: int) -> None:
    """Queue the receipt of a paid instalment (or of the rest paid at once) with its invoice; once
    per payment (the caller confirms it under its lock)."""
    instalment = {**_instalment_context(amount=amount, currency=currency, numbers=numbers, count=count),
                  "paid_with": paid_with}
    _queue([Message.objects.create(order=order, kind=MessageKind.INSTALMENT_PAID, audience=Audience.CLIENT,
                                   recipient=order.client_email,
                                   context={"instalment": instalment, "payment_id": payment_id})])


# --- Erasure ----------------------------------------------------------------------------------

ERASED_TEXT = "[erased]"
NOT_SENT = "Not sent: the client's data was erased."


def messages_erase_client(*, messages, email: str, pseudonym: str, scrub) -> int:
    """Rewrite `messages` (rows about a client being erased: clients.services.client_erase and the
    apps that listen to it): the client's address becomes `pseudonym` (a text's number "[erased]"),
    `scrub(value)` replaces their details in the subject and context, and a message not sent yet is
    never sent. The owner's copies keep the owner's address. Returns how many rows were rewritten."""
    messages = list(messages)
    for message in messages:
        if message.audience == Audience.CLIENT or normalize_email(message.recipient) == email:
            message.recipient = pseudonym if message.channel == Channel.EMAIL else ERASED_TEXT
        message.subject = scrub(message.subject)
        message.context = scrub(message.context)
        if message.status == MessageStatus.PENDING:
            message.status, message.error = MessageStatus.FAILED, NOT_SENT
    Message.objects.bulk_update(messages, ["recipient", "subject", "context", "status", "error"])
    return len(messages)
