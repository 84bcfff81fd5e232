"""A package paid in instalments, end to end through the services and the test provider: the first
at checkout, the others charged when due, sessions as paid, a failure holding new bookings until it
is paid, "Pay the rest now", and what the order's end does to the plan."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from instalments.models import Instalment, InstalmentStatus, PaymentPlan
from instalments.services import (
    NothingToPay,
    instalments_charge_due,
    plan_charge_next_now,
    plan_fail_next_charge,
    plan_pay_start,
)
from instalments.tests.conftest import ordered_and_paid, place, plan_package
from invoices.models import Invoice
from orders.credits import item_balance
from orders.lifecycle import order_cancel
from orders.models import CreditLedgerEntry, LedgerReason, OrderStatus
from orders.rules import PaymentOverdue
from orders.services import order_session_book
from packages.payment_plans import InstalmentAccess, InstalmentInterval
from payments.models import Payment, PaymentPurpose, PaymentStatus, Provider
from payments.providers.base import get_provider
from scheduling.services import BookingError
from tests import NINE_AM, NOW

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def schedule(order):
    return list(Instalment.objects.filter(plan__order=order).order_by("number"))


def balance(order) -> int:
    return item_balance(order.items.get().pk)


def test_the_checkout_charges_the_first_instalment_and_the_order_keeps_the_plan_as_sold(package):
    order = place(package)
    assert (order.instalment_count, order.instalment_interval, order.instalment_access) == (3, "month", "as_paid")
    assert order.price == Decimal("100.00")
    assert order.first_charge == Decimal("33.33")

    ordered_and_paid_order = ordered_and_paid(package, email="dana@example.com")
    payment = Payment.objects.get(order=ordered_and_paid_order)
    assert payment.amount == Decimal("33.33")
    assert payment.status == PaymentStatus.CONFIRMED
    assert ordered_and_paid_order.status == OrderStatus.ACTIVE
    rows = schedule(ordered_and_paid_order)
    assert [(row.number, row.amount, row.status) for row in rows] == [
        (1, Decimal("33.33"), InstalmentStatus.PAID),
        (2, Decimal("33.33"), InstalmentStatus.SCHEDULED),
        (3, Decimal("33.34"), InstalmentStatus.SCHEDULED),
    ]
    assert rows[0].payment == payment


def test_monthly_instalments_fall_due_on_the_same_day_and_hour_of_the_owners_zone(package):
    order = ordered_and_paid(package)
    local = [row.due_at.astimezone(NEW_YORK) for row in schedule(order)]
    first = NOW.astimezone(NEW_YORK)
    assert [(moment.month, moment.day, moment.hour) for moment in local] == [
        (12, 1, first.hour), (1, 1, first.hour), (2, 1, first.hour)]


def test_weekly_instalments_fall_due_a_week_apart(owner, coaching):
    package = plan_package(owner, coaching, count=2, interval=InstalmentInterval.WEEK)
    order = ordered_and_paid(package)
    first, second = schedule(order)
    assert second.due_at - first.due_at == timedelta(weeks=1)


def test_sessions_come_in_proportion_to_what_is_paid_each_a_ledger_entry(package, time_machine):
    order = ordered_and_paid(package)
    assert balance(order) == 2  # 6 sessions × 1/3

    time_machine.move_to(schedule(order)[1].due_at + timedelta(minutes=1), tick=False)
    assert instalments_charge_due() == 1
    assert balance(order) == 4
    time_machine.move_to(schedule(order)[2].due_at + timedelta(minutes=1), tick=False)
    assert instalments_charge_due() == 1
    assert balance(order) == 6
    entries = list(CreditLedgerEntry.objects.filter(order_item__order=order).values_list("reason", "change"))
    assert entries == [(LedgerReason.PURCHASE, 6), (LedgerReason.INSTALMENT_HELD, -4),
                       (LedgerReason.INSTALMENT_PAID, 2), (LedgerReason.INSTALMENT_PAID, 2)]


def test_all_sessions_at_once_when_the_owner_says_so(owner, coaching):
    package = plan_package(owner, coaching, access=InstalmentAccess.ALL)
    order = ordered_and_paid(package)
    assert balance(order) == 6


def test_nothing_is_charged_before_its_due_date(package):
    order = ordered_and_paid(package)
    assert instalments_charge_due() == 0
    assert Payment.objects.filter(order=order).count() == 1


def test_each_instalment_is_a_payment_with_its_own_invoice_and_a_receipt(package, time_machine, delivered):
    order = ordered_and_paid(package)
    time_machine.move_to(schedule(order)[1].due_at + timedelta(minutes=1), tick=False)
    mail.outbox.clear()
    delivered(instalments_charge_due)

    payments = list(Payment.objects.filter(order=order).order_by("pk"))
    assert [(payment.purpose, payment.amount, payment.status) for payment in payments] == [
        (PaymentPurpose.ORDER, Decimal("33.33"), PaymentStatus.CONFIRMED),
        (PaymentPurpose.INSTALMENT, Decimal("33.33"), PaymentStatus.CONFIRMED),
    ]
    invoices = list(Invoice.objects.filter(order=order).order_by("sequence"))
    assert [invoice.payment_id for invoice in invoices] == [payment.pk for payment in payments]
    assert "3 payments of 33.33 USD (the last 33.34 USD), monthly" in invoices[1].lines[0]["detail"]
    receipt = next(sent for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert receipt.subject == "Payment received: 33.33 USD for Programme"
    assert "payment 2 of 3" in receipt.body
    assert receipt.attachments and receipt.attachments[0][0].endswith(".pdf")


def test_an_instalment_receipt_speaks_the_language_the_order_was_placed_in(package, time_machine, delivered):
    order = ordered_and_paid(package)
    order.client_language = "de"
    order.save(update_fields=["client_language"])
    time_machine.move_to(schedule(order)[1].due_at + timedelta(minutes=1), tick=False)
    mail.outbox.clear()
    delivered(instalments_charge_due)  # the scheduled task: English is active when it charges

    receipt = next(sent for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert receipt.subject == "Zahlung erhalten: 33,33 $ für Programme"
    assert "wir haben 33,33 $ (Zahlung 2 von 3) für Programme erhalten, bezahlt mit Testanbieter." in receipt.body
    assert "Zahlung 2 von 3" in receipt.alternatives[0][0]
    assert "payment 2 of 3" not in receipt.body and "33.33 USD" not in receipt.body


def test_a_failed_instalment_is_told_in_spanish_to_a_spanish_client(package, time_machine, delivered):
    order = ordered_and_paid(package)
    order.client_language = "es"
    order.save(update_fields=["client_language"])
    plan_fail_next_charge(order=order)
    time_machine.move_to(schedule(order)[1].due_at + timedelta(minutes=1), tick=False)
    mail.outbox.clear()
    delivered(instalments_charge_due)

    email = next(sent for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert "pago 2 de 3 de Programme (33,33 $) no se ha completado." in email.body
    assert "payment 2 of 3" not in email.body


def test_an_instalment_message_written_before_numbers_were_kept_reads_as_stored(package):
    from notifications.emails import build_email
    from notifications.models import Audience, Message, MessageKind

    order = ordered_and_paid(package)
    message = Message.objects.create(order=order, kind=MessageKind.INSTALMENT_FAILED, audience=Audience.CLIENT,
                                     recipient=order.client_email,
                                     context={"instalment": {"amount": "33.33 USD", "what": "payment 2 of 3"}})
    assert "payment 2 of 3 of Programme (33.33 USD) did not go through." in build_email(message).body


def test_a_failed_instalment_holds_new_bookings_until_it_is_paid(package, time_machine, delivered):
    order = ordered_and_paid(package)
    item = order.items.get()
    plan_fail_next_charge(order=order)
    failed_at = schedule(order)[1].due_at + timedelta(minutes=1)
    time_machine.move_to(failed_at, tick=False)
    mail.outbox.clear()
    delivered(instalments_charge_due)

    order.refresh_from_db()
    assert schedule(order)[1].status == InstalmentStatus.FAILED
    assert order.bookings_held_from == failed_at
    assert balance(order) == 2  # the failed share did not come
    email = next(sent for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert email.subject == "A payment of Programme did not go through"
    assert f"/orders/{order.token}/" in email.body and "payment 2 of 3" in email.body
    with pytest.raises(BookingError) as refused:
        order_session_book(item=item, start=NINE_AM + timedelta(days=60))
    assert isinstance(refused.value, PaymentOverdue)
    assert refused.value.message == "A payment of this order is overdue. Pay it from this page to book sessions again."

    payment = plan_pay_start(order=order, provider=Provider.TEST, number=2)
    assert payment.amount == Decimal("33.33")
    get_provider(Provider.TEST).pay(payment)
    order.refresh_from_db()
    assert order.bookings_held_from is None
    assert schedule(order)[1].status == InstalmentStatus.PAID
    assert balance(order) == 4
    booking = order_session_book(item=item, start=NINE_AM + timedelta(days=60))
    assert booking.order_item == item


def test_the_test_provider_declines_only_the_next_charge(package, time_machine):
    order = ordered_and_paid(package)
    plan_fail_next_charge(order=order)
    assert plan_charge_next_now(order=order).status == PaymentStatus.FAILED
    assert plan_charge_next_now(order=order).status == PaymentStatus.CONFIRMED
    assert [row.status for row in schedule(order)] == [InstalmentStatus.PAID, InstalmentStatus.FAILED,
                                                         InstalmentStatus.PAID]
    assert PaymentPlan.objects.get(order=order).fail_next_charge is False


def test_pay_the_rest_pays_every_remaining_instalment_in_one_payment(package):
    order = ordered_and_paid(package)
    payment = plan_pay_start(order=order, provider=Provider.TEST)
    assert payment.amount == Decimal("66.67")
    assert plan_pay_start(order=order, provider=Provider.TEST) == payment  # a second click: the same payment
    get_provider(Provider.TEST).pay(payment)

    assert all(row.status == InstalmentStatus.PAID for row in schedule(order))
    assert balance(order) == 6
    assert instalments_charge_due(now=NOW + timedelta(days=400)) == 0
    with pytest.raises(NothingToPay):
        plan_pay_start(order=order, provider=Provider.TEST)


def test_a_cancelled_order_is_never_charged_again(package):
    order = ordered_and_paid(package)
    order_cancel(order=order)
    assert [row.status for row in schedule(order)] == [InstalmentStatus.PAID, InstalmentStatus.CANCELLED,
                                                         InstalmentStatus.CANCELLED]
    assert instalments_charge_due(now=NOW + timedelta(days=400)) == 0


def test_an_unpaid_order_is_never_charged(package):
    place(package)
    assert instalments_charge_due(now=NOW + timedelta(days=400)) == 0
    assert Payment.objects.count() == 0


def test_a_package_edit_leaves_the_plan_of_an_order_as_sold(package):
    order = ordered_and_paid(package)
    package.instalment_count = 12
    package.instalment_interval = InstalmentInterval.WEEK
    package.price = Decimal("999.00")
    package.save()
    order.refresh_from_db()
    assert order.payment_plan_summary == "3 payments of 33.33 USD (the last 33.34 USD), monthly"
    assert len(schedule(order)) == 3


def test_a_package_paid_in_full_makes_no_plan(owner, coaching):
    package = plan_package(owner, coaching, count=None)
    order = ordered_and_paid(package)
    assert not PaymentPlan.objects.filter(order=order).exists()
    assert Payment.objects.get(order=order).amount == Decimal("100.00")
    assert balance(order) == 6


def test_a_charge_once_the_time_of_day_in_utc_differs_still_happens(package, time_machine):
    """The due moment is absolute: the task at any later minute charges it (not only that minute)."""
    order = ordered_and_paid(package)
    later = datetime(2027, 1, 15, 3, 0, tzinfo=ZoneInfo("UTC"))
    time_machine.move_to(later, tick=False)
    assert instalments_charge_due() == 1
    assert schedule(order)[1].status == InstalmentStatus.PAID


@pytest.mark.parametrize("mode", ["paid_outside", "complimentary"])
def test_an_order_the_owner_settles_at_once_settles_the_whole_plan(owner, package, mode):
    from payments.services import IssueMode, order_issue

    assert mode in (IssueMode.PAID_OUTSIDE, IssueMode.COMPLIMENTARY)
    order = order_issue(owner=owner, package=package, client_name="Cleo Client", client_email="cleo@example.com",
                        mode=mode)
    assert order.status == OrderStatus.ACTIVE
    assert balance(order) == 6
    statuses = {row.status for row in schedule(order)}
    assert InstalmentStatus.SCHEDULED not in statuses and InstalmentStatus.FAILED not in statuses
    assert instalments_charge_due(now=NOW + timedelta(days=400)) == 0


def test_the_beat_task_and_the_command_charge_what_is_due(package, time_machine, settings):
    from io import StringIO

    from django.core.management import call_command

    from instalments.tasks import charge_due_instalments

    assert settings.CELERY_BEAT_SCHEDULE["charge-due-instalments"]["task"] == charge_due_instalments.name
    order = ordered_and_paid(package)
    time_machine.move_to(schedule(order)[1].due_at + timedelta(minutes=1), tick=False)
    assert charge_due_instalments.delay().get() == 1
    time_machine.move_to(schedule(order)[2].due_at + timedelta(minutes=1), tick=False)
    out = StringIO()
    call_command("charge_due_instalments", stdout=out)
    assert out.getvalue().strip() == "Charged 1 instalment."
    assert {row.status for row in schedule(order)} == {InstalmentStatus.PAID}


def test_with_tax_on_top_the_plan_splits_what_the_client_pays_and_each_invoice_is_paid(owner, package):
    from invoices.services import invoice_settings_save

    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("10"),
                          prices_include_tax=False, number_prefix="INV-", footer="")
    order = ordered_and_paid(package)
    assert order.total_price == Decimal("110.00")
    assert order.payment_plan_summary == "3 payments of 36.66 USD (the last 36.68 USD), monthly"
    payment = plan_pay_start(order=order, provider=Provider.TEST)
    get_provider(Provider.TEST).pay(payment)

    payments = list(Payment.objects.filter(order=order).order_by("pk"))
    assert [payment.amount for payment in payments] == [Decimal("36.66"), Decimal("73.34")]
    assert sum(payment.tax_added for payment in payments) == Decimal("10.00")
    invoices = [payment.invoice for payment in payments]
    assert [invoice.total for invoice in invoices] == [Decimal("36.66"), Decimal("73.34")]
    assert all(invoice.amount_due == 0 for invoice in invoices)


def test_with_tax_on_top_the_invoices_of_each_instalment_add_up_to_the_orders_price_and_tax(
        owner, package, time_machine):
    from invoices.services import invoice_settings_save

    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("10"),
                          prices_include_tax=False, number_prefix="INV-", footer="")
    order = ordered_and_paid(package)
    assert (order.price, order.tax_added, order.total_price) == (Decimal("100.00"), Decimal("10.00"),
                                                                 Decimal("110.00"))
    for row in schedule(order)[1:]:
        time_machine.move_to(row.due_at + timedelta(minutes=1), tick=False)
        assert instalments_charge_due() == 1

    invoices = list(Invoice.objects.filter(order=order).order_by("sequence"))
    assert [invoice.total for invoice in invoices] == [Decimal("36.66"), Decimal("36.66"), Decimal("36.68")]
    assert sum(invoice.tax for invoice in invoices) == Decimal("10.00")
    assert sum(invoice.net for invoice in invoices) == Decimal("100.00")


def test_a_pay_now_checkout_overtaken_by_pay_the_rest_is_flagged_for_a_refund_when_paid(package, time_machine):
    """Two tabs: "Pay now" on the failed instalment opens a checkout, "Pay the rest now" takes the
    same instalment into another. Both paid: the instalment is paid once and the other money is
    flagged on Payments for a refund, never kept silently."""
    order = ordered_and_paid(package)
    plan_fail_next_charge(order=order)
    time_machine.move_to(schedule(order)[1].due_at + timedelta(minutes=1), tick=False)
    instalments_charge_due()
    pay_now = plan_pay_start(order=order, provider=Provider.TEST, number=2)
    pay_rest = plan_pay_start(order=order, provider=Provider.TEST)
    assert pay_rest != pay_now and pay_rest.amount == Decimal("66.67")

    get_provider(Provider.TEST).pay(pay_rest)
    late = get_provider(Provider.TEST).pay(pay_now)

    assert all(row.status == InstalmentStatus.PAID for row in schedule(order))
    assert balance(order) == 6
    assert late.status == PaymentStatus.CONFIRMED and late.flagged


def test_paying_the_rest_after_a_later_instalment_went_through_names_only_the_payments_it_paid(
        owner, coaching, time_machine, delivered):
    order = ordered_and_paid(plan_package(owner, coaching, count=4, sessions=8))
    plan_fail_next_charge(order=order)
    for number in (2, 3):  # the 2nd is declined, the 3rd goes through on its day
        time_machine.move_to(schedule(order)[number - 1].due_at + timedelta(minutes=1), tick=False)
        delivered(instalments_charge_due)
    assert [row.status for row in schedule(order)] == ["paid", "failed", "paid", "scheduled"]
    mail.outbox.clear()

    payment = plan_pay_start(order=order, provider=Provider.TEST)
    delivered(get_provider(Provider.TEST).pay, payment=payment)

    receipt = next(sent for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert "we received 50.00 USD (payments 2 and 4 of 4) for Programme" in receipt.body
