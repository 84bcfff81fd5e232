"""memberships.demo: a monthly membership package on the demo owner's page with one member, once."""
import pytest

from memberships import demo
from memberships.models import MembershipStatus, PackageMembership
from packages.models import Package
from scheduling import demo as scheduling_demo

pytestmark = pytest.mark.django_db


def test_seed_adds_a_monthly_membership_with_one_member_once(client, owner):
    scheduling_demo.seed(owner)
    demo.seed(owner)
    demo.seed(owner)

    package = Package.objects.get(slug=demo.DEMO_PACKAGE_SLUG)
    assert (package.billing_interval, package.renewal_rule, package.rollover_cap) == ("month", "rollover", 2)
    membership = PackageMembership.objects.get()
    assert membership.order.client_email == demo.DEMO_MEMBER_EMAIL
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.order.package == package
    page = client.get(f"/{owner.slug}/").content.decode()
    assert "Monthly coaching membership" in page and "180.00 USD a month" in page
