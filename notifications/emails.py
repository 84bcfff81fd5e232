"""Build each email (subject, text part, HTML part, .ics) from a Message row and its booking or order
(or, for a team invitation, its invitation: a text email).

Rendering happens at send time from the rows as they are then; times are shown in the
recipient's zone (the client's booking zone, or the owner's zone) with the zone's name.
"""
import functools
import logging
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.brand import brand_of
from invoices.documents import PdfUnavailable, document_pdf, pdf_filename
from invoices.selectors import (
    credit_notes_for_booking,
    credit_notes_for_order,
    invoices_for_booking,
    invoices_for_order,
    invoices_for_payment,
    order_refund_credit_note,
)
from leadmonk.languages import ENGLISH, date_formats, message_language
from leadmonk.money import format_money, percent_label
from notifications.models import Audience, Message, MessageKind
from orders.gifts import gift_of
from orders.nudges import booking_session_number, order_buy_again_path
from scheduling.calendar import (
    booking_ics,
    booking_location,
    booking_place,
    bookings_ics,
    calendar_links,
    host_names,
    session_name,
)
from scheduling.tax import tax_name_label
from teams.models import InvitationStatus
from teams.rules import invitation_token

logger = logging.getLogger(__name__)

# Which template renders which kind (refunds share the cancellation template).
TEMPLATE_FOR_KIND = {
    MessageKind.ORDER_CONFIRMED: "order_confirmed",
    MessageKind.ORDER_NEW: "order_new",
    MessageKind.ORDER_CANCELLED: "order_cancelled",
    MessageKind.ORDER_REFUNDED: "order_cancelled",
    MessageKind.ORDER_EXPIRING: "order_expiring",
    MessageKind.ORDER_BOOK_NUDGE: "order_book_nudge",
    MessageKind.ORDER_PAYMENT_REQUESTED: "order_payment_requested",
    MessageKind.MEMBERSHIP_PAST_DUE: "membership_past_due",
    MessageKind.BOOKING_CONFIRMED: "booking_confirmed",
    MessageKind.BOOKING_RESCHEDULED: "booking_rescheduled",
    MessageKind.BOOKING_CANCELLED: "booking_cancelled",
    MessageKind.REMINDER: "reminder",
    MessageKind.SESSIONS_BOOKED: "sessions_booked",
    MessageKind.GIFT_RECEIVED: "gift_received",
    MessageKind.GIFT_DELIVERED: "gift_delivered",
    MessageKind.INSTALMENT_FAILED: "instalment_failed",
    MessageKind.INSTALMENT_PAID: "instalment_paid",
}


# How an order or a paid session was paid, as payments writes it down (its providers' labels, in
# English): the receipts translate it where the client reads it (`{% translate order.paid_with %}`).
PAID_WITH_LABELS = (gettext_noop("Paid outside the app"), gettext_noop("Test provider"),
                    gettext_noop("Nothing to pay"))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_when(start: datetime, end: datetime | None, tz_name: str) -> str:
    """'Tuesday, 1 December 2026, 10:00 AM – 10:30 AM (America/New_York)' in the zone `tz_name`."""
    tz = zone(tz_name)
    local_start = start.astimezone(tz)
    formats = date_formats()  # in the message's language: "Dienstag, 1. Dezember 2026, 10:00"
    day_time = f"{formats['long_date']}, {formats['message_time']}"
    text = dateformat.format(local_start, day_time)
    if end is not None:
        local_end = end.astimezone(tz)
        same_day = local_end.date() == local_start.date()
        text += " – " + dateformat.format(local_end, formats["message_time"] if same_day else day_time)
    return f"{text} ({tz.key})"


def recipient_timezone(message: Message) -> str:
    if message.audience == Audience.OWNER:
        owner = message.booking.owner if message.booking_id else message.order.owner
        return owner.timezone
    if message.booking_id:
        return message.booking.client_timezone
    return message.context.get("client_timezone") or message.order.client_timezone


def session_timezone(message: Message, booking) -> str:
    """The zone a session of an order is written in: for the client the one they chose its time in
    (as its confirmation and reminders gave it, whatever zone the order was placed in), for the
    owner theirs."""
    if message.audience == Audience.CLIENT and booking.client_timezone:
        return booking.client_timezone
    return recipient_timezone(message)


def written_amounts(kept: dict, names: tuple[str, ...]) -> dict:
    """The amounts a message keeps as numbers (`names`, with its "currency"), written in the active
    language (the message's) when it is built: not in whatever language the change that wrote it
    ran in (a webhook's English). A message written before amounts were kept as numbers holds them
    as English text and no currency: {} then, and they show as stored."""
    if "currency" not in kept:
        return {}
    return {name: format_money(Decimal(kept[name]), kept["currency"]) for name in names if name in kept}


def booking_context(message: Message) -> dict:
    booking = message.booking
    tz_name = recipient_timezone(message)
    owner = booking.owner
    context = {
        "booking": booking,
        "meeting_type": booking.meeting_type,
        "session_name": session_name(booking),
        "session_minutes": int((booking.end - booking.start).total_seconds() // 60),
        "owner": owner,
        # Every host of a collective team meeting, by name.
        "owner_name": host_names(booking),
        "brand": brand_of(owner, absolute=True),
        "when": format_when(booking.start, booking.end, tz_name),
        "location": booking_location(booking),
        "place": booking_place(booking),
        "manage_url": f"{settings.SITE_URL}/bookings/{booking.token}/",
        "calendar_links": calendar_links(booking),
        "dashboard_url": f"{settings.SITE_URL}/dashboard/",
        "order": booking.order_item.order if booking.order_item_id else None,
    }
    if context["order"] is not None:
        context["order_url"] = f"{settings.SITE_URL}/orders/{context['order'].token}/"
        # "Session 2 of 5", counted when the message is rendered (a reminder has the number of
        # the session as the package stands then).
        context["session_number"] = booking_session_number(booking)
        # The order's sessions have expired (or its expiry moment has passed before the task ran):
        # a credit given back by a cancel expired at once (orders.credits._give_back), so the
        # cancellation tells the client so instead of inviting them to book another time.
        order = context["order"]
        context["order_expired"] = order.credits_expired_at is not None or order.is_expired(timezone.now())
        if message.kind == MessageKind.BOOKING_CONFIRMED:
            context.update(_last_session(message, context["order"], [booking.pk]))
    receipt = message.context.get("receipt")
    if receipt:
        paid_at = parse_datetime(receipt.get("paid_at", "") or "")
        amounts = written_amounts(receipt, ("amount", "price", "discount"))
        context["receipt"] = {**receipt, **amounts, "paid_on": format_when(paid_at, None, tz_name) if paid_at else ""}
    previous_start = parse_datetime(message.context.get("previous_start", "") or "")
    if previous_start is not None:
        context["previous_when"] = format_when(previous_start, None, tz_name)
    return context


def cancelled_sessions(message: Message, key: str = "cancelled_booking_ids") -> list:
    """The bookings an order cancellation took away (ids kept in the message), soonest first; with
    key="booking_ids", the sessions a set booked in one go."""
    ids = set(message.context.get(key) or [])
    if not ids:
        return []
    bookings = [
        booking for item in message.order.items.all()
        for booking in item.bookings.select_related("meeting_type__owner", "order_item").all()
        if booking.pk in ids
    ]
    return sorted(bookings, key=lambda booking: (booking.start, booking.pk))


def order_context(message: Message) -> dict:
    order = message.order
    tz_name = recipient_timezone(message)
    owner = order.owner
    ordered_at = order.paid_at or order.created_at
    sessions = cancelled_sessions(message)
    booked = cancelled_sessions(message, "booking_ids")
    gift = gift_of(order)
    return {
        "gift": gift,
        "gift_url": f"{settings.SITE_URL}/orders/gifts/{gift.token}/" if gift else "",
        "send_day": dateformat.format(gift.send_on, date_formats()["message_day"]) if gift else "",
        # Who the email greets: the buyer in what they hear of a gift (the receipt, always theirs;
        # a cancellation before it was sent; its delivery), else the order's client.
        "greeting_name": (gift.buyer_name if gift and (message.context.get("to_buyer")
                                                        or message.kind == MessageKind.ORDER_CONFIRMED)
                          else order.client_name),
        "booked_sessions": [
            {"name": session_name(booking),
             "when": format_when(booking.start, booking.end, session_timezone(message, booking)),
             "manage_url": f"{settings.SITE_URL}/bookings/{booking.token}/", "links": calendar_links(booking),
             "number": booking_session_number(booking),
             # The set's email is the only confirmation its sessions get: where each one meets.
             "location": booking_location(booking), "place": booking_place(booking)}
            for booking in booked
        ],
        **_last_session(message, order, [booking.pk for booking in booked]),
        "booked_bookings": booked,
        "cancelled_sessions": [
            {"name": session_name(booking),
             "when": format_when(booking.start, booking.end, session_timezone(message, booking))}
            for booking in sessions
        ],
        "order": order,
        "items": list(order.items.all()),
        "owner": owner,
        "owner_name": owner.display_name or owner.email,
        "brand": brand_of(owner, absolute=True),
        "amount": (_("Complimentary (no charge)") if order.is_complimentary
                   else format_money(order.total_price, order.currency)),
        # Tax on top of the price (the owner's prices exclude it): the receipt's line before Amount.
        # The name the owner gave the tax, or the app's own default ("Tax"), which reads translated.
        "tax_label": (f"{tax_name_label(order.tax_name)} {percent_label(order.tax_rate or 0)} %"
                      if order.tax_added else ""),
        "tax": format_money(order.tax_added, order.currency),
        # A promo code's line on the receipt: the price before it and what it took off.
        "price_before_discount": format_money(order.price_before_discount, order.currency),
        # An order paid in instalments: the checkout took the first payment (its invoice is attached),
        # not the amount; the receipt says the plan and what was paid.
        "payment_plan": order.payment_plan_summary if order.has_payment_plan and not order.is_complimentary else "",
        "first_payment": format_money(order.first_charge, order.currency),
        "discount": format_money(order.discount, order.currency),
        "ordered_on": format_when(ordered_at, None, tz_name),
        "order_url": f"{settings.SITE_URL}/orders/{order.token}/",
        "dashboard_url": f"{settings.SITE_URL}/dashboard/orders/",
        "refunded": message.kind == MessageKind.ORDER_REFUNDED,
        # What goes back now: the refund that completed it (its credit note), not the whole price
        # when part of it went back before (its own email said so) or only some instalments were paid.
        "refunded_now": _refunded_now(message) if message.kind == MessageKind.ORDER_REFUNDED else "",
        # Cash, a bank transfer: the owner gave the money back outside the app, not to a card.
        "paid_outside": order.paid_with == PAID_WITH_LABELS[0],
        # A sent gift's recipient paid nothing: its refund went to the buyer (who hears it apart).
        "gift_recipient": gift is not None and gift.is_sent and not message.context.get("to_buyer"),
        "expires_on": format_when(order.expires_at, None, tz_name) if order.expires_at else "",
        "sessions_left": message.context.get("sessions_left", 0),
        # A membership's failed renewal: from when booking is refused until it is paid.
        "held_from": (format_when(held_from, None, tz_name)
                      if (held_from := parse_datetime(message.context.get("held_from", "") or "")) else ""),
        # A payment plan's instalment (instalments): {"amount", "what", "paid_with"}.
        "instalment": instalment_words(message.context.get("instalment", {})),
    }


def refund_credit_note(message: Message):
    """The credit note of the refund that refunded the order of `message` (ORDER_REFUNDED) in full:
    the newest issued by the time the message was written, so a refund of the same order landing
    between its commit and its send is not taken for it. Its amount is the email's, and it is the
    PDF attached (documents_to_attach): one note for both."""
    return order_refund_credit_note(message.order, issued_by=message.created_at)


def _refunded_now(message: Message) -> str:
    """The money an order's refund gives back now, written: the amount of its credit note
    (refund_credit_note), else (no invoices then) what the order cost."""
    note = refund_credit_note(message)
    return (format_money(note.total, note.currency) if note is not None
            else format_money(message.order.total_price, message.order.currency))


def instalment_words(written: dict) -> dict:
    """An instalment's amount and which one it is ("payment 2 of 3"), written from the numbers the
    message keeps, in its language; one written before they were kept as numbers holds them as
    English text, shown as it is. How it was paid is the provider's label, translated."""
    words = dict(written)
    if "paid_with" in written:
        words["paid_with"] = _(written["paid_with"])
    if "currency" not in written:
        return words
    numbers = written["numbers"]
    values = {"first": numbers[0], "last": numbers[-1], "count": written["count"],
              "others": ", ".join(str(number) for number in numbers[:-1])}
    if len(numbers) == 1:
        words["what"] = _("payment %(first)s of %(count)s") % values
    elif numbers == list(range(numbers[0], numbers[-1] + 1)):
        words["what"] = _("payments %(first)s to %(last)s of %(count)s") % values
    else:  # one paid between them already (the 2nd failed, the 3rd went through): "payments 2 and 4 of 4"
        words["what"] = _("payments %(others)s and %(last)s of %(count)s") % values
    return {**words, **written_amounts(written, ("amount",))}


def _last_session(message: Message, order, booking_ids: list[int]) -> dict:
    """The client's confirmation of the booking that used the order's last credit (orders.nudges
    marks it once per order) says so, and links to the package's order page while it is on sale."""
    if message.audience != Audience.CLIENT or order.last_credit_booking_id not in booking_ids:
        return {}
    path = order_buy_again_path(order)
    return {"last_session": True, "buy_again_url": f"{settings.SITE_URL}{path}" if path else ""}


def subject_for(message: Message, context: dict) -> str:
    """The subject, in the message's language for a client (owners' stay English: the dashboard's)."""
    kind = message.kind
    to_client = message.audience == Audience.CLIENT
    if kind in (MessageKind.ORDER_CONFIRMED, MessageKind.ORDER_NEW, MessageKind.ORDER_CANCELLED,
                MessageKind.ORDER_REFUNDED, MessageKind.SESSIONS_BOOKED, MessageKind.ORDER_EXPIRING,
                MessageKind.ORDER_PAYMENT_REQUESTED, MessageKind.ORDER_BOOK_NUDGE, MessageKind.GIFT_RECEIVED,
                MessageKind.GIFT_DELIVERED, MessageKind.INSTALMENT_FAILED, MessageKind.INSTALMENT_PAID,
                MessageKind.MEMBERSHIP_PAST_DUE):
        title = context["order"].title
        gift = context["gift"]
        count = len(context["booked_sessions"])
        left = context["sessions_left"]
        if kind == MessageKind.ORDER_NEW:
            return (f"New order: {title} from {gift.buyer_name} (a gift)" if gift
                    else f"New order: {title} from {context['order'].client_name}")
        if kind == MessageKind.SESSIONS_BOOKED and not to_client:
            return f"{count} session{'s' if count != 1 else ''} booked: {title} by {context['order'].client_name}"
        values = {"title": title, "count": count, "left": left, "buyer": gift.buyer_name if gift else "",
                  "amount": (context.get("instalment") or {}).get("amount", "")}
        if kind == MessageKind.SESSIONS_BOOKED:  # a set may hold one session ("Book several sessions")
            return ngettext("Confirmed: %(count)s session of %(title)s",
                            "Confirmed: %(count)s sessions of %(title)s", count) % values
        if kind == MessageKind.ORDER_BOOK_NUDGE:
            return ngettext("You have %(left)s session left to book: %(title)s",
                            "You have %(left)s sessions left to book: %(title)s", left) % values
        return {
            MessageKind.ORDER_EXPIRING: _("Your sessions of %(title)s expire soon"),
            MessageKind.ORDER_PAYMENT_REQUESTED: _("Pay for your order: %(title)s"),
            MessageKind.MEMBERSHIP_PAST_DUE: _("Your membership payment did not go through: %(title)s"),
            MessageKind.ORDER_CONFIRMED: _("Your gift order: %(title)s") if gift else _("Your order: %(title)s"),
            MessageKind.GIFT_RECEIVED: _("A gift for you from %(buyer)s: %(title)s"),
            MessageKind.GIFT_DELIVERED: _("Your gift was delivered: %(title)s"),
            MessageKind.ORDER_CANCELLED: _("Your order was cancelled: %(title)s"),
            MessageKind.ORDER_REFUNDED: _("Your order was refunded: %(title)s"),
            MessageKind.INSTALMENT_FAILED: _("A payment of %(title)s did not go through"),
            MessageKind.INSTALMENT_PAID: _("Payment received: %(amount)s for %(title)s"),
        }[kind] % values
    name = context["session_name"]
    if not to_client:
        with_whom = context["booking"].client_name
        return {
            MessageKind.BOOKING_CONFIRMED: f"Confirmed: {name} with {with_whom}",
            MessageKind.BOOKING_RESCHEDULED: f"Rescheduled: {name} with {with_whom}",
            MessageKind.BOOKING_CANCELLED: f"Cancelled: {name} with {with_whom}",
            MessageKind.REMINDER: f"Reminder: {name} with {with_whom}",
        }[kind]
    values = {"session_name": name, "owner_name": context["owner_name"]}
    return {
        MessageKind.BOOKING_CONFIRMED: _("Confirmed: %(session_name)s with %(owner_name)s"),
        MessageKind.BOOKING_RESCHEDULED: _("Rescheduled: %(session_name)s with %(owner_name)s"),
        MessageKind.BOOKING_CANCELLED: _("Cancelled: %(session_name)s with %(owner_name)s"),
        MessageKind.REMINDER: _("Reminder: %(session_name)s with %(owner_name)s"),
    }[kind] % values


def message_language_of(message: Message) -> str:
    """The language a message speaks: English to an owner; to a client the one they booked in (a
    session of an order booked by the owner: the one they ordered in), else the one they ordered
    in, else the owner's page language (leadmonk.languages.message_language)."""
    if message.audience != Audience.CLIENT:
        return ENGLISH
    if message.booking_id:
        booking = message.booking
        language = booking.client_language
        if not language and booking.order_item_id:
            # A session the owner booked for the client (the dashboard serves no client page, so the
            # booking keeps no language) speaks the language they ordered in.
            language = booking.order_item.order.client_language
        return message_language(language, booking.owner)
    if message.order_id:
        return message_language(message.order.client_language, message.order.owner)
    return message_language(message.context.get("language"))


def in_message_language(build):
    """`build(message)` rendered in the message's language (and nothing after it)."""
    @functools.wraps(build)
    def wrapper(message: Message, *args, **kwargs):
        with translation.override(message_language_of(message)):
            return build(message, *args, **kwargs)
    return wrapper


# A message sent at once still reads as the whole lifetime of its link ("30 minutes", not "29").
SENDING_SECONDS = 5


class MessageObsolete(Exception):
    """What the message was about no longer stands (a revoked or used invitation): not sent."""


def build_invitation_email(message: Message) -> EmailMessage:
    invitation = message.invitation
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        raise MessageObsolete("Not sent: the invitation was withdrawn or already used.")
    inviter = invitation.invited_by
    link = settings.SITE_URL + reverse("team_public:join", args=[invitation_token(invitation.pk)])
    context = {"invitation": invitation, "link": link, "days": settings.TEAM_INVITATION_MAX_AGE_DAYS}
    return EmailMessage(
        subject=f"{inviter.display_name or inviter.email} invited you to {invitation.team.name} on Leadmonk",
        body=render_to_string("notifications/email/team_invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient],
        headers={"Message-ID": f"<message-{message.pk}@{_host()}>"},
        reply_to=[inviter.email],
    )


def build_webhook_disabled_email(message: Message) -> EmailMessage:
    context = {**message.context, "link": settings.SITE_URL + "/dashboard/settings/webhooks/"}
    return EmailMessage(
        subject="Your webhook endpoint was disabled", from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient],
        body=render_to_string("notifications/email/webhook_disabled.txt", context),
        headers={"Message-ID": f"<message-{message.pk}@{_host()}>"},
    )


@in_message_language
def build_portal_sign_in_email(message: Message) -> EmailMessage:
    """The client's "Find my bookings" sign-in link (portal), not sent once the link has expired."""
    link = message.context.get("link", "")
    expires_at = parse_datetime(message.context.get("expires_at", "") or "")
    if not link or expires_at is None or expires_at <= timezone.now():
        raise MessageObsolete("Not sent: the sign-in link expired before it could be sent.")
    subject = _("Your sign-in link: find your bookings")
    # The time left when it is sent (the outbox may send late), in whole minutes rounded down (give or
    # take the seconds it takes to send one at once): never more than the link has.
    minutes_left = max(1, int(((expires_at - timezone.now()).total_seconds() + SENDING_SECONDS) // 60))
    context = {"subject": subject, "link": link, "SITE_URL": settings.SITE_URL, "audience": message.audience,
               "minutes": minutes_left}
    email = EmailMultiAlternatives(
        subject=subject, body=render_to_string("notifications/email/portal_sign_in.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient],
        headers={"Message-ID": f"<message-{message.pk}@{_host()}>"},
    )
    email.attach_alternative(render_to_string("notifications/email/portal_sign_in.html", context), "text/html")
    return email


def _waitlist_offer_context(message: Message) -> dict:
    link = message.context.get("link", "")
    expires_at = parse_datetime(message.context.get("expires_at", "") or "")
    if not link or expires_at is None or expires_at <= timezone.now():
        raise MessageObsolete("Not sent: the waitlist offer expired before it could be sent.")
    # The time left when it is sent (the outbox may send late), in whole hours or, under one hour,
    # whole minutes, rounded down: the message never promises more time than the link has.
    minutes_left = max(1, int((expires_at - timezone.now()).total_seconds() // 60))
    hours, minutes = minutes_left // 60, (minutes_left if minutes_left < 60 else 0)
    return {"link": link, "what": message.context.get("what", ""), "hours": hours, "minutes": minutes,
            "SITE_URL": settings.SITE_URL, "audience": message.audience,
            "subject": _("A seat is free: claim it")}


@in_message_language
def build_waitlist_offer_email(message: Message) -> EmailMessage:
    """A freed seat offered to the first on the waitlist (waitlists), with its claim link."""
    context = _waitlist_offer_context(message)
    email = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string("notifications/email/waitlist_offer.txt", context).rstrip() + find_my_bookings_line(),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient],
        headers={"Message-ID": f"<message-{message.pk}@{_host()}>"},
    )
    email.attach_alternative(render_to_string("notifications/email/waitlist_offer.html", context), "text/html")
    return email


@in_message_language
def build_waitlist_offer_sms(message: Message) -> str:
    context = _waitlist_offer_context(message)
    if context["minutes"]:
        return _("A seat is free: %(what)s. Claim it within %(minutes)s min: %(link)s") % {
            "what": context["what"], "minutes": context["minutes"], "link": context["link"]}
    return _("A seat is free: %(what)s. Claim it within %(hours)s h: %(link)s") % {
        "what": context["what"], "hours": context["hours"], "link": context["link"]}


# The refund emails with the refund's own credit note (an order's full refund is ORDER_REFUNDED).
REFUND_KINDS = (MessageKind.PARTIAL_REFUND, MessageKind.SESSION_REFUNDED)


@in_message_language
def build_partial_refund_email(message: Message) -> EmailMessage:
    """Part of the client's payment went back (payments, through invoices.signals): how much, what
    is left paid, the sessions taken off the order and how many are left, with the credit note as a
    PDF, as the receipt carries the invoice. The rest of a paid session's payment going back (its
    cancel's refund: a session has no order's refund email) is this email said in full. The amounts
    are written in the message's language (a message written before they were kept as numbers holds
    them as English text, shown as it is); a reason the app wrote itself (a refund made in the
    provider's dashboard) is translated too."""
    order, booking = message.order, message.booking
    owner = order.owner if order is not None else booking.owner
    if order is not None:
        gift = gift_of(order)
        greeting = gift.buyer_name if gift is not None else order.client_name
        what, page_url, page_label = order.title, f"{settings.SITE_URL}/orders/{order.token}/", _("See your order")
    else:
        greeting = booking.client_name
        what = f"{session_name(booking)}, {format_when(booking.start, None, recipient_timezone(message))}"
        page_url, page_label = f"{settings.SITE_URL}/bookings/{booking.token}/", _("See your booking")
    full = message.kind == MessageKind.SESSION_REFUNDED
    subject = (_("Your payment was refunded: %(what)s") if full
               else _("Part of your payment was refunded: %(what)s")) % {
        "what": order.title if order is not None else session_name(booking)}
    written = message.context
    amounts = written_amounts(written, ("amount", "left"))
    context = {**written, **amounts, "full": full, "subject": subject, "greeting_name": greeting, "what": what,
               "page_url": page_url, "page_label": page_label, "owner": owner,
               "owner_name": owner.display_name or owner.email, "brand": brand_of(owner, absolute=True),
               "SITE_URL": settings.SITE_URL, "audience": message.audience}
    text = render_to_string("notifications/email/partial_refund.txt", context).rstrip() + find_my_bookings_line()
    email = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient],
        headers={"Message-ID": f"<message-{message.pk}@{_host()}>"}, reply_to=[owner.email],
    )
    email.attach_alternative(render_to_string("notifications/email/partial_refund.html", context), "text/html")
    _attach_documents(email, message)
    return email


def find_my_bookings_line() -> str:
    """The last line of every client email's text part ("Find my bookings", the client portal);
    the HTML part has it in notifications/email/_base.html."""
    return "\n\n" + _("Find my bookings (every order and session of yours, by email): %(url)s") % {
        "url": f"{settings.SITE_URL}/my/"} + "\n"


@in_message_language
def build_email(message: Message) -> EmailMessage:
    if message.kind == MessageKind.TEAM_INVITATION:
        return build_invitation_email(message)
    if message.kind == MessageKind.WEBHOOK_DISABLED:
        return build_webhook_disabled_email(message)
    if message.kind == MessageKind.PORTAL_SIGN_IN:
        return build_portal_sign_in_email(message)
    if message.kind == MessageKind.WAITLIST_OFFER:
        return build_waitlist_offer_email(message)
    if message.kind in REFUND_KINDS:
        return build_partial_refund_email(message)
    context = booking_context(message) if message.booking_id else order_context(message)
    if message.kind in (MessageKind.ORDER_EXPIRING, MessageKind.ORDER_BOOK_NUDGE) \
            and context["order"].is_expired(timezone.now()):
        # "Book them before then" after then (an outbox held up for hours): nothing true to say.
        raise MessageObsolete("Not sent: the sessions expired before it could be sent.")
    context.update({"SITE_URL": settings.SITE_URL, "audience": message.audience, "message": message})
    subject = subject_for(message, context)
    context["subject"] = subject
    template = TEMPLATE_FOR_KIND[message.kind]
    text = render_to_string(f"notifications/email/{template}.txt", context)
    if message.audience == Audience.CLIENT:
        text = text.rstrip() + find_my_bookings_line()
    html = render_to_string(f"notifications/email/{template}.html", context)
    email = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient],
        # A stable Message-ID: a retried send is recognisable as the same message.
        headers={"Message-ID": f"<message-{message.pk}@{_host()}>"},
        reply_to=[_reply_to(message)],
    )
    email.attach_alternative(html, "text/html")
    if message.kind in (MessageKind.BOOKING_CONFIRMED, MessageKind.BOOKING_RESCHEDULED, MessageKind.BOOKING_CANCELLED):
        cancelled = message.kind == MessageKind.BOOKING_CANCELLED
        ics = booking_ics(booking=message.booking, cancelled=cancelled).decode()
        method = "CANCEL" if cancelled else "REQUEST"
        email.attach("invite.ics", ics, f"text/calendar; method={method}")
    if message.kind == MessageKind.SESSIONS_BOOKED and context["booked_bookings"]:
        # One file holding every session of the set (METHOD:PUBLISH: it carries several events).
        ics = bookings_ics(bookings=context["booked_bookings"]).decode()
        email.attach("sessions.ics", ics, "text/calendar; method=PUBLISH")
    if message.kind in (MessageKind.ORDER_CANCELLED, MessageKind.ORDER_REFUNDED):
        # One METHOD:CANCEL file per session, each with the UID of its invitation, so calendar
        # apps remove the events they already have (an iTIP object carries a single UID).
        for position, booking in enumerate(cancelled_sessions(message), start=1):
            ics = booking_ics(booking=booking, cancelled=True).decode()
            email.attach(f"cancel-{position}.ics", ics, "text/calendar; method=CANCEL")
    _attach_documents(email, message)
    return email


def _attach_documents(email: EmailMessage, message: Message) -> None:
    for document in documents_to_attach(message):
        try:
            pdf = document_pdf(document)
        except PdfUnavailable:  # a PDF that cannot be made must not hold back the message itself
            logger.exception("could not make the PDF of %s for message %s", document.number, message.pk)
            continue
        email.attach(pdf_filename(document), pdf, "application/pdf")


def documents_to_attach(message: Message) -> list:
    """The client's payment emails carry their documents as PDFs, made now from the stored snapshot
    (the outbox row holds no file): the order confirmation its invoice, a refund its credit note, a
    paid session's confirmation its invoice."""
    if message.audience != Audience.CLIENT:
        return []
    if message.kind == MessageKind.ORDER_CONFIRMED:
        return invoices_for_order(message.order)
    if message.kind == MessageKind.ORDER_REFUNDED:
        # A gift's credit note is the buyer's (who paid), never its recipient's.
        if gift_of(message.order) is not None and not message.context.get("to_buyer"):
            return []
        # The note of the refund that completed it: an earlier part's note went with its own email.
        note = refund_credit_note(message)
        return [note] if note is not None else []
    if message.kind == MessageKind.INSTALMENT_PAID:
        return invoices_for_payment(message.context.get("payment_id"))
    if message.kind == MessageKind.BOOKING_CONFIRMED and message.context.get("receipt"):
        return invoices_for_booking(message.booking)
    if message.kind in REFUND_KINDS and message.context.get("credit_note_id"):
        # The note of this refund only, found within its own order or session.
        notes = (credit_notes_for_order(message.order) if message.order_id
                 else credit_notes_for_booking(message.booking))
        return [note for note in notes if note.pk == message.context["credit_note_id"]]
    return []


@in_message_language
def build_sms_reminder(message: Message) -> str:
    context = booking_context(message)
    context["SITE_URL"] = settings.SITE_URL
    return render_to_string("notifications/sms/reminder.txt", context).strip()


def _reply_to(message: Message) -> str:
    """Clients reply to the owner; owners reply to the client."""
    subject = message.booking if message.booking_id else message.order
    return subject.owner.email if message.audience == Audience.CLIENT else subject.client_email


def _host() -> str:
    from urllib.parse import urlparse

    return urlparse(settings.SITE_URL).hostname or "leadmonk.local"
