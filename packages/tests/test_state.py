"""Enable, disable and delete (soft, with a confirmation page)."""
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import OrderItem, PackageOrder
from packages.models import Package, PackageState
from packages.services import PackageError, package_transition
from tests import make_package


@pytest.fixture
def package(owner):
    return make_package(owner, name="Starter pack", slug="starter-pack", price=Decimal("240.00"))


def state_of(package):
    return Package.objects.get(pk=package.pk).state


def test_disable_then_enable(owner_client, package):
    response = owner_client.post(reverse("packages:disable", args=[package.pk]))
    assert response.status_code == 302
    assert state_of(package) == PackageState.DISABLED
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert "This package is disabled" in html and ">Enable</button>" in html
    owner_client.post(reverse("packages:enable", args=[package.pk]), {"next": "list"})
    assert state_of(package) == PackageState.ACTIVE


def test_get_on_state_urls_changes_nothing(owner_client, package):
    for name in ["disable", "enable"]:
        assert owner_client.get(reverse(f"packages:{name}", args=[package.pk])).status_code == 302
    assert state_of(package) == PackageState.ACTIVE


def test_delete_asks_for_confirmation_first(owner_client, package):
    response = owner_client.get(reverse("packages:delete", args=[package.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete “Starter pack”?" in html and "Delete package" in html
    assert state_of(package) == PackageState.ACTIVE


def test_delete_is_soft_and_keeps_orders_whole(owner_client, owner, package):
    item = package.items.get()
    order = PackageOrder.objects.create(
        owner=owner, package=package, client_name="Cleo", client_email="cleo@example.com",
        title="Starter pack", description="As sold", price=Decimal("240.00"), currency="USD", status="active",
    )
    OrderItem.objects.create(order=order, meeting_type=item.meeting_type, meeting_type_name="Meeting",
                             duration_minutes=30, kind="one_on_one", quantity=item.quantity)
    before = PackageOrder.objects.filter(pk=order.pk).values().get()
    assert "Its order stays as it is" in owner_client.get(reverse("packages:delete", args=[package.pk])).content.decode()
    response = owner_client.post(reverse("packages:delete", args=[package.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("packages:list")
    assert state_of(package) == PackageState.DELETED
    assert PackageOrder.objects.filter(pk=order.pk).values().get() == before
    assert order.items.count() == 1
    assert owner_client.get(reverse("packages:list")).context["packages"] == []


def test_deleted_package_pages_are_404(owner_client, package):
    owner_client.post(reverse("packages:delete", args=[package.pk]))
    for name in ["edit", "delete", "enable", "disable", "save_info"]:
        assert owner_client.post(reverse(f"packages:{name}", args=[package.pk])).status_code == 404
    assert state_of(package) == PackageState.DELETED


def test_deleted_slug_can_be_reused(owner_client, owner, package):
    from packages.tests.test_create import info_data
    from tests import make_meeting_type

    owner_client.post(reverse("packages:delete", args=[package.pk]))
    owner_client.post(reverse("packages:create"), info_data([(make_meeting_type(owner).pk, 1)], name="Starter pack"))
    assert Package.objects.get(owner=owner, state=PackageState.DRAFT).slug == "starter-pack"


def test_transitions_are_guarded(package):
    assert package_transition(package_id=package.pk, target=PackageState.ACTIVE).state == PackageState.ACTIVE
    package_transition(package_id=package.pk, target=PackageState.DELETED)
    with pytest.raises(PackageError):
        package_transition(package_id=package.pk, target=PackageState.ACTIVE)
