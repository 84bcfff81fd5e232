"""A renewal reads its membership and writes its period by hand (memberships.renewal_reads): each
read gives the rows the ORM's read gives, with the relations a renewal follows already there, and
the period is written once."""
from datetime import timedelta

import pytest
from django.db import transaction

from memberships.models import MembershipPeriod, PackageMembership
from memberships.renewal_reads import (
    membership_locked_for_renewal,
    membership_with_period_paid,
    period_insert,
    period_recorded,
)
from memberships.tests.conftest import subscribe
from orders.gifts import gift_of
from orders.models import Gift
from tests import NOW

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _membership(package, *, gift: bool) -> PackageMembership:
    order = subscribe(package)
    if gift:
        Gift.objects.create(order=order, buyer_name="Pat Buyer", buyer_email="pat@example.com",
                            recipient_name="Cleo Client", recipient_email="cleo@example.com",
                            message="Happy birthday!", send_on=NOW.date(), send_at=NOW, sent_at=NOW)
    return PackageMembership.objects.get(order=order)


def test_the_membership_read_before_the_lock_is_what_the_orm_reads(package):
    membership = _membership(package, gift=False)
    expected = PackageMembership.objects.select_related("order").get(pk=membership.pk)

    read, paid = membership_with_period_paid(membership.pk, membership.current_period_start)
    assert fields(read) == fields(expected) and fields(read.order) == fields(expected.order)
    assert read.current_period_end.tzinfo is not None and read.order.answers == expected.order.answers
    assert paid is True  # the first period is recorded
    assert membership_with_period_paid(membership.pk, membership.current_period_end)[1] is False
    with pytest.raises(PackageMembership.DoesNotExist):
        membership_with_period_paid(membership.pk + 1000, membership.current_period_end)


@pytest.mark.parametrize("gift", [False, True])
def test_the_membership_locked_for_its_renewal_is_what_the_orm_reads(package, gift, django_assert_num_queries):
    membership = _membership(package, gift=gift)
    expected = (PackageMembership.objects.select_related("order", "order__owner", "order__gift")
                .get(pk=membership.pk))

    with transaction.atomic():
        read = membership_locked_for_renewal(membership.pk)
    with django_assert_num_queries(0):  # what a renewal follows is read with it
        order, owner, read_gift = read.order, read.order.owner, gift_of(read.order)
    assert fields(read) == fields(expected) and fields(order) == fields(expected.order)
    assert fields(owner) == fields(expected.order.owner)
    if gift:
        assert fields(read_gift) == fields(expected.order.gift) and read_gift.order is order
    else:
        assert read_gift is None
    with pytest.raises(PackageMembership.DoesNotExist), transaction.atomic():
        membership_locked_for_renewal(membership.pk + 1000)


def test_a_period_is_written_once(package):
    membership = _membership(package, gift=False)
    start = membership.current_period_end
    end = start + timedelta(days=30)

    with transaction.atomic():
        first = period_insert(membership_id=membership.pk, starts_at=start, ends_at=end, paid_at=NOW,
                              provider_invoice_id="in_1", created_at=NOW)
        again = period_insert(membership_id=membership.pk, starts_at=start, ends_at=end, paid_at=NOW,
                              provider_invoice_id="in_2", created_at=NOW)

    assert first is not None and again is None
    assert period_recorded(membership.pk, start) and not period_recorded(membership.pk, end)
    period = MembershipPeriod.objects.get(pk=first)
    assert (period.membership_id, period.starts_at, period.ends_at, period.paid_at, period.provider_invoice_id,
            period.created_at) == (membership.pk, start, end, NOW, "in_1", NOW)
    assert MembershipPeriod.objects.filter(membership=membership, starts_at=start).count() == 1
