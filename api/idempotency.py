"""`Idempotency-Key` on the API's writes, as Stripe has it: a client that sends a POST again after a
time-out or a dropped connection, with the same key, gets the first answer back instead of a
second booking or order.

- The key is the client's (any string up to 255 printable characters; a UUID is usual), scoped to
  the owner of the API key, and kept for 24 hours.
- The first request with a key claims it (a row, inserted before the service runs: the unique index
  makes a second request with the same key at the same moment wait for the first to commit, then
  find it) and, when it succeeds (2xx), keeps its status and body. An answer that is not a success
  (bad input, a time just taken, an error) is not kept, so the same key can be tried again.
- The same key again: with the same method, path and body, the kept answer, marked with
  `Idempotent-Replayed: true`; while the first still runs, a 409 problem (retry shortly); with
  another request, a 422 problem (a key is for one request).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions

from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
# A claim whose request never finished (its process died): free again after this.
ABANDONED_AFTER = timedelta(minutes=5)
KEY_MAX = 255


class KeyStillRunning(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still being processed; try again in a moment."


class KeyReused(exceptions.APIException):
    status_code = 422
    default_detail = ("This Idempotency-Key was sent with another request (method, address or body); "
                      "use a new key for a new request.")


class Replay(Exception):
    """The kept answer of the request first sent with this key (APIView.handle_exception returns it)."""

    def __init__(self, response: HttpResponse):
        super().__init__("replay")
        self.response = response


@dataclass
class Claim:
    row_id: int
    finished: bool = False


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request._request.body)
    return digest.hexdigest()


def claim(request, *, owner) -> Claim | None:
    """Before the write runs: None without the header; a Claim to finish once it has run; raises
    Replay, KeyStillRunning or KeyReused for a key seen before, ValidationError for a bad key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > KEY_MAX or not key.isprintable() or not key.isascii():
        raise exceptions.ValidationError({HEADER: [f"Send a key of 1 to {KEY_MAX} printable ASCII characters, "
                                                   "such as a UUID."]})
    fingerprint, now = _fingerprint(request), timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(owner=owner, key=key, fingerprint=fingerprint, created_at=now)
            return Claim(row.pk)
        except IntegrityError:
            seen = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if seen is None:
            continue  # released meanwhile: claim it now
        if seen.created_at <= now - KEPT_FOR or (seen.status_code is None and seen.created_at <= now - ABANDONED_AFTER):
            IdempotentRequest.objects.filter(pk=seen.pk, created_at=seen.created_at).delete()
            continue
        if seen.fingerprint != fingerprint:
            raise KeyReused()
        if seen.status_code is None:
            raise KeyStillRunning()
        response = HttpResponse(bytes(seen.body), status=seen.status_code, content_type=seen.content_type)
        response["Idempotent-Replayed"] = "true"
        raise Replay(response)
    raise KeyStillRunning()


def finish(kept: Claim, response) -> None:
    """After the write: keep a success's answer; free the key of anything else."""
    if kept.finished:
        return
    kept.finished = True
    if 200 <= response.status_code < 300:
        if hasattr(response, "render"):
            response.render()
        IdempotentRequest.objects.filter(pk=kept.row_id).update(
            status_code=response.status_code, content_type=response.get("Content-Type", ""),
            body=response.content)
    else:
        IdempotentRequest.objects.filter(pk=kept.row_id).delete()


def forget_expired(*, now=None) -> int:
    """The periodic clean-up: keys past their day."""
    now = now or timezone.now()
    return IdempotentRequest.objects.filter(created_at__lte=now - KEPT_FOR).delete()[0]


class IdempotentWrites:
    """For an APIView whose POST writes: claims the key after authentication, answers a replay
    without running the view, and keeps or frees the key once the answer is made (also when the
    view fails with a server error)."""

    _idempotency: Claim | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            self._idempotency = claim(request, owner=request.user)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency is not None:
            finish(self._idempotency, response)
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._idempotency is not None and not self._idempotency.finished:
                IdempotentRequest.objects.filter(pk=self._idempotency.row_id).delete()
