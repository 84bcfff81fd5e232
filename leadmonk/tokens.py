"""The one shape of the secret tokens in client links (bookings, orders, payments): what we
generate, what a URL may carry and what a lookup accepts, so the three can never disagree."""
import re
import secrets

# secrets.token_urlsafe(32): 256 random bits as 43 URL-safe base64 characters. Accepted: 16 to 64
# of them (64 is the token columns' max_length), so a wrong-length token is unknown, not an error.
TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,64}"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def new_token() -> str:
    """256 random bits, URL-safe: the only key a client has to a booking or an order."""
    return secrets.token_urlsafe(32)


def looks_like_token(value: str | None) -> bool:
    """True when `value` has a token's shape; anything else (a NUL byte breaks PostgreSQL) is
    simply unknown and never reaches the database."""
    return bool(value) and _TOKEN_RE.fullmatch(value) is not None
