"""Demo data of memberships (manage.py seed_demo): "Monthly coaching membership" on the demo owner's
page (four coaching sessions a month, up to two roll over), and one member who subscribed through the
test provider, so the Members page and "Renew now" have something to show."""
from decimal import Decimal

from django.conf import settings

from accounts.models import User
from memberships.models import PackageMembership
from orders.services import order_create
from packages.models import BillingInterval, Package, PackageItem, PackageState, PaymentMedium, RenewalRule
from payments.models import Provider
from payments.providers.base import get_provider
from payments.services import payment_start
from scheduling.models import MeetingType

DEMO_PACKAGE_SLUG = "monthly-coaching-membership"
DEMO_MEMBER_EMAIL = "mia.member@example.com"
# The demo's 1:1 coaching type (scheduling.demo); any bookable 1:1 type of the owner otherwise.
DEMO_MEETING_TYPE_SLUG = "coaching-session"


def _coaching(owner: User) -> MeetingType | None:
    types = MeetingType.objects.for_owner(owner).visible()
    return types.filter(slug=DEMO_MEETING_TYPE_SLUG).first() or next(
        (meeting_type for meeting_type in types.order_by("pk") if meeting_type.is_bookable), None)


def seed(owner: User) -> None:
    package = Package.objects.for_owner(owner).visible().filter(slug=DEMO_PACKAGE_SLUG).first()
    if package is None:
        coaching = _coaching(owner)
        if coaching is None:
            return
        package = Package.objects.create(
            owner=owner, name="Monthly coaching membership", slug=DEMO_PACKAGE_SLUG, state=PackageState.ACTIVE,
            description="Four coaching sessions every month. Up to two unused sessions roll over to the next "
                        "month. Pause or cancel any time from your order page.",
            price=Decimal("180.00"), currency="USD", payment_medium=PaymentMedium.STRIPE,
            billing_interval=BillingInterval.MONTH, billing_interval_count=1, renewal_rule=RenewalRule.ROLLOVER,
            rollover_cap=2, book_reminder_days=None,
        )
        PackageItem.objects.create(package=package, meeting_type=coaching, quantity=4)
    if PackageMembership.objects.filter(order__package=package).exists() or not settings.TEST_PAYMENTS_ENABLED:
        return
    order = order_create(package=package, client_name="Mia Member", client_email=DEMO_MEMBER_EMAIL,
                         client_timezone=owner.timezone or "UTC", terms_accepted=True)
    get_provider(Provider.TEST).pay(payment_start(order=order, provider=Provider.TEST))
