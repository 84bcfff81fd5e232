"""Booking a meeting is limited per IP, so nobody can flood a stranger's inbox with booking
confirmations; above the limit the client gets a clear page and nothing is booked."""
from datetime import UTC, datetime, timedelta

from django.conf import settings as project_settings

from scheduling.models import Booking
from scheduling.tests.test_booking_page import book_url, details, frozen_time, meeting_type  # noqa: F401

FIRST_FREE = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York, within its 9-to-5


def _start(n: int) -> str:
    return (FIRST_FREE + timedelta(minutes=30 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_booking_limit_is_twenty_an_hour_per_ip():
    assert project_settings.THROTTLES["public_booking"] == (20, 60 * 60)


def test_bookings_above_the_limit_are_refused_with_a_clear_message(client, owner, meeting_type, settings):  # noqa: F811
    settings.THROTTLES = {**settings.THROTTLES, "public_booking": (3, 60 * 60)}
    url = book_url(owner, meeting_type)
    for n in range(3):
        assert client.post(url, details(start=_start(n), client_email=f"victim{n}@example.com")).status_code == 302

    refused = client.post(url, details(start=_start(3), client_email="victim@example.com"))

    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.content.decode()
    assert Booking.objects.count() == 3
    assert client.get(url).status_code == 200
    other = client.post(url, details(start=_start(4)), REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 302
