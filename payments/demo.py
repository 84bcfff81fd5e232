"""Demo data of payments for `manage.py seed_demo`: the demo order is paid through the test
provider, like a client would pay it locally, so the order page, Payments and the receipt name
the same provider. Then its first session is booked. A second client's order of the same package
is paid and then half refunded with one session taken off, so Payments shows "Partly refunded".
Runs after orders.demo. Idempotent."""
from decimal import Decimal

from django.db import transaction

from invoices.services import invoice_issue
from leadmonk.money import round_money
from orders import demo as orders_demo
from orders.models import OrderStatus, PackageOrder
from orders.services import order_create
from packages.models import Package
from payments import services
from payments.models import Payment, PaymentStatus, Provider

DEMO_REFUND_CLIENT_NAME = "Alex Kim"
DEMO_REFUND_CLIENT_EMAIL = "alex@example.com"


def _pay_through_test_provider(order: PackageOrder) -> None:
    payment = services.payment_start(order=order, provider=Provider.TEST)
    services.payment_set_checkout(payment=payment, provider_reference=f"test-{payment.pk}", checkout_url="")
    services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency,
                             provider_payment_id=f"test-charge-{payment.pk}")


@transaction.atomic
def seed(owner) -> PackageOrder | None:
    order = (
        PackageOrder.objects.filter(owner=owner, package__slug=orders_demo.DEMO_PACKAGE_SLUG,
                                    client_email=orders_demo.DEMO_CLIENT_EMAIL)
        .order_by("created_at", "id").first()
    )
    if order is None:
        return None
    if order.status == OrderStatus.PENDING_PAYMENT:
        _pay_through_test_provider(order)
        order.refresh_from_db()
    orders_demo.book_first_session(order)
    _invoice_earlier_payments(owner)
    seed_partly_refunded(owner)
    return order


def _invoice_earlier_payments(owner) -> None:
    """A demo database made before invoices existed: its confirmed payments get their invoices now
    (numbered in the order they were paid), so Payments and the order page show them."""
    earlier = (Payment.objects.filter(order__owner=owner, invoice__isnull=True, amount__gt=0,
                                      status__in=[PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED])
               .select_related("order__owner").order_by("confirmed_at", "id"))
    for payment in earlier:
        invoice_issue(payment=payment, paid_with=payment.get_provider_display(),
                      is_test=payment.provider == Provider.TEST)


def seed_partly_refunded(owner) -> Payment | None:
    """Alex's order of the demo package, paid, then half of it refunded with one session taken off."""
    package = Package.objects.for_owner(owner).filter(slug=orders_demo.DEMO_PACKAGE_SLUG).first()
    if package is None or not package.price:
        return None
    order = PackageOrder.objects.filter(owner=owner, package=package, client_email=DEMO_REFUND_CLIENT_EMAIL).first()
    if order is None:
        order = order_create(package=package, client_name=DEMO_REFUND_CLIENT_NAME,
                             client_email=DEMO_REFUND_CLIENT_EMAIL, client_timezone=owner.timezone,
                             issued_by_owner=True)
    if order.status == OrderStatus.PENDING_PAYMENT:
        _pay_through_test_provider(order)
    payment = services.refundable_payment(order)
    if payment is None or payment.refunds.exists():
        return payment
    item = order.items.order_by("position", "id").first()
    services.payment_refund(
        payment=payment, by_owner=owner, amount=round_money(payment.amount / Decimal(2), payment.currency),
        reason="Moved abroad after the first sessions", idempotency_key=f"refund-{payment.pk}-demo",
        sessions_to_remove={item.pk: 1} if item is not None else None,
    )
    return payment
