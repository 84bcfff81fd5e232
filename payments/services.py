"""Writes of payments: start an attempt, and the guarded transitions (confirm, fail, refund) that
providers call once they have read the real state back from their service.

Every transition re-reads the payment under `select_for_update()`, returns early when it is
already where it should be (a replayed webhook, a second return, a double click) and consults one
table of allowed moves (pretix `OrderPayment.confirm()`). No network call happens in here while a
transaction is open: a refund is reserved, then the provider is called, then the result recorded.

What a payment does to its order (paid, refunded, expired unpaid, cancelled by the owner) is one
service of orders.lifecycle per transition, which owns all it sets off (bookings, ledger, emails):
this module decides when, never how.
"""
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.locks import lock_owner
from invoices.services import credit_note_issue, invoice_issue
from invoices.signals import payment_partly_refunded, session_payment_refunded
from leadmonk.content_version import orders_changed
from leadmonk.money import format_money, round_money, tax_breakdown
from orders.credits import ledger_removable, ledger_remove_refunded
from orders.lifecycle import order_cancel, order_expire, order_mark_paid, order_refund
from orders.models import COMPLIMENTARY, OrderItem, OrderStatus, PackageOrder
from orders.signals import order_payment_requested
from orders.transitions import IllegalOrderTransition
from packages.payment_plans import instalment_amounts
from payments.models import (
    PAID_STATUSES,
    REFUNDABLE_STATUSES,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Provider,
    Refund,
    RefundStatus,
)
from payments.providers.base import IllegalPaymentTransition, PaymentError, RefundError, get_provider
from payments.signals import order_payment_confirmed, order_payment_failed
from promotions.services import promo_release
from scheduling.holds import HoldExpired, booking_confirm_paid, booking_keep_hold, booking_release_hold

logger = logging.getLogger(__name__)

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.CREATED: {
        PaymentStatus.PENDING, PaymentStatus.CONFIRMED, PaymentStatus.FAILED, PaymentStatus.CANCELED,
    },
    PaymentStatus.PENDING: {PaymentStatus.CONFIRMED, PaymentStatus.FAILED, PaymentStatus.CANCELED},
    # Money the provider says has arrived is a fact even after we gave up on the attempt:
    # it is recorded (and flagged when it cannot be applied), never ignored.
    PaymentStatus.FAILED: {PaymentStatus.CONFIRMED},
    PaymentStatus.CANCELED: {PaymentStatus.CONFIRMED},
    PaymentStatus.CONFIRMED: {PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED},
    PaymentStatus.PARTLY_REFUNDED: {PaymentStatus.REFUNDED},
    PaymentStatus.REFUNDED: set(),
}

FLAG_AFTER_CANCEL = "Paid after the order was cancelled or expired — refund it."
FLAG_ALREADY_PAID = "The order was already paid by another payment — refund it."
FLAG_HOLD_EXPIRED = "Paid after the time held for the session ran out — refund it."
FLAG_INSTALMENTS_PAID_ALREADY = "Paid for instalments another payment had paid already — refund {amount}."
# How long a started checkout is reused when the client clicks "Pay" again.
CHECKOUT_REUSE_WINDOW = timedelta(minutes=30)


def _lock_payment(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def _lock_owner_of_booking_payment(payment_id: int) -> None:
    """A session's payment moves its booking, which is locked owner first (scheduling.holds): take
    the owner's lock before the payment's, the order every writer of the two follows."""
    owner_id = Payment.objects.filter(pk=payment_id).values_list("booking__owner_id", flat=True).first()
    if owner_id is not None:
        lock_owner(owner_id)


def _move(payment: Payment, target: str) -> bool:
    """Apply one move of the table to a locked payment; False when it is already there."""
    if payment.status == target:
        return False
    if target not in ALLOWED_TRANSITIONS[payment.status]:
        raise IllegalPaymentTransition(
            f"A payment that is {payment.get_status_display().lower()} "
            f"cannot become {PaymentStatus(target).label.lower()}."
        )
    payment.status = target
    return True


def payment_start(*, order: PackageOrder, provider: str) -> Payment:
    """A new attempt to pay `order`, for the order's snapshot price and currency, plus the tax the
    order was placed with when the owner's prices exclude it (the invoice then adds up to it).

    A recent attempt of the same provider that is still open is returned instead, so a double
    click on "Pay" does not open two checkouts.
    """
    with transaction.atomic():
        locked = PackageOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING_PAYMENT:
            raise IllegalPaymentTransition(f"This order is {locked.get_status_display().lower()}; it cannot be paid.")
        recent = (
            Payment.objects.filter(
                order=locked, provider=provider, status=PaymentStatus.CREATED,
                created_at__gte=timezone.now() - CHECKOUT_REUSE_WINDOW,
            )
            .exclude(checkout_url="")
            .order_by("-created_at", "-id")
            .first()
        )
        if recent is not None:
            return recent
        # A payment plan's checkout charges its first instalment (orders.models.PackageOrder.first_charge),
        # carrying its part of the order's tax.
        first = locked.first_charge
        return Payment.objects.create(
            order=locked, provider=provider, amount=first, currency=locked.currency,
            promo_code=locked.promo_code, discount=locked.discount,
            **_order_tax(locked, instalments=[1] if locked.has_payment_plan else ()),
        )


def _order_tax(order: PackageOrder, *, amount: Decimal | None = None, instalments: Sequence[int] = ()) -> dict:
    """The tax fields of a payment of `order` (its snapshot). `amount`: a payment of less than the
    order's total (cash taken outside the app): the tax it carries is the part of it at the rate.
    `instalments`: the numbers of the plan's instalments it pays, which carry their share of the
    order's tax (_instalments_tax)."""
    fields = {"tax_rate": order.tax_rate, "prices_include_tax": order.prices_include_tax,
              "tax_added": order.tax_added}
    if instalments and order.tax_added:
        fields["tax_added"] = _instalments_tax(order, instalments)
    elif amount is not None and amount != order.total_price and order.tax_added:
        fields["tax_added"] = tax_breakdown(amount=amount, rate=order.tax_rate, inclusive=True,
                                            currency=order.currency).tax
    return fields


def _instalments_tax(order: PackageOrder, numbers: Sequence[int]) -> Decimal:
    """The part of the order's tax on top inside instalments `numbers` of its plan. Each instalment
    carries the tax of the plan paid up to it less that of the ones before, each rounded once, so the
    instalments' invoices add up to the order's tax to the last minor unit (rounding each instalment
    on its own could invoice 9.99 of a 10.00 tax)."""
    amounts = instalment_amounts(order.total_price, order.instalment_count, order.currency)

    def tax_through(number: int) -> Decimal:
        return round_money(order.tax_added * sum(amounts[:number], Decimal(0)) / order.total_price, order.currency)

    return sum((tax_through(number) - tax_through(number - 1) for number in numbers), Decimal(0))


def instalment_payment_create(*, order: PackageOrder, provider: str, amount: Decimal, numbers: Sequence[int],
                              saved_method: str = "") -> Payment:
    """A payment of instalments `numbers` (for `amount`, their sum) of `order`'s payment plan (the
    instalments app decides which, under its plan's lock, and calls this inside its transaction). It
    activates nothing when confirmed: the order is active already. `saved_method`: the card it is
    charged to off-session. It carries their part of the order's tax."""
    return Payment.objects.create(order=order, provider=provider, purpose=PaymentPurpose.INSTALMENT, amount=amount,
                                  currency=order.currency, saved_method=saved_method,
                                  **_order_tax(order, instalments=numbers))


def payment_record_saved_method(*, payment_id: int, saved_method: str, owner_id: int | None = None) -> None:
    """The provider kept the card of a payment plan's checkout for the later instalments."""
    Payment.objects.filter(pk=payment_id).update(saved_method=saved_method[:255], updated_at=timezone.now())
    if owner_id is None:
        owner_id = Payment.objects.filter(pk=payment_id).values_list("owner_id", flat=True).first()
    orders_changed(owner_id=owner_id)


def payment_set_checkout(*, payment: Payment, provider_reference: str, checkout_url: str,
                         destination_account: str = "") -> Payment:
    """Record the provider's checkout (Stripe session / PayPal order) created for `payment`."""
    Payment.objects.filter(pk=payment.pk).update(
        provider_reference=provider_reference, checkout_url=checkout_url,
        destination_account=destination_account, updated_at=timezone.now(),
    )
    orders_changed(owner_id=payment.owner_id)
    payment.provider_reference, payment.checkout_url = provider_reference, checkout_url
    payment.destination_account = destination_account
    return payment


def payment_confirm(*, payment_id: int, amount: Decimal, currency: str, provider_payment_id: str = "") -> Payment:
    """The provider says `amount` `currency` arrived for this payment: apply it, exactly once.

    - already confirmed (or refunded): nothing happens;
    - amount or currency differ from the order's snapshot: the payment is flagged, the order stays
      pending;
    - the order is pending: the payment is confirmed and the order becomes active;
    - the order was cancelled or expired meanwhile (or already paid): the payment is recorded as
      confirmed and flagged for a refund; the order is left as it is.

    A session's payment (payments.booking_payments) confirms its held booking the same way, or is
    flagged for a refund when the hold ran out first.
    """
    with transaction.atomic():
        _lock_owner_of_booking_payment(payment_id)
        payment = _lock_payment(payment_id)
        if payment.status in PAID_STATUSES:
            return payment
        if provider_payment_id:
            payment.provider_payment_id = provider_payment_id
        if Decimal(amount) != payment.amount or currency.upper() != payment.currency:
            payment.flagged = True
            payment.flag_reason = (
                f"The provider reported {amount} {currency.upper()}, but the order costs "
                f"{payment.amount.normalize():f} {payment.currency}. Check it at the provider."
            )[:500]
            payment.save(update_fields=["provider_payment_id", "flagged", "flag_reason", "updated_at"])
            logger.warning("payment %s: amount mismatch (%s %s)", payment.pk, amount, currency)
            return payment
        _move(payment, PaymentStatus.CONFIRMED)
        payment.confirmed_at = timezone.now()
        if payment.booking_id is not None:
            _apply_confirmed_booking_payment(payment)  # confirms the session, or flags the payment
        elif payment.is_instalment:
            _apply_confirmed_instalment_payment(payment)
        else:
            _apply_confirmed_order_payment(payment)
        if payment.order_id is not None and not payment.flagged:
            order_payment_confirmed.send(sender=Payment, payment=payment)
        # Money arrived, applied or flagged for a refund: it gets its invoice, numbered under the
        # owner's sequence lock (the last lock taken), in this transaction.
        invoice_issue(payment=payment, paid_with=payment.get_provider_display(),
                      is_test=payment.provider == Provider.TEST)
        payment.save(update_fields=[
            "status", "confirmed_at", "provider_payment_id", "flagged", "flag_reason", "updated_at",
        ])
    return payment


def payment_record_recurring(*, order: PackageOrder, provider: str, amount: Decimal | None = None,
                             provider_payment_id: str = "", provider_reference: str = "") -> Payment:
    """A recurring charge of an order that is active already (a membership's renewal, recorded once
    by the caller in this transaction) arrived: a confirmed payment with its invoice, like any other
    money received; the order is not moved. `amount`: what the provider collected (None: the order's
    total, its tax included as sold). Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a recurring payment is recorded in the transaction of the period it pays")
    payment = Payment.objects.create(
        order=order, provider=provider, status=PaymentStatus.CONFIRMED,
        amount=order.total_price if amount is None else amount, currency=order.currency,
        confirmed_at=timezone.now(), provider_payment_id=provider_payment_id[:255],
        provider_reference=provider_reference[:255], **_order_tax(order, amount=amount),
    )
    invoice_issue(payment=payment, paid_with=payment.get_provider_display(), is_test=provider == Provider.TEST,
                  new_payment=True)
    return payment


def _apply_confirmed_booking_payment(payment: Payment) -> None:
    """A paid session's money arrived (payments.booking_payments): confirm its held booking, with
    the receipt for its confirmation email, or flag the money for a refund when the hold ran out.
    The receipt keeps its amounts as numbers: the email writes them in its own language when it is
    sent (a webhook confirms the money with English active)."""
    receipt = {"amount": str(payment.amount), "currency": payment.currency,
               # A promo code that took the whole price: no provider was involved.
               "paid_with": payment.get_provider_display() if payment.amount else "Nothing to pay",
               "paid_at": payment.confirmed_at.isoformat()}
    if payment.promo_code:
        receipt.update(price=str(payment.amount + payment.discount), promo_code=payment.promo_code,
                       discount=str(payment.discount))
    try:
        booking_confirm_paid(booking_id=payment.booking_id, receipt=receipt)
    except HoldExpired:
        payment.flagged = True
        payment.flag_reason = FLAG_HOLD_EXPIRED
        logger.warning("payment %s arrived after the hold of booking %s ran out", payment.pk, payment.booking_id)


def _apply_confirmed_order_payment(payment: Payment) -> None:
    # The order's transition table decides: a pending order becomes active (and the client is
    # told); one already active was paid by another payment; one cancelled, expired or
    # refunded cannot be paid any more. Either of the last two flags the money for a refund.
    try:
        order, activated = order_mark_paid(order=payment.order, paid_with=payment.get_provider_display())
    except IllegalOrderTransition as refused:
        order, activated = refused.order, False
    if not activated:
        payment.flagged = True
        payment.flag_reason = FLAG_ALREADY_PAID if order.status == OrderStatus.ACTIVE else FLAG_AFTER_CANCEL
        logger.warning("payment %s confirmed for order %s which is %s", payment.pk, order.pk, order.status)


def _apply_confirmed_instalment_payment(payment: Payment) -> None:
    """An instalment's money arrived: the order was activated by its checkout, so nothing moves
    here, unless the order was closed meanwhile (cancelled, refunded): then the money is flagged for
    a refund."""
    order = PackageOrder.objects.get(pk=payment.order_id)
    if order.status != OrderStatus.ACTIVE:
        payment.flagged = True
        payment.flag_reason = FLAG_AFTER_CANCEL
        logger.warning("instalment payment %s confirmed for order %s which is %s", payment.pk, order.pk, order.status)


def payment_flag_instalments_paid_already(*, payment: Payment, over: Decimal) -> None:
    """An instalment payment being confirmed (order_payment_confirmed, under its lock) paid `over`
    more than the instalments still left to it: another payment had taken them meanwhile ("Pay now"
    and "Pay the rest now" in two tabs). The money is flagged on Payments for a refund, like any
    money that arrived for nothing; payment_confirm saves the flag with the confirmation."""
    payment.flagged = True
    payment.flag_reason = FLAG_INSTALMENTS_PAID_ALREADY.format(amount=format_money(over, payment.currency))[:500]
    logger.warning("instalment payment %s paid %s more than its instalments", payment.pk, over)


def payment_mark_pending(*, payment_id: int, provider_payment_id: str = "") -> Payment:
    """The provider accepted the payment but the money is not there yet (bank debit, PayPal
    PENDING capture). The order stays pending and is not expired meanwhile; a session's time stays
    held until the session starts (scheduling.holds.booking_keep_hold)."""
    with transaction.atomic():
        _lock_owner_of_booking_payment(payment_id)
        payment = _lock_payment(payment_id)
        if payment.status != PaymentStatus.CREATED:
            return payment
        _move(payment, PaymentStatus.PENDING)
        if provider_payment_id:
            payment.provider_payment_id = provider_payment_id
        payment.save(update_fields=["status", "provider_payment_id", "updated_at"])
        if payment.booking_id is not None:
            booking_keep_hold(booking_id=payment.booking_id)
    return payment


def payment_fail(*, payment_id: int, reason: str = "") -> Payment:
    """The attempt failed or was abandoned at the provider. Never touches a confirmed payment or
    the order: the client can try again until the order expires."""
    with transaction.atomic():
        _lock_owner_of_booking_payment(payment_id)
        payment = _lock_payment(payment_id)
        if payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
            return payment
        _move(payment, PaymentStatus.FAILED)
        fields = ["status", "updated_at"]
        if reason:
            payment.flag_reason = reason[:500]
            fields.append("flag_reason")
        payment.save(update_fields=fields)
        if payment.booking_id is not None:
            # A session's time is held only while its payment can still succeed.
            booking_release_hold(booking_id=payment.booking_id)
        else:
            order_payment_failed.send(sender=Payment, payment=payment)
    return payment


# -- refunds -------------------------------------------------------------------------------------
#
# A refund is a Refund row, whatever its size and however it came about (the owner's form, a full
# refund of an order or a cancelled session, a webhook about a refund made at the provider, money
# given back outside the app). The app's own refunds run in three steps, so no network call
# happens inside a transaction and two refunds never both take what is left:
#   1. refund_reserve: under the owner's and the payment's locks, check the amount against what is
#      left (read after the lock) and write a pending Refund with our idempotency key (unique: a
#      double click finds the first one and calls nobody);
#   2. the provider's refund(), outside any transaction, with that key;
#   3. refund_succeed: under the same locks, the Refund succeeds, sessions are taken off, the
#      payment's refunded amount (the sum of its refunds) and status follow, and when nothing is
#      left the order is refunded (orders.lifecycle.order_refund). A refused call deletes the
#      reservation: nothing changed.
# Webhooks match a refund by the provider's refund id, or by our key carried in its metadata
# (Stripe) / invoice id (PayPal), so a refund made here is counted once.


class RefundAmountTooHigh(RefundError):
    """More than is left to refund was asked (possibly because another refund took it meanwhile)."""


class TooManySessionsToRemove(RefundError):
    """More sessions than an item has left (not booked or used) were to be taken off."""


def full_refund_key(payment_id: int) -> str:
    """The key of a refund of all that is left: the same for every click, retry or task."""
    return f"refund-{payment_id}"


def _lock_payment_for_refund(payment_id: int) -> Payment:
    """Lock order (accounts.locks): owner first, then the payment (then the order and its items)."""
    owner_id = Payment.objects.filter(pk=payment_id).values_list(
        Coalesce("order__owner_id", "booking__owner_id"), flat=True).get()
    lock_owner(owner_id)
    return _lock_payment(payment_id)


def _refund_sum(payment: Payment, *statuses: str) -> Decimal:
    total = Refund.objects.filter(payment=payment, status__in=statuses).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def refund_reserve(*, payment: Payment, amount: Decimal | None, reason: str, idempotency_key: str,
                   by_owner=None, sessions_to_remove: dict[int, int] | None = None,
                   outside_app: bool = False) -> tuple[Refund, bool]:
    """Step 1: a pending Refund of `amount` (None: all that is left). Returns (refund, created):
    created is False when a refund with this key exists already (a double click), which is
    returned as it is. Raises RefundError (nothing written) when the payment cannot be refunded,
    RefundAmountTooHigh when more than is left is asked, TooManySessionsToRemove."""
    sessions_to_remove = {int(k): int(n) for k, n in (sessions_to_remove or {}).items() if int(n) > 0}
    with transaction.atomic():
        payment = _lock_payment_for_refund(payment.pk)
        existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
        if payment.status not in REFUNDABLE_STATUSES:
            if payment.status == PaymentStatus.REFUNDED:
                raise RefundAmountTooHigh("This payment is refunded in full already: nothing is left to refund.")
            raise RefundError("Only a paid payment can be refunded.")
        # Read after the lock: a refund reserved or made a moment ago counts.
        left = payment.amount - _refund_sum(payment, RefundStatus.PENDING, RefundStatus.SUCCEEDED)
        if amount is None:
            amount = left
        if left <= 0 < payment.amount:
            raise RefundAmountTooHigh(
                "Nothing is left to refund on this payment (another refund is under way or done).")
        if amount > left:
            raise RefundAmountTooHigh(f"At most {format_money(left, payment.currency)} is left to refund.")
        if amount <= 0 < payment.amount:
            raise RefundError("Enter an amount above zero.")
        if sessions_to_remove:
            if payment.order_id is None:
                raise TooManySessionsToRemove("A single session's payment has no sessions to take off.")
            removable = ledger_removable(order=payment.order)
            for item_id, count in sessions_to_remove.items():
                if item_id not in removable:
                    raise TooManySessionsToRemove("Choose sessions of this order.")
                if count > removable[item_id]:
                    raise TooManySessionsToRemove(
                        f"Only {removable[item_id]} can be taken off: the others are booked or used.")
        refund = Refund.objects.create(
            payment=payment, amount=amount, currency=payment.currency, reason=reason[:500],
            idempotency_key=idempotency_key, created_by=by_owner, outside_app=outside_app,
            sessions_to_remove={str(k): n for k, n in sessions_to_remove.items()},
        )
    return refund, True


def _refund_abandon(refund: Refund) -> None:
    """The provider refused (or could not be reached): the reservation goes, nothing changed."""
    Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).delete()


def _refund_succeed_locked(payment: Payment, refund: Refund, *, provider_reference: str = "",
                           now: datetime | None = None) -> Refund:
    """Step 3 on a payment locked by the caller: idempotent (a refund that already succeeded only
    gains the provider's id if it had none)."""
    now = now or timezone.now()
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status == RefundStatus.SUCCEEDED:
        if provider_reference and not refund.provider_reference:
            Refund.objects.filter(pk=refund.pk).update(provider_reference=provider_reference)
            orders_changed(owner_id=payment.owner_id)
        return refund
    if provider_reference:
        known = (Refund.objects.filter(payment=payment, provider_reference=provider_reference)
                 .exclude(pk=refund.pk).first())
        if known is not None:
            # A webhook recorded this provider refund first without knowing our key: one refund.
            refund.delete()
            return known
    refund.status = RefundStatus.SUCCEEDED
    refund.provider_reference = provider_reference
    refund.succeeded_at = now
    note = f"Refund of {format_money(refund.amount, refund.currency)}" + (f": {refund.reason}" if refund.reason else "")
    removed_per_item = {}
    for item_id, count in sorted(refund.sessions_to_remove.items()):
        removed_per_item[int(item_id)] = ledger_remove_refunded(item_id=int(item_id), count=int(count), note=note,
                                                                by_user=refund.created_by, now=now)
    refund.sessions_removed = sum(removed_per_item.values())
    refund.save(update_fields=["status", "provider_reference", "succeeded_at", "sessions_removed"])
    refund.payment = payment  # the locked row: no second read
    credit_note = _issue_credit_note(refund)
    _apply_refunded_total(payment, refund, now=now)
    if payment.status == PaymentStatus.PARTLY_REFUNDED and refund.amount > 0:
        _announce_part_refund(payment, refund, credit_note, removed_per_item)
    elif payment.order_id is None and refund.amount > 0:
        # A session's payment refunded in full: no order is refunded to tell the client, so this does.
        session_payment_refunded.send(sender=Payment, booking=payment.booking, credit_note=credit_note,
                                      amount=refund.amount, currency=payment.currency, reason=refund.reason)
    return refund


def _announce_part_refund(payment: Payment, refund: Refund, credit_note, removed_per_item: dict[int, int]) -> None:
    """Tell the apps beside payments (notifications: the client's email with the credit note) that
    part of the payment went back, and what sessions went with it. A full refund has its own
    message (the order refunded)."""
    names = dict(OrderItem.objects.filter(pk__in=[pk for pk, n in removed_per_item.items() if n > 0])
                 .values_list("pk", "meeting_type_name"))
    payment_partly_refunded.send(
        sender=Payment, order=payment.order if payment.order_id else None,
        booking=payment.booking if payment.booking_id else None, credit_note=credit_note,
        amount=refund.amount, left=payment.amount - payment.refunded_amount, currency=payment.currency,
        reason=refund.reason, sessions_removed=[{"name": names[pk], "count": count}
                                                for pk, count in removed_per_item.items() if pk in names],
    )


def _issue_credit_note(refund: Refund):
    """Every refund issues a credit note naming the payment's invoice (issue 28: "A refund issues a
    credit note"), in the refund's transaction, once per refund (its key is the note's source key;
    a full refund's key is "refund-<payment id>", as invoices expects). A refund of nothing (a
    payment of zero) has none."""
    if refund.amount <= 0:
        return None
    return credit_note_issue(payment=refund.payment, amount=refund.amount, reason=refund.reason or FULL_REFUND_REASON,
                      source_key=refund.idempotency_key)


def _apply_refunded_total(payment: Payment, refund: Refund, *, now: datetime) -> None:
    """The payment follows its refunds: refunded amount = their sum; partly refunded, or refunded
    when nothing is left, and then what a full refund sets off (the order refunded, its upcoming
    sessions cancelled, the client told; a session's promo code given back)."""
    payment.refunded_amount = _refund_sum(payment, RefundStatus.SUCCEEDED)
    full = payment.refunded_amount >= payment.amount or payment.status == PaymentStatus.REFUNDED
    _move(payment, PaymentStatus.REFUNDED if full else PaymentStatus.PARTLY_REFUNDED)
    if refund.provider_reference:
        payment.refund_reference = refund.provider_reference
    if full:
        payment.refunded_at = now
        payment.refunded_outside = refund.outside_app
    payment.save(update_fields=["status", "refunded_amount", "refund_reference", "refunded_at", "refunded_outside",
                                "updated_at"])
    if not full:
        return
    if payment.order_id is None:
        # A session's payment: its cancellation made the refund, not the reverse. Its promo
        # code's use is given back (payments.booking_payments.session_promo_reference).
        promo_release(reference=f"booking:{payment.booking_id}")
        return
    if not payment.flagged and not payment.is_instalment:
        # An instalment's refund gives back that instalment only; the order's checkout (the first
        # payment) is the one whose full refund refunds the order.
        try:
            order_refund(order=payment.order, reason=refund.reason or FULL_REFUND_REASON)
        except IllegalOrderTransition:
            pass  # never paid (pending, expired unpaid): there is nothing of the order to undo


def refund_succeed(*, refund: Refund, provider_reference: str = "") -> Refund:
    """Step 3: the provider made `refund` (idempotent)."""
    with transaction.atomic():
        payment = _lock_payment_for_refund(refund.payment_id)
        return _refund_succeed_locked(payment, refund, provider_reference=provider_reference)


FULL_REFUND_REASON = gettext_noop("The order was refunded.")


def refund_make(*, payment: Payment, amount: Decimal | None = None, reason: str = "",
                idempotency_key: str = "", by_owner=None, sessions_to_remove: dict[int, int] | None = None) -> Refund:
    """Refund `amount` of `payment` (None: all that is left) through the provider that took it:
    reserve, call the provider with our key, record. A second call with the same key (a double
    click, a retried task) calls nobody and returns the first refund. Raises RefundError (or
    PaymentProviderError) with a message for the owner; then nothing has changed."""
    if payment.provider == Provider.MANUAL:
        raise RefundError("This payment was made outside the app: give the money back, then mark it refunded.")
    refund, created = refund_reserve(
        payment=payment, amount=amount, reason=reason, idempotency_key=idempotency_key or full_refund_key(payment.pk),
        by_owner=by_owner, sessions_to_remove=sessions_to_remove,
    )
    if not created:
        return refund
    if refund.amount == 0:
        # A payment of nothing (a promo code took the whole price of a session) has no charge at
        # the provider to give back: asking it fails, and would flag a refund of nothing.
        return refund_succeed(refund=refund)
    try:
        provider_reference = get_provider(payment.provider).refund(
            payment, amount=refund.amount, idempotency_key=refund.idempotency_key)
    except PaymentError:
        _refund_abandon(refund)
        raise
    return refund_succeed(refund=refund, provider_reference=provider_reference)


def payment_record_provider_refund(*, payment_id: int, provider_reference: str, amount: Decimal | None,
                                   our_key: str = "", reason: str = "Refunded at the provider.") -> Refund | None:
    """A webhook read back a refund from the provider: count it once. Known by its provider id, or
    by our key (a refund made here that the webhook reports before we recorded it): it succeeds.
    Otherwise (made in the provider's dashboard) it is recorded, up to what is left. `amount`
    None (the provider did not say): nothing is recorded here."""
    with transaction.atomic():
        payment = _lock_payment_for_refund(payment_id)
        known = Refund.objects.filter(payment=payment, provider_reference=provider_reference).first()
        if known is None and our_key:
            known = Refund.objects.filter(payment=payment, idempotency_key=our_key).first()
        if known is not None:
            return _refund_succeed_locked(payment, known, provider_reference=provider_reference)
        if payment.status not in REFUNDABLE_STATUSES or not amount or amount <= 0:
            return None
        left = payment.amount - _refund_sum(payment, RefundStatus.SUCCEEDED)
        if left <= 0:
            return None
        refund = Refund.objects.create(
            payment=payment, amount=min(amount, left), currency=payment.currency, reason=reason,
            idempotency_key=f"provider-{payment.pk}-{provider_reference}"[:120],
        )
        return _refund_succeed_locked(payment, refund, provider_reference=provider_reference)


def payment_mark_refunded(*, payment_id: int, refund_reference: str = "", reason: str = "Refunded",
                          outside_app: bool = False, by_owner=None) -> Payment:
    """Record that all of the payment's money went back: at the provider (ours, or one made in its
    dashboard: a webhook), or another way, marked here by the owner (`outside_app`). What is left
    is recorded as one Refund (pending refunds of ours are the provider's, and succeed), then the
    payment is refunded and, when it paid the order, the order is refunded, its upcoming bookings
    are cancelled and the client is told. A flagged payment (paid after cancellation, or twice) is
    refunded without touching the order. Idempotent."""
    with transaction.atomic():
        payment = _lock_payment_for_refund(payment_id)
        if payment.status == PaymentStatus.REFUNDED:
            return payment
        if payment.status not in REFUNDABLE_STATUSES:
            _move(payment, PaymentStatus.REFUNDED)  # raises: never paid, nothing to give back
        pending = list(Refund.objects.filter(payment=payment, status=RefundStatus.PENDING).order_by("pk"))
        for refund in pending:
            _refund_succeed_locked(payment, refund, provider_reference="" if len(pending) > 1 else refund_reference)
        payment.refresh_from_db()
        left = payment.amount - payment.refunded_amount
        if payment.status == PaymentStatus.REFUNDED:
            return payment
        key = full_refund_key(payment.pk)
        if Refund.objects.filter(idempotency_key=key).exists():
            key = f"provider-{payment.pk}-{refund_reference or timezone.now().timestamp()}"[:120]
        if refund_reference and Refund.objects.filter(payment=payment, provider_reference=refund_reference).exists():
            refund_reference = ""  # already counted as a part: the rest is recorded without the id
        refund = Refund.objects.create(
            payment=payment, amount=max(left, Decimal(0)), currency=payment.currency, reason=reason[:500],
            idempotency_key=key, outside_app=outside_app, created_by=by_owner,
        )
        _refund_succeed_locked(payment, refund, provider_reference=refund_reference)
        payment.refresh_from_db()
    return payment


def payment_refund(*, payment: Payment, by_owner, amount: Decimal | None = None, reason: str = "",
                   idempotency_key: str = "", sessions_to_remove: dict[int, int] | None = None) -> Payment:
    """The owner refunds `payment` through its provider: `amount` (None: all that is left), with
    a reason and, for an order, sessions taken off it (per item id). Returns the payment as it is
    now. A second click with the same key refunds once (refund_make)."""
    if payment.owner_id != by_owner.pk:
        raise RefundError("This payment is not yours.")
    if payment.status == PaymentStatus.REFUNDED and amount is None:
        return payment
    if payment.status not in REFUNDABLE_STATUSES and payment.status != PaymentStatus.REFUNDED:
        raise RefundError("Only a paid payment can be refunded.")
    refund_make(payment=payment, amount=amount, reason=reason or FULL_REFUND_REASON,
                idempotency_key=idempotency_key, by_owner=by_owner, sessions_to_remove=sessions_to_remove)
    payment.refresh_from_db()
    return payment


def payment_mark_refunded_outside(*, payment: Payment, by_owner) -> Payment:
    """The owner gave the money back outside the app (the provider's dashboard, a transfer): the
    payment is recorded as refunded without a call to the provider, so Payments stops flagging it."""
    if payment.owner_id != by_owner.pk:
        raise RefundError("This payment is not yours.")
    if payment.status == PaymentStatus.REFUNDED:
        return payment
    if payment.status not in REFUNDABLE_STATUSES:
        raise RefundError("Only a paid payment can be marked refunded.")
    return payment_mark_refunded(payment_id=payment.pk, reason=FULL_REFUND_REASON, outside_app=True,
                                 by_owner=by_owner)


def order_cancel_with_refund(
    *, order: PackageOrder, by_owner, reason: str = "", refund: bool = False
) -> Payment | None:
    """The owner's "Cancel order" of a paid order: cancel it (upcoming sessions, the client told),
    then, when asked, refund what is left of the payment through its provider (payment_refund:
    idempotent).

    The cancellation stands even when the refund fails (RefundError, PaymentProviderError): the
    payment is then flagged "needs refund" on Payments until it is refunded. Raises OrderError
    when the order cannot be cancelled. Returns the refunded payment, if any."""
    order = order_cancel(order=order, by_owner=True, reason=reason)
    if not refund:
        return None
    payment = refundable_payment(order)
    if payment is None:
        return None
    return payment_refund(payment=payment, by_owner=by_owner)


def refundable_payment(order: PackageOrder) -> Payment | None:
    """The paid payment of `order` with money left to give back (the one an order refund gives back)."""
    return (
        Payment.objects.filter(order=order, status__in=REFUNDABLE_STATUSES, flagged=False)
        .order_by("confirmed_at", "id")
        .first()
    )


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Expire orders pending longer than UNPAID_ORDER_EXPIRY_MINUTES, unless one of their payments
    is waiting for the provider's confirmation. Returns how many orders expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.UNPAID_ORDER_EXPIRY_MINUTES)
    waiting = Payment.objects.filter(order=OuterRef("pk"), status=PaymentStatus.PENDING)
    candidate_ids = list(
        PackageOrder.objects.filter(status=OrderStatus.PENDING_PAYMENT, created_at__lt=cutoff)
        .exclude(Exists(waiting))
        .values_list("pk", flat=True)
    )
    expired = 0
    owners = dict(PackageOrder.objects.filter(pk__in=candidate_ids).values_list("pk", "owner_id"))
    for order_id in candidate_ids:
        with transaction.atomic():
            # Lock order (accounts.locks), as payment_refund: the owner, the payments, then the
            # order and its items (payment_confirm takes the payments, then the order, so the two
            # never deadlock); then check again under the locks: a payment may have been confirmed
            # or gone pending since the candidates were read.
            lock_owner(owners[order_id])
            open_payments = list(
                Payment.objects.select_for_update().filter(
                    order_id=order_id, status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING]
                ).order_by("pk")
            )
            order = PackageOrder.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.PENDING_PAYMENT:
                continue
            if any(p.status == PaymentStatus.PENDING for p in open_payments):
                continue
            order_expire(order=order)  # its sessions, granted when it was placed, are voided
            for payment in open_payments:
                _move(payment, PaymentStatus.CANCELED)
                payment.save(update_fields=["status", "updated_at"])
            expired += 1
    return expired


class IssueMode:
    """How an order the owner issues is settled (the choices of the "New order" form)."""

    PAID_OUTSIDE = "paid_outside"
    COMPLIMENTARY = "complimentary"
    PAYMENT_LINK = "payment_link"
    CHOICES = [
        (PAID_OUTSIDE, "Paid outside the app (cash, bank transfer)"),
        (COMPLIMENTARY, "Complimentary (no payment)"),
        (PAYMENT_LINK, "Send a payment link (the client pays online at the order's link)"),
    ]


def order_issue(*, owner, package, client_name: str, client_email: str, client_phone: str = "",
                mode: str, note: str = "", answers: list[dict] | None = None,
                amount_taken: Decimal | None = None) -> PackageOrder:
    """The owner creates an order of one of their packages for a client, settled at once.

    The order is placed through orders.services.order_create (the same snapshot and credit grant
    as a client's order), then made active in the same transaction: "paid outside the app" records
    a confirmed manual Payment with the owner's note and confirms it (payment_confirm, so the
    order is activated by the one guarded path); "complimentary" activates it with no payment.
    Either way order_activated is sent once, so the client gets the usual confirmation email.
    "Send a payment link" leaves the order pending payment and emails the client its link.
    `answers`: the package's invitee questions as the owner answered them for the client.
    `amount_taken`: money outside the app that was less than the price (a cash discount): the
    payment records what was taken, and the difference as its discount; the order keeps its price.
    Raises OrderError (package not orderable or not the owner's) and creates nothing.
    """
    from orders.services import PackageNotOrderable, order_create

    if package.owner_id != owner.pk:
        raise PackageNotOrderable()
    with transaction.atomic():
        lock_owner(owner.pk)
        order = order_create(
            package=package, client_name=client_name, client_email=client_email,
            client_phone=client_phone, issued_by_owner=True, answers=answers,
            # The client chose no zone (the owner filled the form): their emails follow the
            # owner's, as a client's own order does when the browser says none.
            client_timezone=owner.timezone or "UTC",
        )
        if order.status != OrderStatus.PENDING_PAYMENT:
            return order  # A free package: already active, confirmation sent.
        if mode == IssueMode.PAID_OUTSIDE:
            total = order.total_price
            taken = total if amount_taken is None else min(Decimal(amount_taken), total)
            tax = _order_tax(order, amount=taken)
            payment = Payment.objects.create(
                order=order, provider=Provider.MANUAL, amount=taken, currency=order.currency, note=note,
                # The cash discount, before tax: the invoice's net is the price less it.
                discount=order.price - (taken - tax["tax_added"]), **tax,
            )
            payment_confirm(payment_id=payment.pk, amount=taken, currency=order.currency)
        elif mode == IssueMode.COMPLIMENTARY:
            order, _ = order_mark_paid(order=order, paid_with=COMPLIMENTARY)
        elif mode == IssueMode.PAYMENT_LINK:
            # The order waits in pending payment (and expires unpaid like any other); the client
            # pays through the normal checkout of the order page.
            order_payment_requested.send(sender=PackageOrder, order=order)
        else:
            raise ValueError(f"Unknown issue mode {mode!r}")
        order.refresh_from_db()
    return order
