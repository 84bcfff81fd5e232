"""Celery task of teams: email an invitation link (takes an id, reads the row, sends)."""
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from teams.models import Invitation, InvitationStatus
from teams.rules import invitation_token


@shared_task(name="teams.tasks.send_invitation", autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_invitation(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("team", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return
    link = settings.SITE_URL + reverse("team_public:join", args=[invitation_token(invitation.pk)])
    context = {"invitation": invitation, "link": link, "days": settings.TEAM_INVITATION_MAX_AGE_DAYS}
    send_mail(
        subject=f"{invitation.invited_by.display_name or invitation.invited_by.email} invited you to "
                f"{invitation.team.name} on Leadmonk",
        message=render_to_string("teams/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
