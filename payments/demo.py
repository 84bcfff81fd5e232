"""Demo data of payments for `manage.py seed_demo`: the demo order is paid through the test
provider, like a client would pay it locally, so the order page, Payments and the receipt name
the same provider. Then its first session is booked. Runs after orders.demo. Idempotent."""
from django.db import transaction

from orders import demo as orders_demo
from orders.models import OrderStatus, PackageOrder
from payments import services
from payments.models import Provider


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
    return order
