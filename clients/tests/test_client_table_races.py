"""The Clients table under concurrent writes (PostgreSQL, real threads): bookings of one new client
written at once, each in its own transaction, give one row that counts every one of them."""
from datetime import timedelta

import pytest
from django.db import transaction

from clients.models import Client
from clients.upkeep import clients_verify
from tests import NOW, make_booking, make_meeting_type, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_bookings_of_one_new_client_at_once_give_one_row_counting_them_all(owner):
    coaching = make_meeting_type(owner)

    def book(i: int) -> None:
        with transaction.atomic():
            make_booking(coaching, NOW + timedelta(days=1 + i), client_name=f"Name {i}",
                         client_email="New@Example.com" if i % 2 else "new@example.com")

    booked, refusals = race(8, book, Exception)

    assert (booked, refusals) == (8, [])
    [row] = Client.objects.filter(owner=owner)
    assert (row.email, row.bookings) == ("new@example.com", 8)
    assert row.next_session == NOW + timedelta(days=1)
    assert clients_verify() == []
