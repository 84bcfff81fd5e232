"""Demo data of payments for `manage.py seed_demo`: the demo order is paid through the test
provider, like a client would pay it locally, so the order page, Payments and the receipt name
the same provider (and its invoice, with the billing details of invoices.demo). Then its first
session is booked. Runs after orders.demo and invoices.demo. Idempotent."""
from django.db import transaction

from invoices.services import invoice_issue
from orders import demo as orders_demo
from orders.models import OrderStatus, PackageOrder
from payments import services
from payments.models import Payment, PaymentStatus, Provider


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
        payment = services.payment_start(order=order, provider=Provider.TEST)
        services.payment_set_checkout(payment=payment, provider_reference=f"test-{payment.pk}", checkout_url="")
        services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency,
                                 provider_payment_id=f"test-charge-{payment.pk}")
        order.refresh_from_db()
    orders_demo.book_first_session(order)
    _invoice_earlier_payments(owner)
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
