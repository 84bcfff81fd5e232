"""The client's IP address, read in this one place for the login lockout (django-axes, through
AXES_CLIENT_IP_CALLABLE) and the per-IP rate limits (leadmonk/throttle.py).

Behind TRUSTED_PROXY_COUNT proxies, each proxy appends the address it was connected from to
X-Forwarded-For, so the last TRUSTED_PROXY_COUNT entries are ours and the one the first of our
proxies appended, at index -TRUSTED_PROXY_COUNT, is the client's. Everything left of it was written
by the client and is never read. With 0 the header is ignored: the connection's address is the client.
"""
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(value: str) -> str | None:
    """`value` as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; the connection's (REMOTE_ADDR) when no proxy is trusted or the header
    our proxies should have written is missing, too short or not an address. None when there is no
    address at all (a Unix socket without a proxy)."""
    remote = _ip(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count:
        return remote
    return _ip(entries[-count]) or remote
