"""seed_demo gives the demo owner a year of past business (payments.demo_history), so every chart
of Insights has something to draw under `make run`, and the credit ledger of those rows adds up."""
import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings

from accounts.models import User
from insights.selectors import insights_for_owner
from orders.models import LedgerReason, OrderItem


@override_settings(DEBUG=True)
@pytest.mark.django_db
def test_the_demo_owner_has_a_year_to_look_at(owner_client):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: the history is made once
    demo = User.objects.get(email="demo@example.com")

    insights = insights_for_owner(demo)

    [usd] = insights.money.values()
    assert sum(1 for month in usd if month.taken) >= 10
    assert any(month.refunded for month in usd)
    assert sum(count for _month, count in insights.packs_sold) >= 20
    assert sum(week.used for week in insights.sessions) >= 30
    assert insights.no_shows > 0 and insights.late_cancels == 1
    assert sum(week.expired for week in insights.sessions) > 0
    assert insights.outstanding and insights.outstanding[0].sessions > 0
    for item in OrderItem.objects.filter(order__owner=demo).prefetch_related("bookings"):
        held = sum(1 for booking in item.bookings.all() if booking.credit_held)
        # Sessions a partial refund took off (the payments demo's Alex).
        taken_off = -(item.ledger.filter(reason=LedgerReason.REFUND).aggregate(total=Sum("change"))["total"] or 0)
        # Sessions a payment plan still holds until paid (the instalments demo's plan, sessions as paid).
        unpaid = -(item.ledger.filter(reason__in=[LedgerReason.INSTALMENT_HELD, LedgerReason.INSTALMENT_PAID])
                   .aggregate(total=Sum("change"))["total"] or 0)
        # The ledger invariant: an item's entries sum to what its bookings have not taken (after
        # its refund's void or its expiry, nothing).
        assert item.ledger.aggregate(total=Sum("change"))["total"] in (item.quantity - held - taken_off - unpaid, 0)

    owner_client.force_login(demo)
    assert owner_client.get("/dashboard/insights/").status_code == 200
