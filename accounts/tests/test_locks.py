"""The owner lock (accounts.locks): taken inside a transaction only, on an owner that exists."""
import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from accounts.locks import lock_owner, lock_owners
from accounts.models import User
from tests import make_owner

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_lock_is_taken_on_an_owner_that_exists():
    owner = make_owner()
    with transaction.atomic():
        lock_owner(owner.pk)
        lock_owner(owner.pk)  # twice in one transaction is free
        lock_owners([owner.pk, owner.pk])


def test_no_lock_on_an_owner_that_does_not_exist():
    with pytest.raises(User.DoesNotExist), transaction.atomic():
        lock_owner(987654)


@pytest.mark.postgres
def test_the_lock_needs_a_transaction():
    owner = make_owner()
    with pytest.raises(TransactionManagementError):
        lock_owner(owner.pk)
