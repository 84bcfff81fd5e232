import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.plans import Plan
from accounts.services import owner_signup_request
from accounts.tests.html import unlabelled_inputs, visible_input_ids
from accounts.views import SIGNUP_BROWSER_COOKIE
from tests import on_postgres, race

SIGNUP_URL = reverse("accounts:signup")


def _signup(client, **overrides):
    data = {
        "display_name": "Sam Sparrow",
        "email": "sam@example.com",
        "password": "a-long-unusual-passphrase",
        "timezone": "Europe/Berlin",
    }
    data.update(overrides)
    return client.post(SIGNUP_URL, data)


def test_signup_page_has_a_label_for_each_input(client, db):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert visible_input_ids(html), "the sign-up form shows its inputs"
    assert unlabelled_inputs(html) == []


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/verify/[^/\s]+/[^/\s]+/)", message.body)
    assert match, f"no confirmation link in the email:\n{message.body}"
    return match.group(1)


def test_signup_creates_a_free_owner_who_confirms_the_email_and_lands_on_settings(
        client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_sent")
    assert "Check your email" in client.get(response["Location"]).content.decode()
    owner = User.objects.get(email="sam@example.com")
    assert owner.plan == Plan.FREE
    assert owner.display_name == "Sam Sparrow"
    assert owner.slug == "sam-sparrow"
    assert owner.timezone == "Europe/Berlin"
    assert owner.check_password("a-long-unusual-passphrase")
    assert not owner.email_verified
    assert not response.wsgi_request.user.is_authenticated
    # Not public until the address is confirmed.
    assert client.get("/sam-sparrow/").status_code == 404

    assert [message.to for message in mail.outbox] == [["sam@example.com"]]
    page = client.get(_link(mail.outbox[0]), follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == reverse("dashboard:home")
    assert page.context["user"] == owner
    html = page.content.decode()
    assert "Your email is confirmed and your booking page is live" in html
    # The first hour: the checklist, with the zone from sign-up and the default hours ticked.
    assert "Get ready to take bookings" in html
    assert re.search(r'class="setup-step is-done" data-step="timezone"', html)
    assert re.search(r'class="setup-step is-done" data-step="hours"', html)
    assert re.search(r'class="setup-step" data-step="meeting_type"', html)
    owner.refresh_from_db()
    assert owner.email_verified
    assert client.get("/sam-sparrow/").status_code == 200
    # Used once: the link does not work again.
    client.logout()
    again = client.get(_link(mail.outbox[0]), follow=True)
    assert not again.wsgi_request.user.is_authenticated


def test_a_bad_confirmation_link_says_it_expired_and_confirms_nothing(client, free_owner):
    User.objects.filter(pk=free_owner.pk).update(email_verified=False)

    response = client.get(reverse("accounts:verify_email", args=["MQ", "bad-token"]))

    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    free_owner.refresh_from_db()
    assert not free_owner.email_verified


def test_an_unconfirmed_owner_sees_why_the_page_is_not_public_and_can_get_a_new_link(client, free_owner):
    User.objects.filter(pk=free_owner.pk).update(email_verified=False)
    client.force_login(free_owner)

    page = client.get(reverse("dashboard:home")).content.decode()
    assert "Confirm your email address to publish your booking page" in page
    response = client.post(reverse("accounts:verify_resend"), {"next": reverse("dashboard:home")}, follow=True)

    assert f"We sent a new confirmation link to {free_owner.email}" in response.content.decode()
    assert mail.outbox[-1].to == [free_owner.email]
    assert client.get(_link(mail.outbox[-1])).status_code == 302
    free_owner.refresh_from_db()
    assert free_owner.email_verified


PASSWORD = "a-long-unusual-passphrase"


def test_the_link_opened_in_another_browser_asks_for_the_password_chosen_at_sign_up(
        client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    link = _link(mail.outbox[0])
    phone = Client()  # the email opened on another device

    asked = phone.get(link)
    wrong = phone.post(link, {"password": "not-what-i-chose"})
    owner = User.objects.get(email="sam@example.com")
    assert not owner.email_verified
    counted = AccessAttempt.objects.filter(username="sam@example.com").exists()

    right = phone.post(link, {"password": PASSWORD}, follow=True)

    assert asked.status_code == 200
    assert "enter the password you chose when you signed up" in " ".join(asked.content.decode().split())
    assert unlabelled_inputs(asked.content.decode()) == []
    assert wrong.status_code == 200
    assert wrong.context["form"].errors == {"password": ["That is not the password this account was created with."]}
    assert not wrong.wsgi_request.user.is_authenticated
    assert counted, "a wrong password counts towards the log-in lockout"
    assert right.redirect_chain[-1][0] == reverse("dashboard:home")
    assert right.context["user"] == owner
    assert "Your email is confirmed" in right.content.decode()
    owner.refresh_from_db()
    assert owner.email_verified


def test_someone_who_signed_up_with_another_persons_address_cannot_have_them_confirm_it(
        client, db, django_capture_on_commit_callbacks):
    """A pre-account takeover: the one who signed up with an address that is not theirs holds the
    password and a session. The address's owner, opening the emailed link, cannot confirm that
    account without the password; a new password confirms it and ends the other session."""
    squatter = client
    with django_capture_on_commit_callbacks(execute=True):
        _signup(squatter)
    assert squatter.post(reverse("accounts:login"), {"username": "sam@example.com", "password": PASSWORD}).status_code == 302
    sam = Client()

    asked = sam.get(_link(mail.outbox[0]))
    with django_capture_on_commit_callbacks(execute=True):
        sam.post(reverse("accounts:password_reset"), {"email": "sam@example.com"})
    reset = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body).group(1)
    form_page = sam.get(reset, follow=True)
    sam.post(form_page.redirect_chain[-1][0], {"new_password1": "sams-own-passphrase-7", "new_password2": "sams-own-passphrase-7"})

    assert "Confirm your email" in asked.content.decode()
    owner = User.objects.get(email="sam@example.com")
    assert owner.email_verified
    assert squatter.get(reverse("dashboard:home"))["Location"].startswith(reverse("accounts:login"))
    assert squatter.post(reverse("accounts:login"), {"username": "sam@example.com", "password": PASSWORD}).status_code == 200


def test_the_browser_that_signed_up_or_the_logged_in_owner_confirms_without_the_password(
        client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    link = _link(mail.outbox[0])
    elsewhere = Client()
    elsewhere.force_login(User.objects.get(email="sam@example.com"))
    forged = Client()
    forged.cookies[SIGNUP_BROWSER_COOKIE] = "sam@example.com"  # not signed: not this site's

    assert forged.get(link).status_code == 200  # asks for the password
    assert elsewhere.get(link)["Location"] == reverse("dashboard:home")
    assert User.objects.get(email="sam@example.com").email_verified


def test_asking_for_the_link_again_once_confirmed_says_so_and_sends_nothing(client, free_owner):
    client.force_login(free_owner)  # confirmed in another tab since this page was shown

    response = client.post(reverse("accounts:verify_resend"), {"next": reverse("dashboard:home")}, follow=True)

    assert "Your email address is already confirmed." in response.content.decode()
    assert "We sent a new confirmation link" not in response.content.decode()
    assert mail.outbox == []


def test_signup_gives_each_owner_a_unique_booking_link(client, db):
    _signup(client, email="first@example.com")
    _signup(client, email="second@example.com")

    first = User.objects.get(email="first@example.com")
    second = User.objects.get(email="second@example.com")
    assert first.slug == "sam-sparrow"
    assert second.slug != first.slug
    assert second.slug.startswith("sam-sparrow-")


def test_signup_never_hands_out_a_reserved_booking_link(client, db):
    _signup(client, display_name="Admin")

    owner = User.objects.get(email="sam@example.com")
    assert owner.slug != "admin"
    assert owner.slug.startswith("admin-")


def test_signup_hands_out_a_booking_link_the_settings_page_accepts(client, db):
    # slugify keeps underscores, which the booking link rule refuses: the owner could then not save
    # Settings (a new time zone, a photo) without first inventing another link.
    _signup(client, display_name="Sam_Sparrow _")

    owner = User.objects.get(email="sam@example.com")
    assert owner.slug == "sam-sparrow"
    client.force_login(owner)
    saved = client.post(reverse("accounts:settings"), {
        "display_name": owner.display_name, "slug": owner.slug, "timezone": "Europe/Paris"})
    assert saved.status_code == 302
    owner.refresh_from_db()
    assert owner.timezone == "Europe/Paris"


def test_signup_keeps_the_name_on_one_line(client, db):
    # The name heads emails (a team invitation's subject), where a line break is refused.
    _signup(client, display_name="Sam\r\nSparrow")

    assert User.objects.get(email="sam@example.com").display_name == "Sam Sparrow"


def test_signup_with_a_bad_detected_time_zone_falls_back_to_utc(client, db):
    _signup(client, timezone="Mars/Olympus_Mons")

    assert User.objects.get(email="sam@example.com").timezone == "UTC"


def test_signup_with_a_taken_email_answers_as_for_a_new_one_and_tells_the_owner(client, owner):
    new = _signup(client, email="new-person@example.com")
    taken = _signup(client, email="OWNER@example.com")

    # Nobody can tell from the answer whether the address has an account.
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert "already exists" not in client.get(taken["Location"]).content.decode()
    assert User.objects.filter(email__iexact="owner@example.com").count() == 1
    assert not taken.wsgi_request.user.is_authenticated
    owner.refresh_from_db()
    assert owner.display_name == "Casey Coach"
    assert owner.check_password("pass-for-tests-123")
    # The owner of the address hears about it instead.
    told = [message for message in mail.outbox if message.to == ["owner@example.com"]]
    assert len(told) == 1
    assert "You already have one" in " ".join(told[0].body.split())
    assert "/accounts/password-reset/" in told[0].body


def test_signup_is_limited_per_ip_with_a_clear_message(client, db, settings):
    limit = settings.THROTTLES["signup"][0]
    for n in range(limit):
        assert _signup(client, email=f"person{n}@example.com").status_code == 302

    refused = _signup(client, email="one-too-many@example.com")

    assert refused.status_code == 429
    assert "Too many attempts from your network" in refused.content.decode()
    assert not User.objects.filter(email="one-too-many@example.com").exists()
    # Another network is not affected.
    other = client.post(SIGNUP_URL, {"display_name": "Other", "email": "other-net@example.com",
                                     "password": "a-long-unusual-passphrase"}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302


def test_signup_with_a_weak_password_is_refused_and_creates_nothing(client, db):
    for weak in ("12345678", "password", "short"):
        response = _signup(client, password=weak)

        assert response.status_code == 200
        assert response.context["form"].errors["password"]
        assert User.objects.count() == 0


def test_signup_with_blank_fields_shows_messages_and_creates_nothing(client, db):
    response = client.post(SIGNUP_URL, {"display_name": "  ", "email": "", "password": "", "timezone": ""})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"display_name", "email", "password"}
    assert User.objects.count() == 0


def test_signup_with_a_malformed_email_is_refused_with_a_message(client, db):
    response = _signup(client, email="not-an-email")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert User.objects.count() == 0


def test_signup_page_sends_a_logged_in_owner_to_the_dashboard(owner_client):
    response = owner_client.get(SIGNUP_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sign_ups_with_the_same_name_at_the_same_moment_each_get_a_booking_link():
    if not on_postgres():
        pytest.skip("needs PostgreSQL (sign-ups on separate connections at once)")

    done, refusals = race(4, lambda n: owner_signup_request(
        email=f"sam{n}@example.com", password="a-long-unusual-passphrase", display_name="Sam Sparrow"),
        IntegrityError)

    assert (done, refusals) == (4, [])
    assert sorted(User.objects.values_list("slug", flat=True)) == [
        "sam-sparrow", "sam-sparrow-2", "sam-sparrow-3", "sam-sparrow-4"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sign_ups_with_the_same_email_at_the_same_moment_make_one_account_and_tell_its_owner():
    if not on_postgres():
        pytest.skip("needs PostgreSQL (sign-ups on separate connections at once)")
    created = []

    done, refusals = race(3, lambda n: created.append(owner_signup_request(
        email="sam@example.com", password="a-long-unusual-passphrase", display_name=f"Sam {n}")),
        IntegrityError)

    assert (done, refusals) == (3, [])
    assert User.objects.filter(email="sam@example.com").count() == 1
    assert sum(user is not None for user in created) == 1
    # The others are answered as for a taken address: its owner is told.
    subjects = sorted(message.subject for message in mail.outbox if message.to == ["sam@example.com"])
    assert subjects.count("Someone tried to create a Leadmonk account with your email") == 2
