"""Writes of payment plans: the schedule made when the order is placed, each instalment paid or
failed as its payment is, the charge task, and the client paying a failed instalment or the rest.

Lock order (accounts.locks): the owner, then the plan's row, then the order's items (the ledger).
A payment's confirmation holds the payment's lock before it reaches here (payments.signals), and
nothing here locks a payment, so no cycle; a checkout's confirmation also holds the order's row, so
its first instalment (which moves no credit) takes the plan's lock only, never the owner's.

No provider is called inside a transaction: an instalment is claimed (a conditional update: two
charge tasks charge it once) and its payment row written and committed, then the provider is called
with an idempotency key derived from that payment, so a retried task charges once.
"""
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.locks import lock_owner
from instalments.models import PAYABLE_STATUSES, Instalment, InstalmentStatus, PaymentPlan
from leadmonk.content_version import orders_changed
from leadmonk.languages import translatable as _
from notifications.services import notify_instalment_failed, notify_instalment_paid
from orders.credits import ledger_hold_unpaid_instalments, ledger_release_paid_instalments
from orders.models import OrderStatus, PackageOrder
from packages.payment_plans import InstalmentAccess, InstalmentInterval, instalment_amounts
from payments.models import Payment, PaymentPurpose, PaymentStatus, Provider
from payments.providers.base import PaymentError, get_provider
from payments.providers.sandbox.provider import DECLINED_CARD
from payments.services import (
    CHECKOUT_REUSE_WINDOW,
    instalment_payment_create,
    payment_flag_instalments_paid_already,
)

logger = logging.getLogger(__name__)

# A client's checkout of an instalment ("Pay now", "Pay the rest now") left open this long no
# longer keeps the charge task from charging it when due (the client went away).
OPEN_CHECKOUT_WINDOW = timedelta(hours=1)
# A claimed instalment whose provider call never answered (the worker died) is charged again after
# this, with the same payment (the same idempotency key: the provider charges once).
STUCK_CHARGE_AFTER = timedelta(minutes=15)


class PlanError(Exception):
    """A refused move of a payment plan; `message` is shown to the client."""

    message = _("This payment cannot be made.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class NothingToPay(PlanError):
    message = _("Nothing is left to pay on this plan.")


def due_dates(*, start: datetime, count: int, interval: str, zone: str) -> list[datetime]:
    """The due moments of `count` instalments, the first at `start`, then every week or calendar
    month at the same wall-clock time in `zone` (a monthly plan started on 31 Jan is due 28 Feb):
    across a daylight-saving change the client is charged at the hour they ordered, not an hour off."""
    local = start.astimezone(ZoneInfo(zone or "UTC"))
    step = relativedelta(weeks=1) if interval == InstalmentInterval.WEEK else relativedelta(months=1)
    # Built from the start each time (not step by step), so a 31st stays the 31st where it exists.
    return [(local + step * number).astimezone(ZoneInfo("UTC")) for number in range(count)]


def plan_create(*, order: PackageOrder, now: datetime | None = None) -> PaymentPlan | None:
    """The schedule of an order sold with a payment plan (orders.receivers' order_placed, inside
    order_create's transaction): one instalment per payment, the first due now (its checkout), and
    the sessions not yet paid for held when they come as paid. None for an order paid in full."""
    if not order.has_payment_plan:
        return None
    now = now or timezone.now()
    count = order.instalment_count
    # The plan splits what the client pays: the price after any promo code, plus tax on top.
    amounts = instalment_amounts(order.total_price, count, order.currency)
    if amounts[0] <= 0:
        # A price below one smallest unit per payment (a promo code took nearly all of it): paid in full.
        PackageOrder.objects.filter(pk=order.pk).update(instalment_count=None, instalment_interval="",
                                                        instalment_access="")
        orders_changed(owner_id=order.owner_id)
        order.instalment_count, order.instalment_interval, order.instalment_access = None, "", ""
        return None
    plan = PaymentPlan.objects.create(order=order, created_at=now)
    dates = due_dates(start=now, count=count, interval=order.instalment_interval, zone=order.owner.timezone)
    Instalment.objects.bulk_create(
        Instalment(plan=plan, number=number, amount=amount, due_at=due_at)
        for number, (amount, due_at) in enumerate(zip(amounts, dates, strict=True), start=1)
    )
    orders_changed(owner_id=order.owner_id)  # bulk_create sends no post_save
    if order.instalment_access == InstalmentAccess.AS_PAID:
        ledger_hold_unpaid_instalments(order=order, count=count, now=now)
    return plan


def _lock_plan(order_id: int) -> PaymentPlan | None:
    return PaymentPlan.objects.select_for_update().select_related("order__owner").filter(order_id=order_id).first()


def _paid_count(plan: PaymentPlan) -> int:
    return plan.instalments.filter(status=InstalmentStatus.PAID).count()


def _release_bookings_if_settled(plan: PaymentPlan) -> None:
    """No failed instalment is left: the order books again (orders.rules reads bookings_held_from)."""
    if not plan.instalments.filter(status=InstalmentStatus.FAILED).exists():
        PackageOrder.objects.filter(pk=plan.order_id).update(bookings_held_from=None)
        orders_changed(owner_id=plan.order.owner_id)


def plan_payment_confirmed(*, payment: Payment, now: datetime | None = None) -> list[Instalment]:
    """An order's payment was confirmed (payments.signals, inside payment_confirm's transaction):
    the instalments it paid become paid, their sessions come (as paid), the hold on new bookings
    goes once no failed one is left, and the client gets a receipt (the first instalment's is the
    order confirmation). A checkout the owner settled outside the app pays the whole plan. Runs once
    per payment: what is paid already is skipped. Returns the instalments it paid."""
    now = now or timezone.now()
    settles_all = payment.purpose == PaymentPurpose.ORDER and payment.provider == Provider.MANUAL
    if payment.purpose == PaymentPurpose.INSTALMENT or settles_all:
        # Sessions come back to the ledger: the owner's lock first (accounts.locks). A checkout's
        # first instalment moves no credit (its share was never held), and its caller holds the
        # order's row lock: taking the owner's after it could deadlock with a cancel (owner, then order).
        lock_owner(payment.order.owner_id)
    plan = _lock_plan(payment.order_id)
    if plan is None:
        return []
    order = plan.order
    if payment.purpose == PaymentPurpose.ORDER:
        rows = plan.instalments.exclude(status__in=[InstalmentStatus.PAID, InstalmentStatus.CANCELLED])
        if not settles_all:
            # The checkout pays the first; the card it kept pays the others when due.
            rows = rows.filter(number=1)
            plan.provider, plan.saved_method = payment.provider, payment.saved_method
            plan.save(update_fields=["provider", "saved_method"])
    else:
        rows = plan.instalments.filter(payment=payment).exclude(
            status__in=[InstalmentStatus.PAID, InstalmentStatus.CANCELLED])
    paying = list(rows.order_by("number"))
    if payment.purpose == PaymentPurpose.INSTALMENT:
        # Its instalments may have gone to another payment since it was started (two tabs: "Pay now"
        # and "Pay the rest now"): what it took beyond those still left to it is flagged for a refund.
        over = payment.amount - sum((row.amount for row in paying), Decimal(0))
        if over > 0:
            payment_flag_instalments_paid_already(payment=payment, over=over)
    if not paying:
        return []
    paid_before = _paid_count(plan)
    Instalment.objects.filter(pk__in=[row.pk for row in paying]).update(
        status=InstalmentStatus.PAID, paid_at=now, payment=payment)
    orders_changed(owner_id=order.owner_id)
    paid_after = paid_before + len(paying)
    if order.instalment_access == InstalmentAccess.AS_PAID:
        # The first instalment's share was never held (ledger_hold_unpaid_instalments): it counts
        # from the second on.
        ledger_release_paid_instalments(order=order, paid_before=max(paid_before, 1), paid_after=max(paid_after, 1),
                                        count=order.instalment_count, now=now)
    _release_bookings_if_settled(plan)
    if payment.purpose == PaymentPurpose.INSTALMENT:
        notify_instalment_paid(order=order, amount=payment.amount, currency=payment.currency,
                               numbers=[row.number for row in paying], count=order.instalment_count,
                               paid_with=payment.get_provider_display(), payment_id=payment.pk)
    return paying


def plan_payment_failed(*, payment: Payment, now: datetime | None = None) -> list[Instalment]:
    """An instalment's charge failed (payments.signals, inside payment_fail's transaction): it is
    failed, new bookings are refused from now until it is paid, and the client is emailed the page
    where they pay it. A client's own checkout that failed changes nothing (they are there to try
    again). Returns the instalments that failed."""
    if payment.purpose != PaymentPurpose.INSTALMENT:
        return []
    now = now or timezone.now()
    lock_owner(payment.order.owner_id)
    plan = _lock_plan(payment.order_id)
    if plan is None:
        return []
    failing = list(plan.instalments.filter(payment=payment, status=InstalmentStatus.PROCESSING).order_by("number"))
    if not failing:
        return []
    Instalment.objects.filter(pk__in=[row.pk for row in failing]).update(status=InstalmentStatus.FAILED,
                                                                          failed_at=now)
    order = plan.order
    orders_changed(owner_id=order.owner_id)
    if order.status == OrderStatus.ACTIVE:
        PackageOrder.objects.filter(pk=order.pk, bookings_held_from__isnull=True).update(bookings_held_from=now)
        notify_instalment_failed(order=order, amount=payment.amount, currency=payment.currency,
                                 numbers=[row.number for row in failing], count=order.instalment_count)
    return failing


def plan_order_closed(*, order: PackageOrder) -> int:
    """The order was cancelled or refunded: what is not paid yet is never charged. Returns how many
    instalments were cancelled. One being charged is cancelled too: the charge task calls a provider
    that did not answer again only for an instalment still being charged (and a charge that did go
    through meanwhile pays no instalment: it is flagged for a refund, plan_payment_confirmed)."""
    with transaction.atomic():
        plan = _lock_plan(order.pk)
        if plan is None:
            return 0
        cancelled = plan.instalments.filter(status__in=[*PAYABLE_STATUSES, InstalmentStatus.PROCESSING]).update(
            status=InstalmentStatus.CANCELLED)
        PackageOrder.objects.filter(pk=order.pk).update(bookings_held_from=None)
        orders_changed(owner_id=order.owner_id)
    return cancelled


def plan_order_given(*, order: PackageOrder, now: datetime | None = None) -> None:
    """The owner gave the order at no charge: nothing of the plan is charged, and every session is
    the client's (what was held comes back)."""
    now = now or timezone.now()
    plan = _lock_plan(order.pk)
    if plan is None:
        return
    paid_before = _paid_count(plan)
    plan.instalments.filter(status__in=PAYABLE_STATUSES).update(status=InstalmentStatus.CANCELLED)
    orders_changed(owner_id=order.owner_id)
    if order.instalment_access == InstalmentAccess.AS_PAID:
        ledger_release_paid_instalments(order=order, paid_before=max(paid_before, 1), paid_after=order.instalment_count,
                                        count=order.instalment_count, now=now)


# -- charging what is due (the beat task, the management command) ---------------------------------

def _claim(instalment_id: int, now: datetime) -> Payment | None:
    """Claim one due instalment and write its payment, or None when another run got there first
    (the conditional update) or the client is paying it at a checkout right now."""
    with transaction.atomic():
        # The plan's lock first, as every writer of a plan takes it (the module's lock order): the
        # client's "Pay now" holds it while it writes its payment onto these rows, so claiming a row
        # before it (the update below) and then waiting for the plan deadlocked with that checkout.
        # After the lock, an instalment the client has just taken to a checkout is not claimed.
        plan_id = Instalment.objects.filter(pk=instalment_id).values_list("plan_id", flat=True).first()
        plan = PaymentPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None:
            return None
        open_checkout = Q(payment__status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING],
                          payment__created_at__gte=now - OPEN_CHECKOUT_WINDOW)
        claimable = Instalment.objects.filter(pk=instalment_id, status=InstalmentStatus.SCHEDULED,
                                              due_at__lte=now).exclude(open_checkout)
        # The status is tested on the updated row itself (not only in the subquery): PostgreSQL
        # re-checks it after waiting for a concurrent claim, so the second claim updates nothing.
        if not Instalment.objects.filter(pk__in=claimable.values("pk"), status=InstalmentStatus.SCHEDULED).update(
                status=InstalmentStatus.PROCESSING):
            return None
        instalment = Instalment.objects.select_related("plan__order").get(pk=instalment_id)
        orders_changed(owner_id=instalment.plan.order.owner_id)
        card = plan.saved_method
        if plan.fail_next_charge and plan.provider == Provider.TEST:
            card = DECLINED_CARD
            plan.fail_next_charge = False
            plan.save(update_fields=["fail_next_charge"])
        payment = instalment_payment_create(order=instalment.plan.order, provider=plan.provider,
                                            amount=instalment.amount, numbers=[instalment.number], saved_method=card)
        instalment.payment = payment
        instalment.save(update_fields=["payment"])
    return payment


def _charge(payment: Payment) -> Payment:
    """The provider call, outside any transaction; returns the payment as it is after it.
    Unreachable: the instalment stays claimed and the next run charges the same payment again
    (same key)."""
    try:
        get_provider(payment.provider).charge_saved(
            Payment.objects.select_related("order__owner").get(pk=payment.pk))
    except PaymentError as error:
        logger.warning("instalment payment %s: %s; charged again on a later run", payment.pk, error.message)
    return Payment.objects.get(pk=payment.pk)


def instalments_charge_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Charge every instalment due by `now` of an active order to the card kept at its checkout
    (the beat task `charge_due_instalments`, `manage.py charge_due_instalments`). Two runs at once
    charge each instalment once. Returns how many charges were made."""
    now = now or timezone.now()
    due = list(
        Instalment.objects.filter(status=InstalmentStatus.SCHEDULED, due_at__lte=now,
                                  plan__order__status=OrderStatus.ACTIVE)
        .exclude(plan__saved_method="").exclude(plan__provider="")
        .order_by("due_at", "pk").values_list("pk", flat=True)[:limit]
    )
    charged = 0
    for instalment_id in due:
        payment = _claim(instalment_id, now)
        if payment is not None:
            _charge(payment)
            charged += 1
    # Claimed before a worker died mid-call: charge the same payment again (same idempotency key).
    stuck = Payment.objects.filter(
        purpose=PaymentPurpose.INSTALMENT, status=PaymentStatus.CREATED, created_at__lt=now - STUCK_CHARGE_AFTER,
        instalments__status=InstalmentStatus.PROCESSING,
    ).exclude(saved_method="").distinct()
    for payment in stuck[:limit]:
        _charge(payment)
    return charged


# -- the client pays now ---------------------------------------------------------------------------

def plan_pay_start(*, order: PackageOrder, provider: str, number: int | None = None) -> Payment:
    """A payment of instalment `number` (a failed one, "Pay now") or of every instalment not yet
    paid ("Pay the rest now", `number` None), for the client's checkout. A double click (or two
    tabs) gets the same open payment, started in the last half hour: it is charged once. Raises
    PlanError (nothing written)."""
    with transaction.atomic():
        lock_owner(order.owner_id)
        plan = _lock_plan(order.pk)
        if plan is None:
            raise PlanError(_("This order has no payment plan."))
        if plan.order.status != OrderStatus.ACTIVE:
            raise PlanError(_("This order is %(status)s; its plan cannot be paid.")
                            % {"status": str(plan.order.get_status_display()).lower()})
        payable = [row for row in plan.instalments.select_related("payment").order_by("number")
                   if row.is_payable and (number is None or row.number == number)]
        if not payable:
            raise NothingToPay(_("This payment is paid already.") if number is not None else None)
        amount = sum((row.amount for row in payable), Decimal(0))
        current = {row.payment_id for row in payable}
        if len(current) == 1 and payable[0].payment is not None:
            open_payment = payable[0].payment
            # Reused while its checkout is fresh, as the order's "Pay" does: one left a day ago points
            # at a checkout page the provider has expired since.
            if (open_payment.status == PaymentStatus.CREATED and open_payment.provider == provider
                    and open_payment.created_at >= timezone.now() - CHECKOUT_REUSE_WINDOW
                    and open_payment.amount == amount and not open_payment.saved_method
                    and open_payment.instalments.count() == len(payable)):
                return open_payment
        payment = instalment_payment_create(order=plan.order, provider=provider, amount=amount,
                                            numbers=[row.number for row in payable])
        Instalment.objects.filter(pk__in=[row.pk for row in payable]).update(payment=payment)
        orders_changed(owner_id=plan.order.owner_id)
    return payment


def plan_fail_next_charge(*, order: PackageOrder) -> None:
    """Test provider only: the next instalment charged is declined (to try the failure path)."""
    with transaction.atomic():
        plan = _lock_plan(order.pk)
        if plan is None or plan.provider != Provider.TEST:
            raise PlanError(_("Only a plan paid with the test provider can be made to fail."))
        plan.fail_next_charge = True
        plan.save(update_fields=["fail_next_charge"])


def plan_charge_next_now(*, order: PackageOrder, now: datetime | None = None) -> Payment | None:
    """Test provider only ("Charge the next instalment now"): move the next scheduled instalment's
    due date to now and charge it, as the beat task would when its day comes."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _lock_plan(order.pk)
        if plan is None or plan.provider != Provider.TEST:
            raise PlanError(_("Only a plan paid with the test provider can be charged from this page."))
        upcoming = plan.instalments.filter(status=InstalmentStatus.SCHEDULED).order_by("number").first()
        if upcoming is None:
            raise NothingToPay(_("No instalment is left to charge."))
        Instalment.objects.filter(pk=upcoming.pk).update(due_at=now)
        orders_changed(owner_id=plan.order.owner_id)
    payment = _claim(upcoming.pk, now)
    return _charge(payment) if payment is not None else None


def pay_url(order: PackageOrder) -> str:
    return reverse("order_details:detail", args=[order.token]) + "#payment-plan"
