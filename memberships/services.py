"""A membership's life: started when its order is paid, renewed once per paid period (the order's
renewal rule applied to the unused sessions, then the sessions again, each a ledger entry), past due
when a renewal fails (booking refused after the grace period until it is paid), paused, cancelled at
the period end, ended.

Lock order (accounts.locks): the owner first, then the membership row, then the order's items
(orders.credits). A renewal takes the owner's row in share mode, so one owner's renewals run side
by side and queue only on its invoice numbers (membership_renew). Every transition re-reads the
membership under its lock and returns early when it is already where it was asked to go, so a
replayed webhook, a double click or two workers change nothing twice; a period is recorded once by
the unique (membership, period start) as well.

Providers: the test provider renews here ("Renew now", `manage.py renew_memberships`); Stripe's
invoice and subscription events (memberships.stripe) call the same services with Stripe's periods.
"""
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from accounts.locks import lock_owner, lock_owner_shared
from leadmonk.content_version import bumps_batched, orders_changed
from leadmonk.languages import translatable as _
from memberships.models import MembershipPeriod, MembershipStatus, PackageMembership
from memberships.renewal_reads import (
    membership_locked_for_renewal,
    membership_with_period_paid,
    period_insert,
    period_recorded,
)
from notifications.services import notify_membership_past_due
from orders.credits import ledger_renew_order, order_set_sessions_end
from orders.models import OrderStatus, PackageOrder
from packages.models import BillingInterval
from payments.providers.base import PaymentError
from payments.providers.stripe import memberships as stripe_memberships
from payments.services import payment_record_recurring

# A failed renewal refuses new bookings this long after the failure (a constant, the same for every
# package): long enough for a card to be updated, short enough not to give a period away.
GRACE_PERIOD = timedelta(days=3)

# Provider names as payments.models.Provider spells them (plain data: a membership names its provider).
TEST_PROVIDER = "test"
STRIPE_PROVIDER = "stripe"


class MembershipError(Exception):
    """A refused change of a membership; `message` is shown to the person who asked."""

    message = _("This membership cannot be changed that way.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


STRIPE_DID_NOT_ANSWER = _("Stripe did not answer. Nothing was changed; please try again in a moment.")


class MembershipNotRenewable(MembershipError):
    message = _("This membership is not running: it cannot be renewed.")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):  # an unknown zone name: UTC rather than a 500
        return ZoneInfo("UTC")


def period_after(start: datetime, *, interval: str, count: int, zone_name: str = "UTC",
                 anchor: datetime | None = None) -> datetime:
    """The end of a period starting at `start`: `count` weeks, months or years later on the same
    wall-clock time of `zone_name` (a monthly membership bought at 9:00 renews at 9:00 across a
    daylight-saving change; the 31st renews on the last day of shorter months). `anchor`, when the
    membership began: a period that starts on a month's last day because its day was cut short there
    (31 January -> 28 February) ends on the anchor's day again (31 March), not on the 28th for ever."""
    zone = zone_of(zone_name)
    local = start.astimezone(zone).replace(tzinfo=None)
    step = {BillingInterval.WEEK: relativedelta(weeks=count), BillingInterval.MONTH: relativedelta(months=count),
            BillingInterval.YEAR: relativedelta(years=count)}[interval]
    end = local + step
    if anchor is not None and interval != BillingInterval.WEEK:
        day = anchor.astimezone(zone).day
        if local.day < day and local.day == monthrange(local.year, local.month)[1]:
            end = end.replace(day=min(day, monthrange(end.year, end.month)[1]))
    return end.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def next_period_end(membership: PackageMembership, start: datetime | None = None) -> datetime:
    """The end of the period starting at `start` (the current period's end), anchored on the day the
    order was paid (membership_start's first period), or on the day it resumed when its periods
    started again then (membership_resume)."""
    order = membership.order
    return period_after(membership.current_period_end if start is None else start,
                        interval=order.billing_interval, count=order.billing_interval_count,
                        zone_name=order.client_timezone, anchor=membership.period_anchor or order.paid_at)


def _locked(membership_id: int) -> PackageMembership:
    """The membership under its row lock (after its owner's), with its order. A renewal reads it
    through memberships.renewal_reads instead, in share mode of the owner's lock."""
    owner_id = PackageMembership.objects.values_list("owner_id", flat=True).get(pk=membership_id)
    lock_owner(owner_id)
    return PackageMembership.objects.select_for_update(of=("self",)).select_related("order").get(pk=membership_id)


def _is_older(membership: PackageMembership, state_at: datetime | None) -> bool:
    """An event from before the state we hold (Stripe delivers out of order): it changes nothing."""
    return state_at is not None and membership.state_at is not None and state_at < membership.state_at


def _hold_bookings(order_id: int, held_from: datetime | None, *, owner_id: int) -> None:
    # orders.rules refuses new bookings from `bookings_held_from` (PaymentOverdue); the app that
    # charges sets and clears it.
    PackageOrder.objects.filter(pk=order_id).update(bookings_held_from=held_from, updated_at=timezone.now())
    orders_changed(owner_id=owner_id)


def membership_start(*, order: PackageOrder, provider: str, subscription_id: str = "",
                     period_start: datetime | None = None, period_end: datetime | None = None,
                     now: datetime | None = None) -> PackageMembership:
    """The membership of `order`, paid for its first period (whose sessions the order granted when
    it was placed): created once, whoever asks again gets the same row. Runs in the transaction that
    activated the order (orders.signals.order_activated)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_owner(order.owner_id)
        existing = PackageMembership.objects.filter(order=order).first()
        if existing is not None:
            return existing
        start = period_start or order.paid_at or now
        end = period_end or period_after(start, interval=order.billing_interval, count=order.billing_interval_count,
                                         zone_name=order.client_timezone)
        membership = PackageMembership.objects.create(
            order=order, owner_id=order.owner_id, provider=provider, provider_subscription_id=subscription_id,
            current_period_start=start, current_period_end=end,
        )
        MembershipPeriod.objects.create(membership=membership, starts_at=start, ends_at=end, paid_at=now)
    return membership


@dataclass(frozen=True)
class Renewal:
    membership: PackageMembership
    renewed: bool  # False: this period was paid already (or the membership ended instead)


class _EndsInstead(Exception):
    """A renewal found its membership due to end: ending it takes the owner's lock, which a
    transaction holding the shared one must not ask for (accounts.locks): it starts again."""


def membership_renew(*, membership_id: int, period_start: datetime, period_end: datetime | None = None,
                     invoice_id: str = "", now: datetime | None = None, state_at: datetime | None = None,
                     amount: Decimal | None = None, provider_payment_id: str = "",
                     owner_id: int | None = None) -> Renewal:
    """The period starting at `period_start` is paid: record it once and move the sessions (the
    order's renewal rule, then the package's sessions again, orders.credits.ledger_renew_order).
    A past-due membership becomes active and booking is allowed again. A second call for the same
    period adds nothing (the period row is looked up after the lock and unique in the database).

    The money is recorded as a confirmed payment of the order with its invoice
    (payments.services.payment_record_recurring: `amount`, the order's total with its tax unless the
    provider said otherwise). A membership cancelled by the client ends instead when its period is
    over; an ended one raises MembershipNotRenewable, and so does a paused one unless the provider
    collected the period's invoice (`invoice_id`) before the pause took effect: it stays paused.
    `owner_id`: the membership's owner, when the caller read it.

    Locks: the owner's row in share mode (accounts.locks.lock_owner_shared), then the membership's.
    Nothing that takes the owner's lock (a booking, a refund, the order's cancellation, the
    membership's own pause or cancel) runs beside a renewal, but the renewals of one owner's
    memberships do: each locks its own rows (the membership, its order's items in
    orders.credits.ledger_renew_order, the client's row of the Clients table) and they queue only on
    the owner's invoice numbers, which is why the payment and its invoice come last, just before the
    commit. Ending a membership instead takes the owner's lock: then it starts again with that."""
    try:
        return _renew(membership_id=membership_id, period_start=period_start, period_end=period_end,
                      invoice_id=invoice_id, now=now, state_at=state_at, amount=amount,
                      provider_payment_id=provider_payment_id, owner_id=owner_id, shared=True)
    except _EndsInstead:
        return _renew(membership_id=membership_id, period_start=period_start, period_end=period_end,
                      invoice_id=invoice_id, now=now, state_at=state_at, amount=amount,
                      provider_payment_id=provider_payment_id, owner_id=owner_id, shared=False)


def _renew(*, membership_id: int, period_start: datetime, period_end: datetime | None, invoice_id: str,
           now: datetime | None, state_at: datetime | None, amount: Decimal | None, provider_payment_id: str,
           owner_id: int | None, shared: bool) -> Renewal:
    now = now or timezone.now()
    # Its six watched writes bump the owner's orders version: held back (bumps_batched), so a renewal
    # that owns its transaction writes the cache once, on commit; nothing inside reads a cached page.
    with bumps_batched(), transaction.atomic():
        if owner_id is None:
            owner_id = PackageMembership.objects.values_list("owner_id", flat=True).get(pk=membership_id)
        (lock_owner_shared if shared else lock_owner)(owner_id)
        membership = membership_locked_for_renewal(membership_id)
        # A new statement after the lock: it sees a period another renewal committed while we waited.
        if period_recorded(membership.pk, period_start):
            return Renewal(membership, False)
        if membership.cancel_at is not None and period_start >= membership.cancel_at:
            if shared:
                raise _EndsInstead()  # rolls back nothing but the locks
            return Renewal(membership_end(membership_id=membership.pk, now=now), False)
        # A paused membership is not charged here; but an invoice the provider collected anyway (Stripe
        # voids only the invoices made after the pause) is money received: its period counts.
        paused = membership.status == MembershipStatus.PAUSED
        if membership.status == MembershipStatus.CANCELLED or (paused and not invoice_id) or membership.order.is_closed:
            raise MembershipNotRenewable()
        if period_start < membership.current_period_start:
            return Renewal(membership, False)  # an older period paid late: the state we hold is newer
        period_end = period_end or next_period_end(membership)
        period_id = period_insert(membership_id=membership.pk, starts_at=period_start, ends_at=period_end,
                                  paid_at=now, provider_invoice_id=invoice_id, created_at=timezone.now())
        if period_id is None:  # the lock makes this unreachable; the constraint is the backstop
            return Renewal(membership, False)
        orders_changed(owner_id=membership.owner_id)  # the period's row: what its post_save would bump
        ledger_renew_order(order=membership.order, now=now)
        membership.current_period_start, membership.current_period_end = period_start, period_end
        membership.status = MembershipStatus.PAUSED if paused else MembershipStatus.ACTIVE
        membership.past_due_since = None
        if state_at is not None:
            membership.state_at = max(state_at, membership.state_at or state_at)
        membership.save(update_fields=["current_period_start", "current_period_end", "status", "past_due_since",
                                       "state_at", "updated_at"])
        _hold_bookings(membership.order_id, None, owner_id=membership.owner_id)
        # Last: the invoice's number is taken under the owner's sequence lock (invoices.services),
        # held from here to the commit, on which every renewal of the owner queues.
        payment_record_recurring(order=membership.order, provider=membership.provider, amount=amount,
                                 provider_payment_id=provider_payment_id,
                                 provider_reference=invoice_id or f"membership-period-{period_id}")
    return Renewal(membership, True)


def membership_renew_locally(*, membership_id: int, period_start: datetime, now: datetime | None = None) -> Renewal:
    """The test provider charges the period starting at `period_start` (the period end the page or the
    command read: a double click or a second worker names the same period and adds nothing)."""
    # Whether the period is recorded already (committed: a period row is never removed) comes with
    # the membership: one renewed by someone else says so without queueing on the owner's lock. One
    # not found is looked up again under it.
    membership, paid = membership_with_period_paid(membership_id, period_start)
    if not membership.order.is_membership:
        raise MembershipNotRenewable()
    if membership.provider != TEST_PROVIDER:
        raise MembershipError("Only a test-provider membership renews here; Stripe renews it itself.")
    if paid:
        return Renewal(membership, False)
    end = next_period_end(membership, period_start)
    return membership_renew(membership_id=membership_id, period_start=period_start, period_end=end, now=now,
                            owner_id=membership.owner_id)


def membership_fail(*, membership_id: int, now: datetime | None = None, state_at: datetime | None = None
                    ) -> PackageMembership:
    """A renewal could not be charged: the membership is past due, the client is emailed (once per
    failure: a second failure of the same renewal changes nothing), and from the end of the grace
    period new sessions are refused until it is paid (PackageOrder.bookings_held_from)."""
    now = now or timezone.now()
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.status != MembershipStatus.ACTIVE or _is_older(membership, state_at):
            return membership
        held_from = now + GRACE_PERIOD
        membership.status = MembershipStatus.PAST_DUE
        membership.past_due_since = now
        if state_at is not None:
            membership.state_at = state_at
        membership.save(update_fields=["status", "past_due_since", "state_at", "updated_at"])
        _hold_bookings(membership.order_id, held_from, owner_id=membership.owner_id)
        membership.order.bookings_held_from = held_from
        notify_membership_past_due(order=membership.order, held_from=held_from)
    return membership


def _tell_stripe(membership_id: int, action: str) -> None:
    """The client's pause, resume, cancel or keep of a Stripe membership goes to Stripe first (outside
    any transaction); Stripe's own event later confirms the same state, which then changes nothing.
    The idempotency key names the membership, the action and its state now: a double click asks once."""
    membership = PackageMembership.objects.get(pk=membership_id)
    subscription_id = membership.provider_subscription_id
    if membership.provider != STRIPE_PROVIDER or not subscription_id:
        return
    # Only a move the local transition will make (read again under its lock after this): Stripe is
    # never told of a pause the membership then refuses.
    status, cancels = membership.status, membership.cancel_at is not None
    allowed = {
        "pause": status == MembershipStatus.ACTIVE and not cancels,
        "resume": status == MembershipStatus.PAUSED,
        "cancel": status != MembershipStatus.CANCELLED and not cancels,
        "keep": status != MembershipStatus.CANCELLED and cancels and membership.cancel_at > timezone.now(),
    }[action]
    if not allowed:
        return
    key = f"membership-{membership.pk}-{action}-{membership.updated_at.timestamp():.6f}"
    try:
        if action == "cancel" and membership.status == MembershipStatus.PAST_DUE:
            stripe_memberships.subscription_cancel_now(subscription_id)
        else:
            params = {"pause": {"pause_collection": {"behavior": "void"}}, "resume": {"pause_collection": ""},
                      "cancel": {"cancel_at_period_end": True}, "keep": {"cancel_at_period_end": False}}[action]
            stripe_memberships.subscription_update(subscription_id, params, key=key)
    except PaymentError as error:  # Stripe did not answer (payments' English words): said in the page's language
        raise MembershipError(STRIPE_DID_NOT_ANSWER) from error


def membership_pause(*, membership_id: int, now: datetime | None = None) -> PackageMembership:
    """The client pauses: no renewal is charged until they resume; their sessions stay."""
    now = now or timezone.now()
    _tell_stripe(membership_id, "pause")
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.status == MembershipStatus.PAUSED:
            return membership
        if membership.status != MembershipStatus.ACTIVE or membership.cancel_at is not None:
            raise MembershipError(_("Only a running membership can be paused."))
        membership.status, membership.paused_at = MembershipStatus.PAUSED, now
        membership.save(update_fields=["status", "paused_at", "updated_at"])
    return membership


def membership_resume(*, membership_id: int, now: datetime | None = None) -> PackageMembership:
    """The client resumes: the next period starts when the current one ends, or now if it ended
    while paused (nothing is charged for the paused time)."""
    now = now or timezone.now()
    _tell_stripe(membership_id, "resume")
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.status == MembershipStatus.CANCELLED:
            raise MembershipError(_("This membership has ended: order it again to restart it."))
        if membership.status != MembershipStatus.PAUSED:
            return membership
        membership.status, membership.paused_at = MembershipStatus.ACTIVE, None
        if membership.current_period_end < now:
            # The periods start again today, as on the day it was bought: resumed on the 31st, it
            # renews on the last day of shorter months and on the 31st again after them.
            membership.current_period_end = membership.period_anchor = now
        membership.save(update_fields=["status", "paused_at", "current_period_end", "period_anchor", "updated_at"])
    return membership


def membership_cancel(*, membership_id: int, now: datetime | None = None) -> PackageMembership:
    """The client cancels: nothing more is charged, and the sessions stay until the period ends
    ("cancels on <date>"); then the unused ones expire (the order's expiry, orders.credits) and the
    membership ends at the next renewal run."""
    now = now or timezone.now()
    _tell_stripe(membership_id, "cancel")
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.status == MembershipStatus.CANCELLED or membership.cancel_at is not None:
            return membership
        if membership.status == MembershipStatus.PAST_DUE:
            # Nothing was paid for the period after the failure: it ends now.
            return membership_end(membership_id=membership.pk, now=now)
        membership.cancel_at = max(membership.current_period_end, now)
        membership.save(update_fields=["cancel_at", "updated_at"])
        order_set_sessions_end(order_id=membership.order_id, ends_at=membership.cancel_at, owner_id=membership.owner_id)
    return membership


def membership_keep(*, membership_id: int, now: datetime | None = None) -> PackageMembership:
    """The client takes their cancellation back before the period ends."""
    now = now or timezone.now()
    _tell_stripe(membership_id, "keep")
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.cancel_at is None:
            return membership
        if membership.status == MembershipStatus.CANCELLED or membership.cancel_at <= now:
            raise MembershipError(_("This membership has ended: order it again to restart it."))
        membership.cancel_at = None
        membership.save(update_fields=["cancel_at", "updated_at"])
        order_set_sessions_end(order_id=membership.order_id, ends_at=None, owner_id=membership.owner_id)
    return membership


def membership_end(*, membership_id: int, now: datetime | None = None, state_at: datetime | None = None
                   ) -> PackageMembership:
    """The membership is over (its cancellation came due, Stripe deleted the subscription, or a past-
    due client cancelled): nothing more is charged, the unused sessions expire at the end of what was
    paid, and no booking is held for a payment any more."""
    now = now or timezone.now()
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.status == MembershipStatus.CANCELLED or _is_older(membership, state_at):
            return membership
        paid_until = membership.current_period_end if membership.status != MembershipStatus.PAST_DUE else now
        membership.status, membership.ended_at = MembershipStatus.CANCELLED, now
        membership.cancel_at = membership.cancel_at or min(paid_until, max(now, membership.current_period_start))
        if state_at is not None:
            membership.state_at = state_at
        membership.save(update_fields=["status", "ended_at", "cancel_at", "state_at", "updated_at"])
        order = membership.order
        if order.status == OrderStatus.ACTIVE:
            order_set_sessions_end(order_id=order.pk, ends_at=membership.cancel_at, owner_id=order.owner_id)
        _hold_bookings(order.pk, None, owner_id=order.owner_id)
    return membership


def membership_stop_at_stripe(*, membership_id: int) -> None:
    """The owner cancelled or refunded the order of a Stripe membership, which ended it here
    (membership_end, in that transaction): its subscription is cancelled at Stripe as well, or Stripe
    would go on collecting every period for a membership that renews nothing. Called after the
    commit (memberships.tasks), never inside a transaction; raises PaymentError when Stripe did not
    answer (the task tries again)."""
    membership = PackageMembership.objects.get(pk=membership_id)
    if (membership.provider != STRIPE_PROVIDER or not membership.provider_subscription_id
            or membership.status != MembershipStatus.CANCELLED):
        return
    stripe_memberships.subscription_cancel_now(membership.provider_subscription_id)


def memberships_renew_due(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Advance every test-provider membership whose period has ended (`manage.py renew_memberships`):
    a running one is charged its next period, a cancelled one ends (a paused one too, on its
    cancellation's day). Returns (renewed, ended). Each names the period it read, so two runs at
    once renew each period once."""
    now = now or timezone.now()
    due = list(
        PackageMembership.objects.filter(provider=TEST_PROVIDER, status=MembershipStatus.ACTIVE,
                                         current_period_end__lte=now)
        .order_by("current_period_end", "pk").values_list("pk", "current_period_end")[:limit]
    )
    renewed = ended = 0
    # A paused membership is never charged, but one the client also cancelled still ends when its
    # cancellation comes due.
    for membership_id in (PackageMembership.objects.filter(provider=TEST_PROVIDER, status=MembershipStatus.PAUSED,
                                                           cancel_at__lte=now)
                          .order_by("cancel_at", "pk").values_list("pk", flat=True)[:limit]):
        if membership_end(membership_id=membership_id, now=now).ended_at == now:
            ended += 1
    for membership_id, period_start in due:
        try:
            renewal = membership_renew_locally(membership_id=membership_id, period_start=period_start, now=now)
        except MembershipError:
            continue
        if renewal.renewed:
            renewed += 1
        elif renewal.membership.status == MembershipStatus.CANCELLED:
            ended += 1
    return renewed, ended


# -- Stripe: what its events say (memberships.receivers, from payments.signals) ------------------


def membership_link_subscription(*, order: PackageOrder, subscription_id: str, period_start: datetime | None,
                                 period_end: datetime | None) -> PackageMembership | None:
    """The Stripe subscription of `order`'s membership (Checkout completed): linked once, and the
    first period takes Stripe's dates, so Stripe's next invoice names the next period."""
    with transaction.atomic():
        lock_owner(order.owner_id)
        membership = PackageMembership.objects.select_for_update().filter(order=order).first()
        if membership is None or membership.provider_subscription_id:
            return membership
        membership.provider, membership.provider_subscription_id = STRIPE_PROVIDER, subscription_id
        fields = ["provider", "provider_subscription_id", "updated_at"]
        periods = list(membership.periods.all())
        if period_start and period_end and len(periods) == 1:
            MembershipPeriod.objects.filter(pk=periods[0].pk).update(starts_at=period_start, ends_at=period_end)
            orders_changed(owner_id=order.owner_id)
            membership.current_period_start, membership.current_period_end = period_start, period_end
            fields += ["current_period_start", "current_period_end"]
        membership.save(update_fields=fields)
    return membership


def membership_follow_stripe(*, membership_id: int, status: str, cancel_at: datetime | None, paused: bool,
                             pay_url: str = "", state_at: datetime) -> PackageMembership:
    """What a subscription read back from Stripe says of a membership's state (subscription.updated):
    past due, cancelling at a date or not, paused or not. An event older than the state held changes
    nothing (`state_at`, the event's time); a renewal or an end is recorded by their own services."""
    with transaction.atomic():
        membership = _locked(membership_id)
        if membership.status == MembershipStatus.CANCELLED or _is_older(membership, state_at):
            return membership
        if pay_url:
            membership.pay_url = pay_url
        if status in ("past_due", "unpaid") and membership.status == MembershipStatus.ACTIVE:
            membership.save(update_fields=["pay_url", "updated_at"])
            return membership_fail(membership_id=membership.pk, now=state_at, state_at=state_at)
        if paused != (membership.status == MembershipStatus.PAUSED) and membership.status != MembershipStatus.PAST_DUE:
            membership.status = MembershipStatus.PAUSED if paused else MembershipStatus.ACTIVE
            membership.paused_at = state_at if paused else None
        if cancel_at != membership.cancel_at:
            membership.cancel_at = cancel_at
            order_set_sessions_end(order_id=membership.order_id, ends_at=cancel_at, owner_id=membership.owner_id)
        membership.state_at = state_at
        membership.save(update_fields=["status", "paused_at", "cancel_at", "pay_url", "state_at", "updated_at"])
    return membership


def membership_set_pay_url(*, membership_id: int, pay_url: str, owner_id: int | None = None) -> None:
    PackageMembership.objects.filter(pk=membership_id).update(pay_url=pay_url[:500], updated_at=timezone.now())
    if owner_id is None:
        owner_id = PackageMembership.objects.filter(pk=membership_id).values_list("owner_id", flat=True).first()
    orders_changed(owner_id=owner_id)
