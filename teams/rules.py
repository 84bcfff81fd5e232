"""The rules of teams in one place: seats per plan, what a team link may be, invitation links."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing

from accounts.models import RESERVED_SLUGS, SLUG_RE, User

# Words under /team/ that are routes, not teams.
TEAM_RESERVED_SLUGS = RESERVED_SLUGS | {"join", "invitations", "new"}
_INVITATION_SALT = "teams.invitation"


def seats_for_plan(plan: str) -> int:
    """Members a team may have on `plan` (0: the plan has no teams)."""
    return int(settings.TEAM_SEATS.get(plan, 0))


def team_slug_problem(slug: str, *, exclude_team_id: int | None = None) -> str:
    """Why `slug` cannot be a team's link ("" when it can)."""
    from teams.models import Team

    if not SLUG_RE.match(slug or ""):
        return "Use lowercase letters, numbers and single hyphens, starting and ending with a letter or number."
    if slug in TEAM_RESERVED_SLUGS:
        return f"“{slug}” is reserved. Please choose another team link."
    if User.objects.filter(slug=slug).exists():
        return f"“{slug}” is already someone's booking link. Please choose another team link."
    if Team.objects.filter(slug=slug).exclude(pk=exclude_team_id).exists():
        return f"“{slug}” is already taken by another team. Please choose another team link."
    return ""


def invitation_token(invitation_id: int) -> str:
    """The signed, timestamped key of an invitation link (expires: see invitation_from_token)."""
    return signing.dumps({"invitation": invitation_id}, salt=_INVITATION_SALT, compress=True)


def invitation_cutoff(now: dt.datetime) -> dt.datetime:
    """Invitations made at or before this moment have expired: their links no longer admit anyone,
    they take no seat, and their address may be invited again."""
    return now - dt.timedelta(days=settings.TEAM_INVITATION_MAX_AGE_DAYS)


class BadToken(Exception):
    pass


class ExpiredToken(Exception):
    pass


def invitation_id_from_token(token: str) -> int:
    """The invitation id inside a link; ExpiredToken past TEAM_INVITATION_MAX_AGE_DAYS, BadToken
    when tampered with or malformed."""
    max_age = settings.TEAM_INVITATION_MAX_AGE_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredToken() from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadToken() from error
    if not isinstance(data, dict) or not isinstance(data.get("invitation"), int):
        raise BadToken()
    return data["invitation"]
