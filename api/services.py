"""Writes of API keys: create (the key is returned once, only its hash is kept), revoke, and the
"last used" time, written at most once a minute so a busy integration does not write a row per
request."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from api.models import ApiKey, ApiKeyScope

LAST_USED_EVERY = timedelta(minutes=1)


def key_prefix() -> str:
    """`lm_live_` in production, `lm_test_` everywhere else (development, tests)."""
    return "lm_test_" if settings.DEBUG or settings.TESTING else "lm_live_"


def hash_key(key: str) -> str:
    """What is stored and looked up: the SHA-256 of the whole key. A key is 256 random bits, so a
    fast hash is enough (no password stretching is needed against guessing)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    key: str  # shown once, never stored


def api_key_create(*, owner, name: str, scope: str) -> NewApiKey:
    if scope not in ApiKeyScope.values:
        raise ValueError(f"Unknown API key scope {scope!r}")
    key = key_prefix() + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(owner=owner, name=name.strip(), scope=scope, display_prefix=key[:12],
                                    key_hash=hash_key(key))
    return NewApiKey(api_key=api_key, key=key)


def api_key_revoke(*, owner, pk: int, now: datetime | None = None) -> bool:
    """Revoke one of `owner`'s keys; True when it was active (it stops working at once: the row is
    saved, not updated, so its post_save bumps the owner's API keys version and every process's
    cached row of the key is unreachable; api.selectors.api_key_for)."""
    now = now or timezone.now()
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().filter(owner=owner, pk=pk, revoked_at__isnull=True).first()
        if api_key is None:
            return False
        api_key.revoked_at = now
        api_key.save(update_fields=["revoked_at"])
        return True


def api_key_touch(*, api_key: ApiKey, now: datetime | None = None) -> None:
    """Record that the key was used, unless it was recorded less than a minute ago. A conditional
    update, so concurrent requests write the row once between them."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_EVERY:
        return
    ApiKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY),
                          pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
