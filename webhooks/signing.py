"""The signature of a delivery: `Leadmonk-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, each v1 the
HMAC-SHA256 of "<t>.<body>" under one of the endpoint's secrets (the current one, then the one it
replaced while that is still valid: 24 hours after a rotation), as Stripe signs. A receiver
accepts the delivery when any v1 matches its secret and t is recent (README: "Outgoing webhooks")."""
import hashlib
import hmac

HEADER = "Leadmonk-Signature"
# How old a signature a receiver should accept (what verify() allows by default).
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header_value(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)])


def verify(header: str, body: bytes, secret: str, *, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (the README's snippet): True when one v1 is the body's signature
    under `secret` and t is within `tolerance` seconds of `now`."""
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in parts if key == "t"]
    # ASCII digits only, and few: "²" passes isdigit() but not int(), 5,000 digits neither.
    if len(timestamps) != 1 or not (timestamps[0].isascii() and timestamps[0].isdigit()) or len(timestamps[0]) > 18:
        return False
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")
