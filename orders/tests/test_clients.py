"""Who counts as a new client of an owner (purchase limits and promo codes share the rule)."""
from django.utils import timezone

from orders.clients import client_is_new
from tests import make_order, make_package


def test_a_client_with_a_paid_order_is_not_new_whatever_the_case_of_the_email(owner, other_owner):
    order = make_order(make_package(owner), client_email="dana@example.com")
    assert client_is_new(owner_id=owner.pk, email=" Dana@Example.com ")
    order.paid_at = timezone.now()
    order.save(update_fields=["paid_at"])
    assert not client_is_new(owner_id=owner.pk, email=" Dana@Example.com ")
    # Another owner's client list is their own.
    assert client_is_new(owner_id=other_owner.pk, email="dana@example.com")
