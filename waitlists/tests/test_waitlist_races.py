"""Exactness under races (PostgreSQL, real threads): ten clients holding claim links race for the
one freed seat of a full session and one books it; one link used ten times at once books once."""
from datetime import timedelta

import pytest

from scheduling.models import Booking, BookingStatus
from scheduling.services import booking_cancel
from tests import NINE_AM, NOW, race
from waitlists.models import WaitlistEntry, WaitlistStatus
from waitlists.services import ClaimRefused, hash_token, waitlist_claim, waitlist_join

CLAIMERS = 10


def offered_links(workshop, count: int) -> list[str]:
    """`count` entries in line, each holding an offer of its own (as when several seats freed and
    were taken again by direct bookings before anyone claimed)."""
    tokens = []
    for n in range(count):
        entry = waitlist_join(meeting_type=workshop, start=NINE_AM, client_name=f"Client {n}",
                              client_email=f"client{n}@example.com")
        token = f"claim-token-{n:02d}-" + "x" * 30
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.OFFERED, offered_at=NOW,
                                                         expires_at=NOW + timedelta(days=30),
                                                         token_hash=hash_token(token))
        tokens.append(token)
    return tokens


def seats(workshop) -> int:
    return Booking.objects.filter(meeting_type=workshop, start=NINE_AM, status=BookingStatus.CONFIRMED).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_clients_claiming_one_freed_seat_book_one(full_session, workshop):
    tokens = offered_links(workshop, CLAIMERS)
    booking_cancel(booking=full_session[0])

    booked, refusals = race(CLAIMERS, lambda index: waitlist_claim(token=tokens[index]), ClaimRefused)
    assert booked == 1
    assert len(refusals) == CLAIMERS - 1
    assert all(message.startswith("The seat could not be booked") for message in refusals)
    assert seats(workshop) == workshop.capacity
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.CLAIMED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_claim_link_used_ten_times_at_once_books_once(full_session, workshop):
    token = offered_links(workshop, 1)[0]
    booking_cancel(booking=full_session[0])

    booked, refusals = race(CLAIMERS, lambda index: waitlist_claim(token=token), ClaimRefused)
    assert booked == 1
    assert all(message.startswith("This link was already used") for message in refusals)
    assert seats(workshop) == workshop.capacity
