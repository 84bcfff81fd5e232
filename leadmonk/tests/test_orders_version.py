"""Which writes make an owner's cached dashboard lists (orders, payments, sessions) unreachable:
the ORDERS version (leadmonk.content_version) is bumped by a save or delete of every row those
lists show (each app's `watch(..., kind=ORDERS)`) and by each `QuerySet.update()` or bulk write
of such rows (`orders_changed`), for that owner alone."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction

from instalments.models import Instalment, PaymentPlan
from invoices.services import credit_note_issue, invoice_issue
from leadmonk import content_version
from leadmonk.content_version import BOOKINGS, CONTENT, ORDERS
from leadmonk.tests import test_content_version_watch as watch_tests
from memberships.models import MembershipPeriod, PackageMembership
from memberships.services import membership_set_pay_url
from orders.credits import (
    ledger_debit_booking,
    ledger_grant_purchase,
    ledger_renew_order,
    order_set_sessions_end,
    orders_expire_due,
    orders_warn_expiring,
)
from orders.gifts import gift_change_recipient_email, gifts_send_due
from orders.models import CreditLedgerEntry, Gift, LedgerReason, LimitOverride, OrderItem, OrderStatus
from payments.models import Payment, PaymentStatus, Refund
from payments.services import payment_record_saved_method, payment_set_checkout
from promotions.models import PromoCode, PromoRedemption
from promotions.services import promo_code_delete, promo_code_set_active, promo_release
from tests import make_booking, make_meeting_type, make_order, make_owner, make_package

START = datetime(2026, 12, 20, 15, tzinfo=UTC)


KINDS = (CONTENT, BOOKINGS, ORDERS)


def versions(owner) -> dict:
    return watch_tests.versions(owner, KINDS)


def bumped(owner, write) -> set[str]:
    """The kinds of `owner`'s versions that `write()` changed."""
    return watch_tests.bumped(owner, write, KINDS)


class World:
    def __init__(self):
        self.owner, self.other = make_owner(), make_owner()
        self.meeting_type = make_meeting_type(self.owner)
        self.package = make_package(self.owner, items=[(self.meeting_type, 3)])
        self.order = make_order(self.package, status=OrderStatus.ACTIVE, with_items=True)
        self.item = self.order.items.get()
        self.payment = Payment.objects.create(order=self.order, provider="test", amount=self.order.price,
                                              currency=self.order.currency, status=PaymentStatus.CONFIRMED)
        self.promo = PromoCode.objects.create(owner=self.owner, code="SPRING", value=Decimal(10))
        self.membership = PackageMembership.objects.create(
            order=self.order, owner=self.owner, provider="test", current_period_start=START - timedelta(days=30),
            current_period_end=START)
        self.plan = PaymentPlan.objects.create(order=self.order)
        # What the other owner has, so a write of theirs can be seen to leave this owner alone.
        self.other_order = make_order(make_package(self.other), status=OrderStatus.ACTIVE)
        # The versions exist before each write (a missing one is only filled in by a read).
        for person in (self.owner, self.other):
            for kind in (CONTENT, BOOKINGS, ORDERS):
                content_version._bump_now(kind, person.pk)

    # -- rows saved or deleted (watch) --
    def order_saved(self):
        self.order.client_name = "Cleo Renamed"
        self.order.save()

    def item_saved(self):
        OrderItem.objects.create(order_id=self.order.pk, meeting_type=self.meeting_type, meeting_type_name="Extra",
                                 duration_minutes=30, kind=self.meeting_type.kind, quantity=1)

    def ledger_entry(self):
        # Only the item's id: the owner is read from the database.
        CreditLedgerEntry.objects.create(order_item_id=self.item.pk, change=1, reason=LedgerReason.ADJUSTMENT)

    def gift(self):
        Gift.objects.create(order=self.order, buyer_name="B", buyer_email="b@example.com", recipient_name="R",
                            recipient_email="r@example.com", send_on=START.date(), send_at=START)

    def limit_override(self):
        LimitOverride.objects.create(booking=make_booking(self.meeting_type, START), note="Agreed")

    def payment_saved(self):
        Payment.objects.create(order=self.order, provider="test", amount=Decimal(5), currency=self.order.currency)

    def refund(self):
        Refund.objects.create(payment_id=self.payment.pk, amount=Decimal(1), currency=self.payment.currency,
                              idempotency_key=f"refund-{self.payment.pk}")

    def refund_deleted(self):
        refund = Refund.objects.create(payment=self.payment, amount=Decimal(1), currency=self.payment.currency,
                                       idempotency_key=f"refund-{self.payment.pk}-x")
        self.bump_quietly()
        Refund.objects.get(pk=refund.pk).delete()

    def membership_saved(self):
        self.membership.status = "past_due"
        self.membership.save()

    def membership_period(self):
        MembershipPeriod.objects.create(membership_id=self.membership.pk, starts_at=START, ends_at=START, paid_at=START)

    def plan_saved(self):
        PaymentPlan.objects.filter(pk=self.plan.pk).get().save()

    def instalment(self):
        Instalment.objects.create(plan_id=self.plan.pk, number=1, amount=Decimal(10), due_at=START)

    def invoice(self):
        Payment.objects.filter(pk=self.payment.pk).update(confirmed_at=START)
        self.payment.refresh_from_db()
        self.bump_quietly()
        assert invoice_issue(payment=self.payment, paid_with="Test provider") is not None

    def credit_note(self):
        Payment.objects.filter(pk=self.payment.pk).update(confirmed_at=START)
        self.payment.refresh_from_db()
        invoice_issue(payment=self.payment, paid_with="Test provider")
        self.bump_quietly()
        assert credit_note_issue(payment=self.payment, amount=Decimal(1), reason="Goodwill", source_key="k") is not None

    def promo_saved(self):
        self.promo.value = Decimal(20)
        self.promo.save()

    def redemption(self):
        PromoRedemption.objects.create(promo_code_id=self.promo.pk, reference=f"order:{self.order.pk}",
                                       client_email="cleo@example.com", amount_before=Decimal(100),
                                       discount=Decimal(10), currency="EUR")

    def booking(self):
        make_booking(self.meeting_type, START)

    # -- update() and bulk writes (orders_changed) --
    def items_granted(self):
        ledger_grant_purchase(items=[OrderItem.objects.get(pk=self.item.pk)])

    def booking_debited(self):
        booking = make_booking(self.meeting_type, START, order_item=self.item)
        self.bump_quietly()
        with transaction.atomic():
            ledger_debit_booking(booking=booking)

    def renewed(self):  # a membership's new period: the ledger's entries written in one INSERT
        with transaction.atomic():
            assert ledger_renew_order(order=self.order, now=START)

    def sessions_end(self):
        with transaction.atomic():
            order_set_sessions_end(order_id=self.order.pk, ends_at=START)

    def expired(self):
        type(self.order).objects.filter(pk=self.order.pk).update(expires_at=START - timedelta(days=1))
        self.bump_quietly()
        assert orders_expire_due(now=START) == 1

    def expiry_warned(self):
        type(self.order).objects.filter(pk=self.order.pk).update(expires_at=START + timedelta(days=2))
        self.bump_quietly()
        assert orders_warn_expiring(now=START) == 1

    def gift_sent(self):
        self.gift()
        self.bump_quietly()
        assert gifts_send_due(now=START + timedelta(days=1)) == 1

    def gift_email_changed(self):
        self.gift()
        type(self.order).objects.filter(pk=self.order.pk).update(paid_at=START)
        self.bump_quietly()
        gift_change_recipient_email(gift=self.order.gift, email="new@example.com")

    def saved_method(self):
        payment_record_saved_method(payment_id=self.payment.pk, saved_method="pm_1")

    def checkout(self):
        payment_set_checkout(payment=self.payment, provider_reference="cs_1", checkout_url="https://pay.example/1")

    def promo_paused(self):
        promo_code_set_active(promo=self.promo, active=False)

    def promo_deleted(self):
        promo_code_delete(promo=self.promo)

    def promo_released(self):
        self.redemption()
        self.bump_quietly()
        assert promo_release(reference=f"order:{self.order.pk}") == 1

    def pay_url(self):
        membership_set_pay_url(membership_id=self.membership.pk, pay_url="https://pay.example/m")

    def bump_quietly(self):
        """Forget the bumps of a write's preparation: what is measured is the write itself."""
        self.before = versions(self.owner)


WRITES = [name for name in vars(World) if not name.startswith("_") and name not in ("bump_quietly",)]


@pytest.mark.parametrize("write", WRITES)
def test_each_write_of_what_the_dashboard_lists_show_bumps_the_owners_orders_version(db, write):
    world = World()
    world.before = versions(world.owner)
    other_before = versions(world.other)
    getattr(world, write)()
    after = versions(world.owner)
    assert after[ORDERS] != world.before[ORDERS], write
    assert versions(world.other) == other_before  # another owner's lists stay as they are


def test_a_model_watched_for_two_kinds_bumps_both(db):
    """A booking shows on the public picker (bookings) and on the dashboard lists (orders): the
    second watch() of the same model is not swallowed by the first's dispatch_uid."""
    world = World()
    assert bumped(world.owner, world.booking) == {BOOKINGS, ORDERS}
    assert bumped(world.owner, world.payment_saved) == {ORDERS}


def test_a_transactions_commit_bumps_are_written_in_one_cache_call(owner, django_capture_on_commit_callbacks,
                                                                   monkeypatch):
    """A booking bumps three versions (its owner's bookings and orders, its client's email) at once
    and again on commit: the three on commit go in one set_many, each to a fresh token."""

    from leadmonk import content_version

    writes = []
    real_set_many = cache.set_many
    monkeypatch.setattr(cache, "set_many", lambda mapping, *args, **kwargs: (writes.append(dict(mapping)),
                                                                              real_set_many(mapping, *args, **kwargs)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        content_version.bookings_changed(owner_id=owner.pk)
        content_version.orders_changed(owner_id=owner.pk)
        content_version.client_changed(email="cleo@example.com")
    during = cache.get_many([f"v:bookings:{owner.pk}", f"v:orders:{owner.pk}"])
    assert len(during) == 2  # bumped at once, inside the transaction
    for callback in callbacks:
        callback()

    assert len(writes) == 1  # the test's own earlier writes (the owner's row) wait in the same transaction
    assert {f"v:bookings:{owner.pk}", f"v:orders:{owner.pk}"} <= writes[0].keys()
    assert any(key.startswith("v:client:") for key in writes[0])
    after = cache.get_many([f"v:bookings:{owner.pk}", f"v:orders:{owner.pk}"])
    assert after.keys() == during.keys() and all(after[key] != during[key] for key in after)
