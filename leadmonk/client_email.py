"""A client's email as the product compares it, and what is left of it once the client is erased.

Every app that matches clients by email (purchase limits, "once per client" promo codes, the
Clients page, the erasure) normalises here, so they agree on who a client is. An erased client's
rows keep, in place of the address, a pseudonym made from an HMAC of it with a settings secret
(`CLIENT_ERASURE_KEY`): nobody can read the address back, yet the same person ordering again
gives the same pseudonym, so limits counted on their earlier orders and codes still hold."""
import hashlib
import hmac

from django.conf import settings
from django.dispatch import Signal

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: a domain that never receives mail
ERASED_NAME = "Erased client"

# owner=<User>, email=<normalised address>, pseudonym=<erased_email(email)>, order_ids=[int],
# booking_ids=[int], scrub=<callable>: a client of `owner` is being erased (clients.services.
# client_erase), inside its transaction; `scrub(value)` returns a JSON value (dicts, lists, strings)
# with the client's names, address and phones replaced. An app that keeps copies of the client's
# details (webhook deliveries, waitlist entries, portal sign-in links) rewrites or drops them. Here,
# below every app, so the apps beside clients (portal, waitlists) can listen too.
client_erased = Signal()


def normalize_email(email: str) -> str:
    """The form every client email is stored and compared in (orders, bookings, redemptions)."""
    return (email or "").strip().lower()


def client_email_hash(email: str) -> str:
    """HMAC-SHA256 (hex) of the normalised address with the erasure key: what an erasure keeps."""
    key = settings.CLIENT_ERASURE_KEY.encode()
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).hexdigest()


def erased_email(email: str) -> str:
    """The address an erased client's rows carry instead of `email` (fits an EmailField)."""
    return f"erased-{client_email_hash(email)}@{ERASED_DOMAIN}"


def is_erased_email(email: str) -> bool:
    return normalize_email(email).endswith(f"@{ERASED_DOMAIN}")


def emails_of_client(email: str) -> list[str]:
    """The stored addresses that are this client: the address itself and, if they were erased,
    the pseudonym their earlier rows carry (filter with `client_email__in`)."""
    email = normalize_email(email)
    return [email, erased_email(email)] if email else []
