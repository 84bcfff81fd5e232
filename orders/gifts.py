"""Gifts: a package bought for someone else. The buyer pays and gets the receipt with a link to the
gift page; on the day chosen the recipient is emailed the order page, which is then theirs.

- Placed with the order (order_create(gift=...)); until it is paid the order's client is the buyer
  (checkout, payment links). When the order becomes active (orders.receivers hears
  orders.signals.order_activated) the order's client fields become the recipient's and the buyer
  is kept on the Gift.
- Until it is sent nobody can book from the order: the order page sends the buyer to the gift page,
  and the order's token is replaced when it is sent, so the link the buyer saw while paying never
  opens the recipient's page.
- Sending is claimed under the order's row lock with a conditional update of `sent_at`, in the
  transaction that writes the emails (notifications listens to orders.signals.gift_delivered): once,
  with two schedulers as with one; never for an order that is not active (unpaid, cancelled, refunded).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import dateformat, timezone

from leadmonk.content_version import orders_changed
from leadmonk.languages import date_formats
from leadmonk.languages import translatable as _
from leadmonk.timezones import is_valid_timezone
from leadmonk.tokens import looks_like_token, new_token
from orders.models import Gift, OrderStatus, PackageOrder
from orders.signals import gift_delivered, order_client_changed
from scheduling.services import BookingError

# The hour of the chosen day (in the buyer's zone) at which the beat task sends a gift: an email
# that arrives with breakfast, not at midnight. A gift paid on its day goes at once.
SEND_HOUR = time(8, 0)
# How far ahead a gift can be sent.
LONGEST_WAIT = timedelta(days=365)


@dataclass(frozen=True)
class GiftDetails:
    """What the order form asks about a gift (orders.gift_forms.GiftForm)."""

    recipient_name: str
    recipient_email: str
    message: str
    send_on: date


class GiftError(Exception):
    """A refused change of a gift; `.message` is shown next to the field as is."""

    message = _("This gift can no longer be changed.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class GiftNotDelivered(BookingError):
    message = _("This order is a gift that has not been delivered yet: no sessions can be booked before.")


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_valid_timezone(name) else "UTC")


def today_in(zone_name: str, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone_of(zone_name)).date()


def send_day_refusal(send_on: date, *, zone_name: str, now: datetime | None = None) -> str:
    """Why `send_on` cannot be the day to send a gift ("" when it can): not before today nor more
    than a year ahead, both in the buyer's zone."""
    today = today_in(zone_name, now)
    if send_on < today:
        return _("Choose today (%(day)s) or a later day.") % {"day": _day(today)}
    last = today + LONGEST_WAIT
    if send_on > last:
        return _("Choose a day within a year: %(day)s at the latest.") % {"day": _day(last)}
    return ""


def _day(day: date) -> str:
    """"1 Dec 2026" in the active language (the order page's)."""
    return dateformat.format(day, date_formats()["date"])


def gift_of(order: PackageOrder) -> Gift | None:
    """The order's gift or None (no query when the order was read with select_related("gift"))."""
    try:
        return order.gift
    except ObjectDoesNotExist:
        return None


def gift_for_token(*, token: str) -> Gift | None:
    if not looks_like_token(token):
        return None
    return Gift.objects.select_related("order__owner").filter(token=token).first()


def undelivered_gift(order: PackageOrder) -> Gift | None:
    """The order's gift while it has not been sent: the buyer's, not yet the recipient's."""
    gift = gift_of(order)
    return gift if gift is not None and not gift.is_sent else None


def gift_attach(*, order: PackageOrder, details: GiftDetails) -> Gift:
    """Record that `order` (just placed, its client still the buyer) is a gift. Called by
    order_create in the order's transaction, before a free order is made active."""
    zone = zone_of(order.client_timezone)
    return Gift.objects.create(
        order=order,
        buyer_name=order.client_name,
        buyer_email=order.client_email,
        buyer_phone=order.client_phone,
        recipient_name=details.recipient_name,
        recipient_email=details.recipient_email,
        message=details.message,
        send_on=details.send_on,
        send_at=datetime.combine(details.send_on, SEND_HOUR, tzinfo=zone),
    )


def gift_hand_over(*, order: PackageOrder) -> None:
    """Paid: the order becomes the recipient's (its client fields), the buyer stays on the gift,
    and a gift whose day has come is sent at once. Called by orders.receivers when the order becomes
    active, in that transaction, with the order's row locked by order_transition."""
    gift = Gift.objects.filter(order=order).first()
    if gift is None:
        return
    buyer_email = order.client_email
    order.client_name, order.client_email = gift.recipient_name, gift.recipient_email
    # The buyer's name parts and mobile number are not the recipient's: reminders by SMS would
    # reach the buyer (the gift keeps the buyer's number: gift_attach). The zone is kept (the best
    # guess of where the recipient is).
    order.client_first_name = order.client_last_name = order.client_phone = ""
    fields = ["client_name", "client_email", "client_first_name", "client_last_name", "client_phone"]
    if order.expiry_kind == "after_purchase" and order.expires_at is not None:
        # "N days after purchase" counts from the day the recipient gets it (set when it is sent).
        order.expires_at = None
        fields.append("expires_at")
    PackageOrder.objects.filter(pk=order.pk).update(**{field: getattr(order, field) for field in fields})
    order_client_changed.send(sender=PackageOrder, owner_id=order.owner_id,
                              emails=[buyer_email, order.client_email])
    if gift.send_on <= today_in(order.client_timezone):
        _deliver(gift.pk)


def _deliver(gift_id: int, now: datetime | None = None) -> bool:
    """Send one gift now, if it is still to be sent and its order active: claim it, give the order a
    new token (the recipient's alone), start its expiry, and let notifications write the emails, all
    in one transaction. Returns True when this call sent it."""
    now = now or timezone.now()
    with transaction.atomic():
        gift = Gift.objects.filter(pk=gift_id).only("order_id").first()
        if gift is None:
            return False
        # The order's row lock serialises this with a cancel, a refund and a change of the
        # recipient's email; the status is read after it.
        order = PackageOrder.objects.select_for_update().select_related("owner").get(pk=gift.order_id)
        if order.status != OrderStatus.ACTIVE:
            return False
        if not Gift.objects.filter(pk=gift_id, sent_at__isnull=True).update(sent_at=now):
            return False  # another worker sent it
        orders_changed(owner_id=order.owner_id)
        order.token = new_token()
        fields = ["token", "updated_at"]
        if order.expiry_kind == "after_purchase" and order.expiry_days and order.expires_at is None:
            order.expires_at = now + timedelta(days=order.expiry_days)
            fields.append("expires_at")
        order.save(update_fields=fields)
        gift = Gift.objects.get(pk=gift_id)
        gift_delivered.send(sender=PackageOrder, order=order, gift=gift)
    return True


def gifts_send_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send every gift whose moment has come (its order paid and still active). Run by the beat
    task every few minutes; safe with two schedulers (each gift is claimed once). Returns how many
    this call sent."""
    now = now or timezone.now()
    due = list(
        Gift.objects.filter(sent_at__isnull=True, send_at__lte=now, order__status=OrderStatus.ACTIVE)
        .order_by("send_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sum(_deliver(gift_id, now) for gift_id in due)


def gift_change_recipient_email(*, gift: Gift, email: str) -> Gift:
    """The buyer corrects the recipient's email before the gift is sent. Raises GiftError (and
    changes nothing) once it is sent or when the order will not send it (cancelled, refunded)."""
    with transaction.atomic():
        order = PackageOrder.objects.select_for_update().get(pk=gift.order_id)
        locked = Gift.objects.get(pk=gift.pk)
        refusal = gift_change_refusal(locked, order)
        if refusal:
            raise GiftError(refusal)
        locked.recipient_email = email
        locked.save(update_fields=["recipient_email"])
        if order.paid_at is not None:  # handed over: the order's client is the recipient
            PackageOrder.objects.filter(pk=order.pk).update(client_email=email, updated_at=timezone.now())
            orders_changed(owner_id=order.owner_id)
            order_client_changed.send(sender=PackageOrder, owner_id=order.owner_id,
                                      emails=[order.client_email, email])
    return locked


def gift_change_refusal(gift: Gift, order: PackageOrder) -> str:
    """Why the recipient's email can no longer be changed ("" while it can)."""
    if gift.is_sent:
        # The day in the buyer's zone and the page's language, as the page shows it.
        sent_on = gift.sent_at.astimezone(zone_of(order.client_timezone)).date()
        return _("This gift was sent on %(day)s; its email can no longer be changed.") % {"day": _day(sent_on)}
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.EXPIRED):
        return _("This order was %(status)s: the gift will not be sent.") % {
            "status": order.get_status_display().lower()}
    return ""


def refuse_booking_before_delivery(order: PackageOrder) -> None:
    """Nobody books from a gift before it is sent (the recipient does not have it yet, and a link
    emailed before the order's token changes would stop working)."""
    if Gift.objects.filter(order_id=order.pk, sent_at__isnull=True).exists():
        raise GiftNotDelivered()
