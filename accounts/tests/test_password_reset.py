import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.tests.html import unlabelled_inputs

RESET_URL = reverse("accounts:password_reset")
NEW_PASSWORD = "brand-new-passphrase-42"


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, f"no reset link in the email:\n{message.body}"
    return match.group(1)


def test_password_reset_page_has_a_label_for_each_input(client, db):
    response = client.get(RESET_URL)

    assert response.status_code == 200
    assert unlabelled_inputs(response.content.decode()) == []


def test_password_reset_by_email_end_to_end(client, owner):
    response = client.post(RESET_URL, {"email": "owner@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert "password" in message.subject.lower()
    assert message.alternatives, "the email also has an HTML part"

    # The emailed link swaps the token into the session and redirects to the form.
    form_page = client.get(_reset_link(message), follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    assert unlabelled_inputs(form_page.content.decode()) == []
    set_password_url = form_page.redirect_chain[-1][0]

    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")

    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    login = client.post(reverse("accounts:login"), {"username": "owner@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert login["Location"] == reverse("dashboard:home")


def test_password_reset_link_works_only_once(client, owner):
    client.post(RESET_URL, {"email": "owner@example.com"})
    link = _reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert again.status_code == 200
    assert "This link has expired" in again.content.decode()


def test_password_reset_with_mismatched_passwords_keeps_the_old_one(client, owner):
    client.post(RESET_URL, {"email": "owner@example.com"})
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": "something-else-1"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    owner.refresh_from_db()
    assert owner.check_password("pass-for-tests-123")


def test_password_reset_for_an_unknown_email_shows_the_same_page_and_sends_nothing(client, owner):
    response = client.post(RESET_URL, {"email": "nobody@example.com"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:password_reset_done")
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_password_reset_with_a_tampered_link_says_it_expired(client, owner):
    response = client.get(
        reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}), follow=True
    )

    assert response.status_code == 200
    assert "This link has expired" in response.content.decode()


def test_a_password_reset_ends_the_login_lockout_of_the_address(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "owner@example.com", "password": "wrong"})
    assert client.post(reverse("accounts:login"),
                       {"username": "owner@example.com", "password": "pass-for-tests-123"}).status_code == 429

    # The lockout page suggests a reset; the page after it says "You can log in with it now".
    client.post(RESET_URL, {"email": "owner@example.com"})
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "You can log in with it now" in client.get(done["Location"]).content.decode()

    login = client.post(reverse("accounts:login"), {"username": "owner@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert login["Location"] == reverse("dashboard:home")


def test_a_password_reset_ends_the_owners_other_sessions(client, owner):
    elsewhere = Client()
    elsewhere.post(reverse("accounts:login"), {"username": "owner@example.com", "password": "pass-for-tests-123"})
    assert elsewhere.get(reverse("dashboard:home")).status_code == 200

    client.post(RESET_URL, {"email": "owner@example.com"})
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert elsewhere.get(reverse("dashboard:home")).status_code == 302


def test_a_password_reset_link_asked_in_other_letter_case_goes_to_the_stored_address(client, owner):
    client.post(RESET_URL, {"email": " OWNER@Example.COM "})

    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
