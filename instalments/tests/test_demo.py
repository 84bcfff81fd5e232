"""instalments.demo: the demo owner's package in 3 payments and one order of it mid-plan, once."""
from decimal import Decimal

from instalments import demo
from instalments.models import Instalment, InstalmentStatus
from orders.credits import item_balance
from scheduling import demo as scheduling_demo


def test_seed_adds_a_package_in_three_payments_and_an_order_mid_plan_once(owner):
    scheduling_demo.seed(owner)
    order = demo.seed(owner)
    assert demo.seed(owner) == order
    assert order.package.payment_plan_summary == "3 payments of 200.00 USD, monthly"
    assert list(Instalment.objects.filter(plan__order=order).order_by("number").values_list("status", "amount")) == [
        (InstalmentStatus.PAID, Decimal("200.00")), (InstalmentStatus.PAID, Decimal("200.00")),
        (InstalmentStatus.SCHEDULED, Decimal("200.00"))]
    assert item_balance(order.items.get().pk) == 4
