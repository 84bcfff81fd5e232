"""How the API takes part in erasing a client (leadmonk.client_email.client_erased): the answers kept
for retries with an `Idempotency-Key` (api.idempotency, a day at most) that name the client are
scrubbed like every other copy. The rows stay, so the owner's software sending the same write again
still gets the answer back (reading as the erased order or booking now reads) instead of a second
booking or order.
Connected by ApiConfig.ready."""
import json

from django.dispatch import receiver

from api.models import IdempotentRequest
from leadmonk.client_email import client_erased


def _erased(value, *, email: str, pseudonym: str, scrub):
    """An answer (an order, a booking, lists of them) with the client's details as their rows now
    hold them: the pseudonym for their address, no phone, and every other mention scrubbed."""
    if isinstance(value, list):
        return [_erased(item, email=email, pseudonym=pseudonym, scrub=scrub) for item in value]
    if not isinstance(value, dict):
        return scrub(value)
    answer = {key: _erased(item, email=email, pseudonym=pseudonym, scrub=scrub) for key, item in value.items()}
    if str(value.get("client_email", "")).lower() == email.lower():
        answer["client_email"] = pseudonym
        if "client_phone" in answer:
            answer["client_phone"] = ""
    return answer


@receiver(client_erased, dispatch_uid="api.client_erased")
def scrub_kept_answers(*, owner, email: str, pseudonym: str, scrub, **_) -> None:
    # Kept answers are JSON (the API's only format) and last a day: the owner's are few.
    mentioned = email.lower().encode()
    for row in IdempotentRequest.objects.filter(owner=owner, status_code__isnull=False).only("pk", "body"):
        body = bytes(row.body)
        if mentioned in body.lower():
            answer = _erased(json.loads(body), email=email, pseudonym=pseudonym, scrub=scrub)
            IdempotentRequest.objects.filter(pk=row.pk).update(
                body=json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode())
