"""Invitations are emails to addresses an admin types: a team sends at most so many an hour and an
address gets at most so many a day (revoked ones count, so invite/revoke loops stop), refused next
to the email field; and the email leaves through the notifications outbox, so an invitation made
while the broker is down is still emailed once the sweep runs."""
import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from notifications import tasks
from notifications.models import Message, MessageKind, MessageStatus
from teams import services
from teams.models import Invitation, InvitationStatus
from tests import NOW, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(owner):
    return make_team(owner, slug="acme", name="Acme Coaching")


def _invite(client, team, email):
    return client.post(f"/dashboard/teams/{team.pk}/invite/", {"email": email, "role": "member"}, follow=True)


def _revoke(client, team):
    pending = Invitation.objects.get(team=team, status=InvitationStatus.PENDING)
    client.post(f"/dashboard/teams/{team.pk}/invitations/{pending.pk}/revoke/")


def _email_errors(response) -> list[str]:
    return response.context["invite_form"].errors.get("email", [])


def test_an_invite_and_revoke_loop_stops_at_the_daily_limit_of_the_address(
        owner_client, team, clock, django_capture_on_commit_callbacks):
    for _ in range(services.INVITATIONS_PER_ADDRESS_PER_DAY):
        with django_capture_on_commit_callbacks(execute=True):
            sent = _invite(owner_client, team, "stranger@example.com")
        assert "Invitation sent to stranger@example.com." in sent.content.decode()
        _revoke(owner_client, team)
    with django_capture_on_commit_callbacks(execute=True):
        refused = _invite(owner_client, team, "Stranger@Example.com")

    assert refused.status_code == 400
    assert _email_errors(refused) == [
        "This address has been invited 3 times in the last 24 hours, the most allowed. Please try again tomorrow."]
    assert Invitation.objects.filter(email="stranger@example.com").count() == 3
    assert len(mail.outbox) == 3

    clock.move_to(NOW + timedelta(days=1, minutes=1))
    assert "Invitation sent to stranger@example.com." in _invite(owner_client, team,
                                                                 "stranger@example.com").content.decode()


def test_a_team_sends_at_most_so_many_invitations_an_hour(owner_client, team, clock, settings):
    settings.TEAM_SEATS = {"team": 100, "enterprise": 100}
    for number in range(services.INVITATIONS_PER_TEAM_PER_HOUR):
        services.invitation_create(team=team, by=team.owner, email=f"person{number}@example.com")

    refused = _invite(owner_client, team, "one-more@example.com")

    assert refused.status_code == 400
    assert _email_errors(refused) == [
        "This team has sent 30 invitations in the last hour, the most allowed. Please try again in an hour."]
    assert not Invitation.objects.filter(email="one-more@example.com").exists()
    clock.move_to(NOW + timedelta(hours=1, minutes=1))
    assert "Invitation sent to one-more@example.com." in _invite(owner_client, team,
                                                                 "one-more@example.com").content.decode()


def test_an_invitation_made_while_the_broker_is_down_is_emailed_by_the_sweep(
        owner_client, team, clock, django_capture_on_commit_callbacks):
    broker_down = OperationalError("[Errno 111] Connection refused")
    with mock.patch.object(tasks.deliver_message, "delay", side_effect=broker_down) as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite(owner_client, team, "new.person@example.com")
    assert delay.called
    assert "Invitation sent to new.person@example.com." in response.content.decode()
    assert mail.outbox == []
    message = Message.objects.get(kind=MessageKind.TEAM_INVITATION)
    assert (message.recipient, message.status) == ("new.person@example.com", MessageStatus.PENDING)

    clock.move_to(NOW + timedelta(minutes=11))
    tasks.dispatch_due_reminders()

    [email] = mail.outbox
    assert email.to == ["new.person@example.com"] and "Acme Coaching" in email.subject
    assert re.search(r"/team/join/\S+/", email.body)
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT


def test_an_invitation_revoked_before_its_email_left_is_not_sent(
        owner_client, team, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got the task
        _invite(owner_client, team, "gone@example.com")
    _revoke(owner_client, team)

    clock.move_to(NOW + timedelta(minutes=11))
    tasks.dispatch_due_reminders()

    assert mail.outbox == []
    message = Message.objects.get(kind=MessageKind.TEAM_INVITATION)
    assert message.status == MessageStatus.FAILED and "withdrawn" in message.error


def test_an_invitation_that_rolls_back_leaves_no_email_behind(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.invitation_create(team=team, by=team.owner, email="rolled@example.com")
        raise RuntimeError("the surrounding change failed")

    assert not Message.objects.exists() and not Invitation.objects.exists()
    assert mail.outbox == []
