"""Demo data of payment plans (manage.py seed_demo): "Coaching programme", 6 coaching sessions for
600.00 USD in 3 monthly payments with sessions as paid, on the demo owner's page, and one order of it
mid-plan through the test provider: the first payment a month ago, the second today, the third due
next month (the order page shows the schedule; "Pay the rest now" and the test controls work).
Runs after packages and payments. Idempotent."""
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction

from instalments.models import Instalment
from instalments.services import instalments_charge_due
from orders.models import PackageOrder
from orders.services import order_create
from packages.models import Package, PackageItem, PackageState
from packages.payment_plans import InstalmentAccess, InstalmentInterval
from payments import services as payment_services
from payments.models import Provider
from payments.providers.base import get_provider
from scheduling.models import MeetingType, PaymentMedium

DEMO_PLAN_SLUG = "coaching-programme"
DEMO_PLAN_CLIENT_EMAIL = "priya@example.com"


def _package(owner) -> Package | None:
    existing = Package.objects.for_owner(owner).visible().filter(slug=DEMO_PLAN_SLUG).first()
    if existing is not None:
        return existing
    coaching = MeetingType.objects.for_owner(owner).visible().filter(slug="coaching-session").first()
    if coaching is None:
        return None
    package = Package.objects.create(
        owner=owner, name="Coaching programme", slug=DEMO_PLAN_SLUG,
        description="Six coaching sessions over three months, paid in three monthly payments. "
                    "Sessions become available as the payments are made.",
        state=PackageState.ACTIVE, price=Decimal("600.00"), currency="USD", payment_medium=PaymentMedium.STRIPE,
        instalment_count=3, instalment_interval=InstalmentInterval.MONTH, instalment_access=InstalmentAccess.AS_PAID,
    )
    PackageItem.objects.create(package=package, meeting_type=coaching, quantity=6, position=0)
    return package


def seed(owner) -> PackageOrder | None:
    package = _package(owner)
    if package is None:
        return None
    order = PackageOrder.objects.filter(owner=owner, package=package, client_email=DEMO_PLAN_CLIENT_EMAIL).first()
    if order is not None:
        return order
    with transaction.atomic():
        order = order_create(package=package, client_name="Priya Shah", client_email=DEMO_PLAN_CLIENT_EMAIL,
                             client_timezone=owner.timezone, issued_by_owner=True)
        payment = payment_services.payment_start(order=order, provider=Provider.TEST)
    get_provider(Provider.TEST).pay(payment)
    # A month ago, as if ordered then: the first was paid that day, the second falls due now.
    for instalment in Instalment.objects.filter(plan__order=order):
        Instalment.objects.filter(pk=instalment.pk).update(due_at=instalment.due_at - relativedelta(months=1))
    instalments_charge_due()
    order.refresh_from_db()
    return order
