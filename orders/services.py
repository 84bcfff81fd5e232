"""Writes of orders: placing an order (with the snapshot of the package as sold) and booking a
session against an item's quota. What follows a placed order (paid, cancelled, refunded, expired)
is orders.lifecycle, one service per transition; the apps above hear of it through orders.signals.

Lock order (accounts.locks): the owner, then the order item with its order, then scheduling books
(taking the owner's lock again, which is free): the quota is counted after the locks, so two
bookings of the last credit cannot both succeed, and an order being cancelled or refunded cannot
race a booking of it."""
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.locks import lock_owner
from leadmonk.languages import client_language
from leadmonk.languages import translatable as _
from orders import signals
from orders.clients import client_is_new, normalize_email, orders_toward_purchase_limit
from orders.credits import item_balance, ledger_grant_purchase, order_sessions_between
from orders.errors import OrderError
from orders.gifts import GiftDetails, gift_attach, refuse_booking_before_delivery
from orders.lifecycle import order_mark_paid
from orders.models import LimitOverride, OrderItem, OrderStatus, PackageOrder
from orders.rules import (
    ClientPhoneMissing,
    SessionOverlapsOrder,
    booking_limit_refusal,
    client_phone_needed,
    item_booking_refusal,
    limit_periods,
)
from packages.models import Package, PackageItem
from packages.selectors import package_is_orderable
from promotions.services import PromoCodeRefused, Quote, promo_quote, promo_redeem
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.rules import BookingPath
from scheduling.services import BookingError, booking_create
from scheduling.tax import owner_tax_terms


class PackageNotOrderable(OrderError):
    message = _("This package is disabled or deleted.")


class TermsNotAccepted(OrderError):
    message = _("Accept the Payment Terms and Conditions to order this package.")


class PurchaseLimitReached(OrderError):
    """The client has the most orders of this package allowed; `message` says how many, or that
    one of them waits for payment."""


class NewClientsOnly(OrderError):
    message = _("This package is for new clients only.")


class MembershipNotGiftable(OrderError):
    message = _("A membership renews for the person who pays it, so it cannot be given as a gift.")


class PaymentPlanNotGiftable(OrderError):
    message = _("A package paid in instalments cannot be given as a gift: its later payments would be asked of "
                "the person who receives it.")


def gift_refusal(package: Package) -> type[OrderError] | None:
    """Why `package` cannot be ordered as a gift, or None: a gift's order becomes the recipient's,
    so whatever is charged after the first payment would be asked of them (and tell them early)."""
    if package.is_membership:
        return MembershipNotGiftable
    if package.has_payment_plan:
        return PaymentPlanNotGiftable
    return None


class PromoCodeNotAccepted(OrderError):
    """The promo code cannot be used for this order; `message` says why (shown next to the field)."""


def _package_items():
    return PackageItem.objects.select_related("meeting_type").order_by("position", "id")


def _unpaid_expiry_words() -> str:
    minutes = settings.UNPAID_ORDER_EXPIRY_MINUTES
    if minutes % 60:
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    hours = minutes // 60
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def _check_purchase_limits(*, package: Package, client_email: str) -> None:
    """Refuse an order the package's purchase limits do not allow. Called under the owner's and
    the package's locks (order_create), so the orders counted cannot change until this order is
    committed: N parallel orders by one client make at most the limit."""
    if package.new_clients_only and not client_is_new(owner_id=package.owner_id, email=client_email):
        raise NewClientsOnly()
    limit = package.max_orders_per_client
    if package.new_clients_only:
        # A new client's first order makes them a client: a second one (another tab, while the
        # first waits for payment) would sell the new-client offer twice.
        limit = 1 if limit is None else min(limit, 1)
    if limit is None:
        return
    counted = list(
        orders_toward_purchase_limit(package_id=package.pk, email=client_email).values_list("status", flat=True)
    )
    if len(counted) < limit:
        return
    if OrderStatus.PENDING_PAYMENT in counted:
        raise PurchaseLimitReached(
            _("You already have an unpaid order of this package. Finish paying for it, or order again once "
              "it expires (unpaid orders expire after %(wait)s).") % {"wait": _unpaid_expiry_words()}
        )
    raise PurchaseLimitReached(_("You have already bought this package the most times allowed (%(limit)s).")
                               % {"limit": limit})


def order_create(
    *,
    package: Package,
    client_name: str,
    client_email: str,
    client_first_name: str = "",
    client_last_name: str = "",
    client_phone: str = "",
    answers: list[dict] | None = None,
    client_timezone: str = "UTC",
    terms_accepted: bool = False,
    issued_by_owner: bool = False,
    promo_code: str = "",
    gift: GiftDetails | None = None,
    now: datetime | None = None,
) -> PackageOrder:
    """Place an order of `package` and copy what is sold into it (the snapshot).

    A free package makes the order active at once (and sends the confirmation); a paid one leaves
    it pending payment for the payments app. Raises OrderError when the package cannot be ordered.
    An order the owner issues (`issued_by_owner`) needs no acceptance of the terms: the client
    did not fill in the order form, and the package's purchase limits are not checked: they
    govern what clients order themselves. `gift`: the order is a gift (orders.gifts).

    `promo_code` is used under its lock, after the package's (promotions.services.promo_redeem);
    the order keeps the code and the discount, and its price is what is left to pay. A code that
    takes the price to zero completes the order as a free package does. A refused code raises
    PromoCodeNotAccepted and nothing is written.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The owner first (accounts.locks): whether a client is new to the owner depends on their
        # orders of every package, so two orders by one client are counted one after the other.
        lock_owner(package.owner_id)
        # Lock the package so an edit saved at the same moment lands before or after the snapshot,
        # never half-way through it; then re-check it against what is true now.
        locked = (
            Package.objects.select_for_update(of=("self",))
            .select_related("owner")
            .prefetch_related(Prefetch("items", queryset=_package_items()))
            .filter(pk=package.pk)
            .first()
        )
        if locked is None or not package_is_orderable(locked):
            raise PackageNotOrderable()
        if locked.terms and not terms_accepted and not issued_by_owner:
            raise TermsNotAccepted()
        refusal = gift_refusal(locked) if gift is not None else None
        if refusal is not None:
            raise refusal()
        if not issued_by_owner:
            _check_purchase_limits(package=locked, client_email=client_email)
        order = PackageOrder.objects.create(
            owner=locked.owner,
            package=locked,
            status=OrderStatus.PENDING_PAYMENT,
            client_name=client_name,
            client_first_name=client_first_name,
            client_last_name=client_last_name,
            client_email=client_email,
            client_phone=client_phone,
            client_timezone=client_timezone,
            client_language=client_language(),
            answers=list(answers or []),
            terms_accepted_at=now if (locked.terms and terms_accepted) else None,
            title=locked.name,
            description=locked.description,
            price=locked.price,
            currency=locked.currency,
            terms=locked.terms,
            payment_medium=locked.payment_medium,
            cancel_window_hours=locked.cancel_window_hours,
            late_cancel_forfeits=locked.late_cancel_forfeits,
            no_show_forfeits=locked.no_show_forfeits,
            expiry_kind=locked.expiry_kind,
            expiry_days=locked.expiry_days,
            book_reminder_days=locked.book_reminder_days,
            max_sessions_per_week=locked.max_sessions_per_week,
            max_sessions_per_month=locked.max_sessions_per_month,
            billing_interval=locked.billing_interval,
            billing_interval_count=locked.billing_interval_count,
            renewal_rule=locked.renewal_rule if locked.billing_interval else "",
            rollover_cap=locked.rollover_cap if locked.billing_interval else None,
            instalment_count=locked.instalment_count if locked.has_payment_plan else None,
            instalment_interval=locked.instalment_interval if locked.has_payment_plan else "",
            instalment_access=locked.instalment_access if locked.has_payment_plan else "",
        )
        # Only meeting types that can be scheduled now are sold: an item the client could never
        # book would be a credit paid for and unusable.
        items = OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                meeting_type=item.meeting_type,
                meeting_type_name=item.meeting_type.name,
                duration_minutes=item.meeting_type.duration_minutes,
                kind=item.meeting_type.kind,
                quantity=item.quantity,
                position=position,
            )
            for position, item in enumerate(
                item for item in locked.items.all() if item.meeting_type.is_bookable
            )
        )
        ledger_grant_purchase(items=items, now=now)
        if promo_code.strip():
            _apply_promo_code(order=order, code=promo_code, now=now)
        _snapshot_tax(order)
        if gift is not None:
            gift_attach(order=order, details=gift)
        signals.order_placed.send(sender=PackageOrder, order=order)
        if order.price == Decimal("0"):
            order, _ = order_mark_paid(order=order)
    return order


def _snapshot_tax(order: PackageOrder) -> None:
    """Keep the owner's tax on the order as it is now (Settings › Invoices), on the price after any
    discount: when prices exclude tax the client pays price + tax, and the invoice says the same."""
    terms = owner_tax_terms(order.owner)
    order.tax_rate, order.tax_name, order.prices_include_tax = terms.rate, terms.name, terms.inclusive
    order.tax_added = terms.tax_on_top(order.price, order.currency)
    order.save(update_fields=["tax_rate", "tax_name", "prices_include_tax", "tax_added", "updated_at"])


def _apply_promo_code(*, order: PackageOrder, code: str, now: datetime) -> None:
    """Use `code` for `order` (inside order_create's transaction, the package locked) and keep
    the code and discount on the order (the snapshot)."""
    try:
        quote = promo_redeem(
            owner_id=order.owner_id, code=code, email=order.client_email, amount=order.price,
            currency=order.currency, package_id=order.package_id, reference=order.promo_reference,
            client_is_new=client_is_new(owner_id=order.owner_id, email=order.client_email), now=now,
        )
    except PromoCodeRefused as refusal:
        raise PromoCodeNotAccepted(refusal.message) from None
    order.promo_code, order.discount, order.price = quote.code, quote.discount, quote.total
    order.save(update_fields=["promo_code", "discount", "price", "updated_at"])


def order_quote(*, package: Package, promo_code: str, client_email: str = "") -> Quote:
    """What `promo_code` takes off `package` for this client, without using it (the order form's
    "Apply"). Without an email yet, the per-client rules wait for the order itself.
    Raises PromoCodeNotAccepted with the reason."""
    email = normalize_email(client_email)
    try:
        return promo_quote(
            owner_id=package.owner_id, code=promo_code, email=email, amount=package.price,
            currency=package.currency, package_id=package.pk,
            client_is_new=client_is_new(owner_id=package.owner_id, email=email) if email else None,
        )
    except PromoCodeRefused as refusal:
        raise PromoCodeNotAccepted(refusal.message) from None


class LimitOverrideNotAllowed(BookingError):
    message = _("Only the owner can book over a booking limit, with a note saying why.")


def _check_quota(*, item: OrderItem, start: datetime, override_limit: bool = False) -> OrderItem:
    """Lock the item and its order (PostgreSQL locks every joined row of a FOR UPDATE query), then
    ask the one rule (orders.rules) with the item's ledger balance read after the lock, and raise
    its refusal; then the order's booking limits for the week and month of `start`, counted after
    the locks (the owner's lock, taken first, serialises every booking of the order's items).
    The ledger's debit itself is written by orders.receivers when scheduling sends
    booking_created, in the booking's transaction."""
    item = OrderItem.objects.select_for_update().select_related("order", "meeting_type").get(pk=item.pk)
    refusal = item_booking_refusal(item, remaining=item_balance(item.pk), now=timezone.now())
    if refusal is not None:
        raise refusal
    refuse_booking_before_delivery(item.order)  # a gift books once it is sent (orders.gifts)
    if not override_limit:
        refuse_over_limit(order=item.order, start=start)
    return item


def refuse_over_limit(*, order: PackageOrder, start: datetime, exclude_booking_id: int | None = None) -> None:
    """Raise BookingLimitReached when a session of `order` starting at `start` would pass its weekly
    or monthly limit (`exclude_booking_id`: the session being moved). Call under the owner's lock."""
    for period in limit_periods(order, start):
        booked = order_sessions_between(order_id=order.pk, start=period.start, end=period.end,
                                        exclude_booking_id=exclude_booking_id)
        refusal = booking_limit_refusal(period, booked=booked)
        if refusal is not None:
            raise refusal


def refuse_overlapping_session(*, order: PackageOrder, start: datetime, end: datetime,
                               exclude_booking_id: int | None = None) -> None:
    """Raise SessionOverlapsOrder when a confirmed session of `order` overlaps [start, end)
    (`exclude_booking_id`: the session being moved). Capacity lets a group session take a second
    seat, so without this a double click used two credits on one session. Only a group session
    needs asking: a 1:1 time over any session of the owner is refused by the slot engine already.
    Call under the owner's lock, which every booking of the order takes first."""
    sessions = Booking.objects.filter(order_item__order_id=order.pk, status=BookingStatus.CONFIRMED,
                                      start__lt=end, end__gt=start)
    if exclude_booking_id is not None:
        sessions = sessions.exclude(pk=exclude_booking_id)
    if sessions.exists():
        raise SessionOverlapsOrder()


def order_session_book(*, item: OrderItem, start: datetime, booked_by: str = BookedBy.CLIENT,
                       now: datetime | None = None, notify: bool = True, client_timezone: str = "",
                       client_phone: str = "", limit_override_note: str = "", through_api: bool = False) -> Booking:
    """Book one session of an order item for the order's client (one credit of its quota), at the
    length sold (the item's snapshot), whatever the meeting type's length is now.

    `client_timezone` is the zone the client chose the time in (their emails and reminders show
    it); the order's zone, given at checkout, when the owner books or none is known.
    `client_phone` (E.164) is the number given on the booking step when the order has none and the
    meeting needs one (orders.rules.client_phone_needed): it is kept on the order for its next
    sessions. Without a number such a session is refused (ClientPhoneMissing).

    `through_api`: booked through the API, held to the minimum notice even for the owner's key, as
    on the client's page (scheduling.rules.held_to_min_notice).

    `limit_override_note`: the owner books over the order's weekly or monthly limit and says why;
    the note is kept with the session (LimitOverride). Only the owner may (LimitOverrideNotAllowed).

    Takes the owner's lock, then the item's, checks the quota and the booking limits, then asks
    scheduling to book, all in one transaction. Raises a BookingError subclass (the refusal of
    orders.rules, or scheduling's) and changes nothing when the session cannot be booked."""
    limit_override_note = limit_override_note.strip()
    if limit_override_note and booked_by != BookedBy.OWNER:
        raise LimitOverrideNotAllowed()
    with transaction.atomic():
        lock_owner(item.order.owner_id)
        locked = _check_quota(item=item, start=start, override_limit=bool(limit_override_note))
        order = locked.order
        if locked.meeting_type.is_group:
            refuse_overlapping_session(order=order, start=start, end=start + locked.duration)
        if client_phone and not order.client_phone:
            order.client_phone = client_phone
            order.save(update_fields=["client_phone"])
        if client_phone_needed(locked):
            raise ClientPhoneMissing()
        booking = booking_create(
            meeting_type=locked.meeting_type,
            start=start,
            client_name=order.client_name,
            client_email=order.client_email,
            client_phone=order.client_phone,
            client_timezone=client_timezone or order.client_timezone,
            order_item_id=locked.pk,
            path=BookingPath.ORDER,  # the order includes the meeting type: a Package only one books here
            booked_by=booked_by,
            now=now,
            notify=notify,
            duration=locked.duration,  # the length sold, not the meeting type's length now
            through_api=through_api,
        )
        if limit_override_note:
            LimitOverride.objects.create(booking=booking, note=limit_override_note[:300], created_at=booking.created_at)
        return booking
