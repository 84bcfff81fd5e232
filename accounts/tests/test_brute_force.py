"""Brute force and enumeration: the login lockout (django-axes, per email + IP, growing cool-off),
the per-IP limit of password reset, and a reset that answers the same for any address."""
import smtplib
from datetime import timedelta

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import tasks

LOGIN_URL = reverse("accounts:login")
RESET_URL = reverse("accounts:password_reset")
PASSWORD = "pass-for-tests-123"


def _login(client, password, email="owner@example.com", ip="203.0.113.5"):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client, times, **kw):
    for _ in range(times):
        response = _login(client, "wrong-password", **kw)
        assert response.status_code == 200
        assert "Please enter a correct email address and password" in response.content.decode()


def _lock(client, limit, **kw):
    _fail(client, limit - 1, **kw)
    locked = _login(client, "wrong-password", **kw)
    assert locked.status_code == 429
    return locked


def test_five_wrong_passwords_lock_the_account_from_that_ip_even_for_the_right_one(client, owner, settings):
    _fail(client, settings.AXES_FAILURE_LIMIT - 1)
    locked = _login(client, "wrong-password")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-in attempts" in page
    assert "15 minutes" in page
    assert "Traceback" not in page
    right = _login(client, PASSWORD)
    assert right.status_code == 429
    assert not right.wsgi_request.user.is_authenticated


def test_the_lockout_is_per_email_and_ip(client, owner, other_owner, settings):
    _lock(client, settings.AXES_FAILURE_LIMIT)

    # The owner from another network, and another account from the same network, still log in.
    assert _login(client, PASSWORD, ip="198.51.100.9").status_code == 302
    client.logout()
    assert _login(client, PASSWORD, email="other@example.com").status_code == 302


def test_the_lockout_ends_after_the_cool_off_and_grows_with_each_lockout(client, owner, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _lock(client, settings.AXES_FAILURE_LIMIT)
        assert _login(client, PASSWORD).status_code == 429

        clock.move_to(start + timedelta(minutes=16))
        second = _lock(client, settings.AXES_FAILURE_LIMIT)
        assert "30 minutes" in second.content.decode()

        clock.move_to(start + timedelta(minutes=16 + 20))
        # The second cool-off is longer; and an attempt during a lockout starts it again.
        assert _login(client, PASSWORD).status_code == 429
        clock.move_to(start + timedelta(minutes=16 + 20 + 31))
        assert _login(client, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_out_too(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "owner@example.com", "password": "nope"}, REMOTE_ADDR="203.0.113.5")

    response = client.post("/admin/login/", {"username": "owner@example.com", "password": "nope"},
                           REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429


def test_password_reset_only_queues_a_task_and_answers_the_same_for_any_address(client, owner, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.send_password_reset_email, "delay", lambda email: queued.append(email))

    known = client.post(RESET_URL, {"email": "owner@example.com"})
    unknown = client.post(RESET_URL, {"email": "nobody@example.com"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert queued == ["owner@example.com", "nobody@example.com"]
    assert mail.outbox == []  # nothing is sent inside the request


def test_password_reset_is_limited_per_ip(client, owner, settings):
    limit = settings.THROTTLES["password_reset"][0]
    for _ in range(limit):
        assert client.post(RESET_URL, {"email": "owner@example.com"}).status_code == 302

    refused = client.post(RESET_URL, {"email": "owner@example.com"})

    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.content.decode()
    assert refused["Retry-After"]
    assert len(mail.outbox) == limit


def test_password_reset_with_the_mail_server_down_still_answers(client, owner, settings, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPConnectError(421, "mail server unreachable")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    response = client.post(RESET_URL, {"email": "owner@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")


def test_failures_a_successful_login_cleared_do_not_lengthen_the_first_lockout(client, owner, settings):
    # Mistyped a few times on two occasions, logged in each time: the first lockout is still 15 minutes.
    for _ in range(2):
        _fail(client, settings.AXES_FAILURE_LIMIT - 1)
        assert _login(client, PASSWORD).status_code == 302
        client.logout()

    locked = _lock(client, settings.AXES_FAILURE_LIMIT)

    assert "15 minutes" in locked.content.decode()


def test_attempts_during_a_lockout_start_the_cool_off_again_without_lengthening_it(client, owner, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _lock(client, settings.AXES_FAILURE_LIMIT)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            again = _login(client, "wrong-password")
        assert again.status_code == 429
        assert "15 minutes" in again.content.decode()

        clock.move_to(start + timedelta(minutes=16))
        assert _login(client, PASSWORD).status_code == 302
