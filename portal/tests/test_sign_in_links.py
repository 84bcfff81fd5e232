"""Asking for a sign-in link and using it: single use, 30 minutes, only a hash stored, the same page
whether or not the address has orders, limits per IP and per address, and clear pages for every
link that opens nothing."""
import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications.models import Message, MessageKind, MessageStatus
from portal.models import SignInLink
from portal.services import sign_in_link_request
from portal.tests.conftest import CLEO, DORA, ask_for_link, link_path_sent_to

pytestmark = pytest.mark.django_db


def test_asking_emails_a_link_whose_token_is_stored_only_as_a_hash(client, world, django_capture_on_commit_callbacks):
    response = ask_for_link(client, CLEO, django_capture_on_commit_callbacks)

    assert response.status_code == 200 and "Check your email" in response.content.decode()
    [email] = [message for message in mail.outbox if message.to == [CLEO]]
    assert email.subject == "Your sign-in link: find your bookings"
    assert "works once, for 30 minutes" in email.body
    token = link_path_sent_to(CLEO).rstrip("/").rsplit("/", 1)[1]
    link = SignInLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert link.expires_at - link.created_at == timedelta(minutes=30)
    # The outbox row no longer holds the link once the email has gone.
    message = Message.objects.get(kind=MessageKind.PORTAL_SIGN_IN)
    assert message.status == MessageStatus.SENT and "link" not in message.context
    assert token not in str(message.context)


def test_the_page_says_the_same_whether_or_not_the_address_has_orders(client, world,
                                                                      django_capture_on_commit_callbacks):
    known = ask_for_link(client, CLEO, django_capture_on_commit_callbacks).content.decode()
    unknown = ask_for_link(client, "nobody@example.com", django_capture_on_commit_callbacks).content.decode()

    def without_address(page: str, email: str) -> str:
        # The page names the address typed (wrapped for narrow screens): compare without it, and
        # without the per-request CSRF and CSP values.
        import re
        page = re.sub(r"(nonce|value)=\"[^\"]*\"", "", page)
        return re.sub(r"If .*? has ordered", "If … has ordered", page)

    assert without_address(known, CLEO) == without_address(unknown, "nobody@example.com")
    # Nobody is written to at an address that never ordered or booked.
    assert [message.to for message in mail.outbox] == [[CLEO]]
    assert SignInLink.objects.count() == 1


def test_an_address_in_other_case_and_with_spaces_gets_the_link_of_the_same_client(
        client, world, django_capture_on_commit_callbacks):
    ask_for_link(client, "  Cleo@EXAMPLE.com ", django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [[CLEO]]
    assert SignInLink.objects.get().email == CLEO


@pytest.mark.parametrize("typed, error", [
    ("", "Enter the email address you ordered or booked with."),
    ("cleo-at-example.com", "Enter a whole email address, like name@example.com."),
    ("x" * 250 + "@example.com", "Ensure this value has at most 254 characters"),
])
def test_a_bad_address_is_refused_beside_the_field_and_sends_nothing(client, world, typed, error):
    response = client.post("/my/", {"email": typed})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-errors"' in page and error in page
    assert not SignInLink.objects.exists() and not Message.objects.exists()


def test_the_link_signs_in_once(client, world, sign_in):
    sign_in(CLEO)
    path = link_path_sent_to(CLEO)
    client.post("/my/sign-out/")

    again = client.post(path)

    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert "My bookings" not in client.get("/my/").content.decode()


def test_opening_the_link_does_not_use_it_only_the_button_does(client, world, django_capture_on_commit_callbacks):
    # Mail scanners open every link in an email: a GET must leave the link for the client.
    ask_for_link(client, CLEO, django_capture_on_commit_callbacks)
    path = link_path_sent_to(CLEO)

    page = client.get(path)

    assert page.status_code == 200 and "See my bookings" in page.content.decode()
    assert SignInLink.objects.get().used_at is None
    assert client.post(path).status_code == 302
    assert "Alma pack of 3" in client.get("/my/").content.decode()


def test_a_link_older_than_30_minutes_has_expired(client, world, django_capture_on_commit_callbacks):
    ask_for_link(client, CLEO, django_capture_on_commit_callbacks)
    path = link_path_sent_to(CLEO)

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        opened, used = client.get(path), client.post(path)

    for response in (opened, used):
        assert response.status_code == 400
        assert "This sign-in link has expired: links work for 30 minutes." in response.content.decode()
        assert 'name="email"' in response.content.decode()  # the form to ask for a new one
    assert SignInLink.objects.get().used_at is None
    assert "lm_client" not in used.cookies


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
    lambda token: token[:20],  # cut short by an email client
    lambda token: "x",  # not a token's shape
    lambda token: token + "%00",  # a NUL byte
])
def test_a_tampered_link_opens_nothing(client, world, django_capture_on_commit_callbacks, tamper):
    ask_for_link(client, CLEO, django_capture_on_commit_callbacks)
    token = link_path_sent_to(CLEO).rstrip("/").rsplit("/", 1)[1]

    response = client.post(f"/my/sign-in/{tamper(token)}/")

    assert response.status_code == 400
    assert "This sign-in link is not valid" in response.content.decode()
    assert SignInLink.objects.get().used_at is None
    assert "Alma pack of 3" not in client.get("/my/").content.decode()


def test_an_email_still_unsent_when_its_link_expires_is_not_sent(world):
    from notifications.delivery import message_deliver

    sign_in_link_request(email=CLEO)  # no on-commit here: the task was lost (broker down)
    message = Message.objects.get(kind=MessageKind.PORTAL_SIGN_IN)

    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        assert message_deliver(message_id=message.pk) is False

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "link" not in message.context
    assert mail.outbox == []


def test_too_many_requests_from_one_network_are_refused(client, world, settings, django_capture_on_commit_callbacks):
    settings.THROTTLES = {**settings.THROTTLES, "portal_sign_in": (2, 60 * 60)}
    for email in ("a@example.com", "b@example.com"):
        assert ask_for_link(client, email, django_capture_on_commit_callbacks).status_code == 200

    refused = ask_for_link(client, CLEO, django_capture_on_commit_callbacks)

    assert refused.status_code == 429 and "Nothing was sent" in refused.content.decode()
    assert mail.outbox == [] and not SignInLink.objects.exists()
    other_network = ask_for_link(client, CLEO, django_capture_on_commit_callbacks, REMOTE_ADDR="198.51.100.7")
    assert other_network.status_code == 200 and len(mail.outbox) == 1


def test_an_inbox_gets_a_few_links_an_hour_whoever_asks_and_the_page_does_not_tell(
        client, world, settings, django_capture_on_commit_callbacks):
    settings.THROTTLES = {**settings.THROTTLES, "portal_sign_in_email": (2, 60 * 60)}
    pages = [ask_for_link(client, CLEO, django_capture_on_commit_callbacks, REMOTE_ADDR=f"198.51.100.{n}")
             for n in range(1, 5)]

    assert [page.status_code for page in pages] == [200] * 4
    assert all("Check your email" in page.content.decode() for page in pages)
    assert len(mail.outbox) == 2 and SignInLink.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_link_used_from_two_tabs_at_once_signs_in_once(world, django_capture_on_commit_callbacks):
    from portal.services import SignInLinkUsed, sign_in_link_use
    from tests import race

    with django_capture_on_commit_callbacks(execute=True):
        sign_in_link_request(email=CLEO)
    token = link_path_sent_to(CLEO).rstrip("/").rsplit("/", 1)[1]

    successes, refusals = race(8, lambda _i: sign_in_link_use(token=token), SignInLinkUsed)

    assert successes == 1 and len(refusals) == 7
    assert SignInLink.objects.get().used_at is not None


def test_an_erased_clients_pseudonym_gets_no_link(world):
    from leadmonk.client_email import erased_email

    pseudonym = erased_email(DORA)
    world.dora_alma.__class__.objects.filter(pk=world.dora_alma.pk).update(client_email=pseudonym)

    assert sign_in_link_request(email=pseudonym) is False
    assert not SignInLink.objects.exists() and not Message.objects.exists()


def test_links_are_deleted_a_day_after_they_expire_by_the_hourly_purge(world, settings):
    from celery import current_app

    from portal.tasks import purge_sign_in_links

    sign_in_link_request(email=CLEO)
    with time_machine.travel(timezone.now() + timedelta(hours=20)):
        sign_in_link_request(email=CLEO)
        assert purge_sign_in_links() == 0
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1)):
        assert purge_sign_in_links() == 1

    assert SignInLink.objects.count() == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-sign-in-links"]
    assert schedule["task"] in current_app.tasks
