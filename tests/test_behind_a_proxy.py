"""Behind a load balancer every request comes from the balancer's address: the login lockout and
the rate limits must count per client (the X-Forwarded-For entry the balancer appended,
TRUSTED_PROXY_COUNT = 1), or one attacker locks the owner out everywhere and stops all booking."""
import pytest
from django.test import Client
from django.urls import reverse

from scheduling.models import Booking
from scheduling.tests.test_booking_page import book_url, details, frozen_time, meeting_type  # noqa: F401
from scheduling.tests.test_booking_throttle import _start

LOGIN_URL = reverse("accounts:login")
PASSWORD = "pass-for-tests-123"
BALANCER = "10.0.0.2"
ATTACKER, OWNER_AT_HOME = "203.0.113.5", "198.51.100.7"


def _behind_the_balancer(client_address: str, written_by_client: str = "") -> Client:
    """A browser at `client_address`; the balancer appends that address to whatever the client sent."""
    forwarded = f"{written_by_client}, {client_address}" if written_by_client else client_address
    return Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded)


def _login(client: Client, password: str):
    return client.post(LOGIN_URL, {"username": "owner@example.com", "password": password})


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_an_attacker_locked_out_behind_the_balancer_does_not_lock_out_the_owner(
        one_proxy, owner, meeting_type, settings):  # noqa: F811
    attacker = _behind_the_balancer(ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(attacker, "wrong-password").status_code == 200
    assert _login(attacker, "wrong-password").status_code == 429
    # A forged entry left of the balancer's does not give the attacker a fresh count.
    assert _login(_behind_the_balancer(ATTACKER, written_by_client=OWNER_AT_HOME), PASSWORD).status_code == 429

    owner_browser = _behind_the_balancer(OWNER_AT_HOME)
    logged_in = _login(owner_browser, PASSWORD)
    assert logged_in.status_code == 302
    assert owner_browser.get(reverse("dashboard:home")).status_code == 200
    booked = owner_browser.post(book_url(owner, meeting_type), details(start=_start(0)))
    assert booked.status_code == 302
    assert Booking.objects.filter(client_email="cleo@example.com").count() == 1


def test_junk_posts_from_one_client_do_not_stop_another_booking(one_proxy, owner, meeting_type, settings):  # noqa: F811
    settings.THROTTLES = {**settings.THROTTLES, "public_booking": (3, 60 * 60)}
    url = book_url(owner, meeting_type)
    flooder = _behind_the_balancer(ATTACKER)
    for n in range(3):
        assert flooder.post(url, details(start=_start(n), client_email=f"victim{n}@example.com")).status_code == 302
    refused = flooder.post(url, details(start=_start(3), client_email="victim@example.com"))
    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.content.decode()
    # Nor does a forged entry let the flooder through.
    forged = _behind_the_balancer(ATTACKER, written_by_client=OWNER_AT_HOME)
    assert forged.post(url, details(start=_start(4), client_email="victim@example.com")).status_code == 429

    booked = _behind_the_balancer(OWNER_AT_HOME).post(url, details(start=_start(5)))

    assert booked.status_code == 302
    assert Booking.objects.filter(client_email="cleo@example.com").count() == 1
    assert Booking.objects.count() == 4


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        forging = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        response = _login(forging, "wrong-password")
    assert response.status_code == 429

    again = _login(Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=OWNER_AT_HOME), PASSWORD)

    assert again.status_code == 429
    assert _login(Client(REMOTE_ADDR=OWNER_AT_HOME), PASSWORD).status_code == 302
