""""Find my bookings" is on every public page (booking, confirmation, order pages) and in every
email to a client, never in an email to an owner."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from orders.models import OrderStatus
from tests import make_booking, make_meeting_type, make_order, make_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(db):
    owner = make_owner(display_name="Alma Coach")
    return make_booking(make_meeting_type(owner), timezone.now() + timedelta(days=2))


def test_the_booking_and_order_pages_link_to_find_my_bookings(client, booking):
    order = make_order(booking.owner, booking.meeting_type, with_items=True, status=OrderStatus.ACTIVE,
                       paid_at=timezone.now())

    for path in (f"/bookings/{booking.token}/?booked=1", f"/orders/{order.token}/", f"/{booking.owner.slug}/"):
        page = client.get(path).content.decode()
        assert '<a href="/my/">Find my bookings</a>' in page, path
    # The pages framed on the owner's own site open it in the whole window, not in the frame.
    for path in (f"/embed/{booking.owner.slug}/", f"/embed/bookings/{booking.token}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<a href="/my/" target="_top">Find my bookings</a>' in response.content.decode(), path


def test_every_client_email_links_to_find_my_bookings_and_no_owner_email_does(
        booking, settings, django_capture_on_commit_callbacks):
    booking.owner.notify_owner_by_email = True
    booking.owner.save(update_fields=["notify_owner_by_email"])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)

    to_client = next(message for message in mail.outbox if message.to == [booking.client_email])
    assert f"Find my bookings (every order and session of yours, by email): {settings.SITE_URL}/my/" in to_client.body
    assert f'<a href="{settings.SITE_URL}/my/"' in to_client.alternatives[0][0]
    owner_emails = [message for message in mail.outbox if message.to == [booking.owner.email]]
    assert owner_emails, "the owner is told of the booking too"
    for to_owner in owner_emails:
        assert "/my/" not in to_owner.body and "/my/" not in to_owner.alternatives[0][0]


def test_a_waitlist_offer_links_to_find_my_bookings_in_both_parts(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_waitlist_offer(email="cleo@example.com", phone="", link=f"{settings.SITE_URL}/waitlist/claim/x/",
                                       expires_at=timezone.now() + timedelta(hours=4), what="Group workshop",
                                       language="en")

    [offer] = mail.outbox
    assert f"Find my bookings (every order and session of yours, by email): {settings.SITE_URL}/my/" in offer.body
    assert f'<a href="{settings.SITE_URL}/my/"' in offer.alternatives[0][0]
