"""Memberships in the benchmark: a renewal burst. 100 test-provider memberships whose period ended
are renewed at once, each twice from two different threads (a billing run meeting "Renew now"), by 50
threads (the other bursts' width: PostgreSQL's 100 connections): every period must be recorded once
and add its sessions once (100 renewals, 100 × the sessions on the ledger)."""
import time
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from bench.booking_path import burst
from memberships.models import MembershipPeriod, PackageMembership
from memberships.services import TEST_PROVIDER, membership_renew_locally, membership_start
from orders.credits import ledger_grant_purchase
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus, PackageOrder
from packages.models import BillingInterval, Package, PackageItem, PackageState, RenewalRule
from scheduling.models import MeetingType

MEMBERS = 100
SESSIONS = 4
THREADS = 50


def seed(*, owner, now, members: int = MEMBERS) -> list[PackageMembership]:
    """`members` test-provider memberships of `owner` (one package, one meeting type: once per owner)
    whose first period ended a day before `now`."""
    coaching = MeetingType.objects.create(owner=owner, name="Membership coaching", slug="membership-coaching",
                                          duration_minutes=60, slot_step_minutes=60, min_notice_minutes=0)
    package = Package.objects.create(owner=owner, name="Bench membership", slug="bench-membership",
                                     state=PackageState.ACTIVE, price=Decimal("80"), currency="USD",
                                     payment_medium="stripe", billing_interval=BillingInterval.MONTH,
                                     renewal_rule=RenewalRule.ROLLOVER, rollover_cap=1)
    PackageItem.objects.create(package=package, meeting_type=coaching, quantity=SESSIONS)
    memberships = []
    started = now - timedelta(days=31)
    for index in range(members):
        with transaction.atomic():
            order = PackageOrder.objects.create(
                owner=owner, package=package, status=OrderStatus.ACTIVE, client_name=f"Member {index}",
                client_email=f"member{index}@example.com", title=package.name, price=package.price,
                currency="USD", paid_at=started, paid_with="Test provider", billing_interval="month",
                renewal_rule=RenewalRule.ROLLOVER, rollover_cap=1, client_timezone="UTC")
            item = OrderItem.objects.create(order=order, meeting_type=coaching, meeting_type_name=coaching.name,
                                            duration_minutes=60, kind="one_on_one", quantity=SESSIONS)
            ledger_grant_purchase(items=[item], now=started)
        memberships.append(membership_start(order=order, provider=TEST_PROVIDER, now=started))
    return memberships


def renewal_burst(*, owner, now) -> dict:
    return renew_at_once(seed(owner=owner, now=now), now=now)


def renew_at_once(memberships: list[PackageMembership], *, now) -> dict:
    """The burst itself (bench.profile_renewal times it apart from the seed)."""
    # Each membership twice: at j and at 2×MEMBERS-1-j, which thread (index % THREADS) never shares.
    attempts = memberships + memberships[::-1]
    renewed: list[int] = []

    def run(thread: int) -> None:
        for membership in attempts[thread::THREADS]:
            if membership_renew_locally(membership_id=membership.pk, period_start=membership.current_period_end,
                                        now=now).renewed:
                renewed.append(membership.pk)

    cpu = time.process_time()
    _threads_ok, errors, seconds = burst([(lambda t=t: run(t)) for t in range(THREADS)])
    cpu = time.process_time() - cpu
    ok = len(renewed)
    ids = [membership.pk for membership in memberships]
    periods = MembershipPeriod.objects.filter(membership_id__in=ids).count() - len(ids)
    granted = CreditLedgerEntry.objects.filter(order_item__order__package_membership__in=ids,
                                               reason=LedgerReason.RENEWAL).count()
    # Exact: each membership renewed by one of its two threads, once in the periods (what the row
    # reports) and once on the ledger; a thread that said "renewed" for nothing counts as an error.
    mismatches = abs(granted - periods) + abs(ok - periods)
    return {"name": f"{len(ids)} memberships renewing at once (each twice)", "expected": len(ids),
            "succeeded": periods, "errors": errors + mismatches, "seconds": seconds,
            "cpu_seconds": cpu}
