"""A membership's life through its services: started when paid, renewed once per period with the
order's rule applied to the unused sessions, past due on a failed renewal (email, booking refused
after the grace period, allowed again when paid), paused, cancelled at the period end."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from memberships import services
from memberships.models import MembershipPeriod, MembershipStatus, PackageMembership
from memberships.tests.conftest import membership_package, subscribe
from notifications.models import Message, MessageKind
from orders.credits import item_balance, orders_expire_due
from orders.models import LedgerReason, PackageOrder
from orders.rules import PaymentOverdue, order_booking_refusal
from orders.services import order_session_book
from packages.models import BillingInterval, RenewalRule
from scheduling.models import BookedBy
from tests import NOW, make_package, set_weekly_hours

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def _balance(order) -> int:
    return sum(item_balance(item.pk) for item in order.items.all())


def _book(order, start):
    set_weekly_hours(order.owner, {day: [(datetime.min.time().replace(hour=9), datetime.min.time().replace(hour=17))]
                                   for day in range(7)})
    return order_session_book(item=order.items.get(), start=start, booked_by=BookedBy.CLIENT)


def _renew(order):
    membership = order.package_membership
    membership.refresh_from_db()
    return services.membership_renew_locally(membership_id=membership.pk, period_start=membership.current_period_end)


def test_paying_a_membership_order_starts_a_monthly_period_in_the_clients_zone(owner, package):
    order = subscribe(package)

    membership = order.package_membership
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.provider == "test"
    assert membership.current_period_start == NOW
    # 7:00 on 1 December in New York -> 7:00 on 1 January there.
    assert membership.current_period_end.astimezone(NEW_YORK) == datetime(2027, 1, 1, 7, 0, tzinfo=NEW_YORK)
    assert membership.periods.count() == 1
    assert _balance(order) == 4


def test_the_order_keeps_the_membership_it_was_sold_with(owner, package):
    order = subscribe(package)
    package.billing_interval, package.renewal_rule = BillingInterval.YEAR, RenewalRule.KEEP
    package.save()

    order.refresh_from_db()
    assert (order.billing_interval, order.billing_interval_count, order.renewal_rule) == ("month", 1, "reset")


def test_a_package_sold_once_starts_no_membership(owner):
    order = subscribe(make_package(owner, price=Decimal("50.00")))

    assert not PackageMembership.objects.filter(order=order).exists()


@pytest.mark.parametrize(("rule", "cap", "expected"), [
    (RenewalRule.RESET, None, 4),      # the 3 unused are lost; 4 new
    (RenewalRule.ROLLOVER, 2, 6),      # 2 of the 3 roll over; 4 new
    (RenewalRule.ROLLOVER, 0, 4),      # a cap of 0 rolls nothing over
    (RenewalRule.ROLLOVER, 10, 7),     # under the cap: all 3 roll over
    (RenewalRule.KEEP, None, 7),       # the 3 stay; 4 new
])
def test_renewal_applies_the_rule_to_the_unused_sessions(owner, rule, cap, expected):
    order = subscribe(membership_package(owner, rule=rule, cap=cap))
    _book(order, datetime(2026, 12, 8, 10, 0, tzinfo=NEW_YORK))
    assert _balance(order) == 3

    renewal = _renew(order)

    assert renewal.renewed
    assert _balance(order) == expected
    entries = list(order.items.get().ledger.order_by("pk").values_list("reason", "change"))
    assert entries[-1] == (LedgerReason.RENEWAL, 4)
    dropped = 3 - (expected - 4)
    if dropped:
        assert entries[-2] == (LedgerReason.RENEWAL_RESET, -dropped)
    else:
        assert entries[-2] == (LedgerReason.BOOKING, -1)


def test_renewing_the_same_period_twice_adds_the_sessions_once(owner, package):
    order = subscribe(package)
    membership = order.package_membership
    period_start = membership.current_period_end

    first = services.membership_renew_locally(membership_id=membership.pk, period_start=period_start)
    second = services.membership_renew_locally(membership_id=membership.pk, period_start=period_start)

    assert (first.renewed, second.renewed) == (True, False)
    assert MembershipPeriod.objects.filter(membership=membership).count() == 2
    assert _balance(order) == 4
    # The renewal's money is a confirmed payment of the order with its own invoice; once.
    payments = list(order.payments.order_by("pk"))
    assert [(payment.status, payment.amount) for payment in payments] == [("confirmed", Decimal("80.000"))] * 2
    assert payments[1].invoice.number != payments[0].invoice.number
    membership.refresh_from_db()
    assert membership.current_period_start == period_start


def test_a_failed_renewal_emails_the_client_and_refuses_booking_after_three_days(owner, package):
    order = subscribe(package)

    services.membership_fail(membership_id=order.package_membership.pk)
    services.membership_fail(membership_id=order.package_membership.pk)  # the same failure again: one email

    order.refresh_from_db()
    assert order.package_membership.status == MembershipStatus.PAST_DUE
    assert order.bookings_held_from == NOW + timedelta(days=3)
    emails = Message.objects.filter(order=order, kind=MessageKind.MEMBERSHIP_PAST_DUE)
    assert [email.recipient for email in emails] == ["cleo@example.com"]
    # Inside the grace period the client still books; after it, the refusal says how to pay.
    assert order_booking_refusal(order, now=NOW + timedelta(days=2)) is None
    refusal = order_booking_refusal(order, now=NOW + timedelta(days=3, minutes=1))
    assert isinstance(refusal, PaymentOverdue)
    assert "Pay it from this page" in refusal.message


def test_paying_a_past_due_membership_renews_it_and_allows_booking_again(owner, package):
    order = subscribe(package)
    services.membership_fail(membership_id=order.package_membership.pk)

    renewal = _renew(order)

    order.refresh_from_db()
    assert renewal.renewed and renewal.membership.status == MembershipStatus.ACTIVE
    assert order.bookings_held_from is None
    assert order_booking_refusal(order, now=NOW + timedelta(days=5)) is None


def test_cancelling_keeps_the_sessions_until_the_period_ends_then_they_expire(owner, package):
    order = subscribe(package)
    membership = services.membership_cancel(membership_id=order.package_membership.pk)
    period_end = membership.current_period_end

    assert membership.status == MembershipStatus.ACTIVE and membership.cancels
    assert membership.cancel_at == period_end
    order.refresh_from_db()
    assert order.expires_at == period_end
    assert order_booking_refusal(order, now=period_end - timedelta(hours=1)) is None
    assert _balance(order) == 4

    # The billing run at the period end ends the membership instead of charging it; the expiry
    # task takes the unused sessions.
    with time_machine.travel(period_end + timedelta(minutes=5), tick=False):
        assert services.memberships_renew_due() == (0, 1)
        orders_expire_due()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED
    assert membership.periods.count() == 1
    assert _balance(order) == 0


def test_taking_a_cancellation_back_keeps_the_membership_running(owner, package):
    order = subscribe(package)
    services.membership_cancel(membership_id=order.package_membership.pk)

    membership = services.membership_keep(membership_id=order.package_membership.pk)

    order.refresh_from_db()
    assert not membership.cancels and order.expires_at is None
    assert _renew(order).renewed


def test_a_paused_membership_is_not_renewed_until_resumed(owner, package):
    order = subscribe(package)
    membership = services.membership_pause(membership_id=order.package_membership.pk)
    period_end = membership.current_period_end

    with time_machine.travel(period_end + timedelta(days=3), tick=False):
        assert services.memberships_renew_due() == (0, 0)
        resumed = services.membership_resume(membership_id=membership.pk)
        # The paused time is not charged: the next period starts now.
        assert resumed.current_period_end == timezone.now()
        assert services.memberships_renew_due() == (1, 0)
    assert _balance(order) == 4


@pytest.mark.parametrize(("resumed_on", "renewals"), [
    # The 31st, as a membership bought on the 31st: the last day of a shorter month, then the 31st.
    ((3, 31), ((4, 30), (5, 31), (6, 30), (7, 31))),
    # 28 February: a month to 28 March (as bought that day), not back to the 1st it was paid on.
    ((2, 28), ((3, 28), (4, 28), (5, 28), (6, 28))),
])
def test_a_membership_resumed_after_its_period_ran_out_renews_a_month_at_a_time_from_that_day(
        owner, package, resumed_on, renewals):
    order = subscribe(package)  # paid 1 December, 7:00 in New York
    membership = services.membership_pause(membership_id=order.package_membership.pk)
    month, day = resumed_on
    with time_machine.travel(datetime(2027, month, day, 10, 0, tzinfo=NEW_YORK), tick=False):
        services.membership_resume(membership_id=membership.pk)
        assert services.memberships_renew_due() == (1, 0)
    ends = []
    for _ in range(len(renewals) - 1):
        membership.refresh_from_db()
        ends.append(membership.current_period_end)
        with time_machine.travel(membership.current_period_end, tick=False):
            assert _renew(order).renewed
    membership.refresh_from_db()
    ends.append(membership.current_period_end)

    assert [end.astimezone(NEW_YORK) for end in ends] == [
        datetime(2027, month, day, 10, 0, tzinfo=NEW_YORK) for month, day in renewals]


def test_a_paused_membership_cancelled_ends_when_its_cancellation_comes_due(owner, package):
    order = subscribe(package)
    services.membership_pause(membership_id=order.package_membership.pk)
    membership = services.membership_cancel(membership_id=order.package_membership.pk)
    assert membership.cancels

    with time_machine.travel(membership.cancel_at + timedelta(minutes=5), tick=False):
        assert services.memberships_renew_due() == (0, 1)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED
    assert membership.periods.count() == 1


def test_the_renew_memberships_command_advances_every_membership_whose_period_ended(owner, package):
    orders = [subscribe(package, email=f"client{n}@example.com") for n in range(3)]
    period_end = orders[0].package_membership.current_period_end

    with time_machine.travel(period_end + timedelta(hours=1), tick=False):
        call_command("renew_memberships")
        call_command("renew_memberships")  # nothing more is due: a second run renews nothing

    for order in orders:
        assert order.package_membership.periods.count() == 2
        assert _balance(order) == 4


def test_weekly_and_yearly_periods(owner):
    weekly = subscribe(membership_package(owner, interval=BillingInterval.WEEK, count=2))
    yearly = subscribe(membership_package(owner, interval=BillingInterval.YEAR), email="yan@example.com")

    assert weekly.package_membership.current_period_end == NOW + timedelta(weeks=2)
    assert yearly.package_membership.current_period_end.astimezone(NEW_YORK).date().isoformat() == "2027-12-01"


def test_the_owner_cancelling_the_order_ends_the_membership(owner, package):
    from orders.lifecycle import order_cancel

    order = subscribe(package)
    order_cancel(order=order, reason="Moving away")

    membership = PackageMembership.objects.get(order=order)
    assert membership.status == MembershipStatus.CANCELLED
    renewal = services.membership_renew_locally(membership_id=membership.pk, period_start=membership.current_period_end)
    assert not renewal.renewed and membership.periods.count() == 1
    assert PackageOrder.objects.get(pk=order.pk).status == "cancelled"


def test_a_renewal_is_charged_with_the_tax_the_order_was_sold_with(owner, package):
    from invoices.services import invoice_settings_save

    invoice_settings_save(owner=owner, business_name="Casey Coaching Ltd", address="", tax_id="GB123",
                          tax_rate=Decimal("20"), tax_name="VAT", prices_include_tax=False, number_prefix="INV-",
                          footer="")
    order = subscribe(package)
    # A later change of the owner's tax changes nothing of what the membership was sold with.
    invoice_settings_save(owner=owner, business_name="Casey Coaching Ltd", address="", tax_id="GB123",
                          tax_rate=Decimal("0"), tax_name="VAT", prices_include_tax=False, number_prefix="INV-",
                          footer="")

    _renew(order)

    renewal = order.payments.order_by("pk").last()
    assert (renewal.amount, renewal.tax_added) == (Decimal("96.000"), Decimal("16.000"))
    assert renewal.invoice.total == Decimal("96.00")


def test_a_membership_bought_on_the_31st_renews_on_the_last_day_of_shorter_months_only(owner, package):
    # 10:00 on 31 January in New York.
    with time_machine.travel(datetime(2027, 1, 31, 10, 0, tzinfo=NEW_YORK), tick=False):
        order = subscribe(package)
    ends = [order.package_membership.current_period_end]
    for _ in range(3):
        with time_machine.travel(ends[-1], tick=False):
            ends.append(_renew(order).membership.current_period_end)

    assert [end.astimezone(NEW_YORK) for end in ends] == [
        datetime(2027, month, day, 10, 0, tzinfo=NEW_YORK) for month, day in ((2, 28), (3, 31), (4, 30), (5, 31))]
