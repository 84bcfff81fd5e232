"""Requests to addresses an owner typed in (calendar feeds and CalDAV servers, webhook endpoints)
without letting them point this server at itself or its neighbours (server-side request forgery).

The address is checked where the socket is opened, not before: the host name is resolved once,
every address it resolves to must be public, and the socket connects to that very address, so a
name that answers differently a moment later (DNS rebinding) gains nothing. TLS still checks the
certificate against the host name. Redirects are followed by hand, each one checked the same way.
Bodies are streamed and cut at `max_bytes`; every request has a timeout. Whether private addresses
are allowed (development, the test servers) is the caller's setting: CALENDAR_ALLOW_PRIVATE_ADDRESSES,
WEBHOOK_ALLOW_PRIVATE_ADDRESSES.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

TIMEOUT = (5, 20)  # connect, read (seconds)
MAX_REDIRECTS = 3


class FetchError(Exception):
    """An address could not be reached or read; the message says why in the owner's words."""


class AddressRefused(FetchError):
    pass


def check_url(url: str) -> str:
    """The address itself, or FetchError when it is not an http(s) address with a host."""
    try:
        parts = urlsplit(url.strip())
        hostname, _port = parts.hostname, parts.port  # .port raises on a port that is not a number
    except ValueError as error:
        raise FetchError("That is not a valid address.") from error
    if parts.scheme not in ("http", "https") or not hostname:
        raise FetchError("Enter an address that starts with https:// (or http://).")
    return url.strip()


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local (169.254.169.254, the cloud metadata
    # address, among them), shared (100.64/10), reserved and unspecified addresses.
    return ip.is_global and not ip.is_multicast


def public_address(host: str, port: int, *, allow_private: bool = False) -> str:
    """One address of `host` to connect to; AddressRefused when any address it resolves to is not
    public (unless `allow_private`, for development and the test servers)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"The server {host} could not be found.") from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(f"The server {host} could not be found.")
    if not allow_private and not all(_allowed(address) for address in addresses):
        raise AddressRefused("That address points at a private or local network; use a public address.")
    return addresses[0]


class _CheckedConnectionMixin:
    allow_private = False

    def _new_conn(self):
        # Resolve and check here, at connect time, then connect to the checked address itself.
        self._dns_host = public_address(self.host, self.port, allow_private=self.allow_private)
        return super()._new_conn()


class _CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    pass


class _LooseHTTPConnection(_CheckedHTTPConnection):
    allow_private = True


class _LooseHTTPSConnection(_CheckedHTTPSConnection):
    allow_private = True


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _LooseHTTPPool(HTTPConnectionPool):
    ConnectionCls = _LooseHTTPConnection


class _LooseHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _LooseHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def __init__(self, *args, allow_private: bool = False, **kwargs):
        self.allow_private = allow_private
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        if self.allow_private:
            pools = {"http": _LooseHTTPPool, "https": _LooseHTTPSPool}
        else:
            pools = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}
        self.poolmanager.pool_classes_by_scheme = pools
        self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)


def session(*, allow_private: bool = False) -> requests.Session:
    checked = requests.Session()
    checked.trust_env = False  # no proxy from the environment: the check must see the real peer
    adapter = _CheckedAdapter(max_retries=0, allow_private=allow_private)
    checked.mount("http://", adapter)
    checked.mount("https://", adapter)
    return checked


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict
    body: bytes
    url: str


def request(method: str, url: str, *, allow_private: bool, max_bytes: int, too_big: str,
            headers: dict | None = None, data: bytes | None = None, auth: tuple[str, str] | None = None,
            follow: bool = True, timeout: tuple[float, float] = TIMEOUT, truncate: bool = False,
            deadline: float | None = None) -> Response:
    """One request through the checked session, redirects followed by hand (each checked), the
    body cut at `max_bytes` (FetchError(too_big) beyond, or, with `truncate`, its first `max_bytes`
    kept). `timeout` bounds each connect and each read; `deadline` (seconds) the whole body, so a
    server that trickles its answer cannot hold the caller. FetchError for anything that went
    wrong on the way."""
    url = check_url(url)
    give_up_at = time.monotonic() + deadline if deadline is not None else None
    limit = max_bytes
    with session(allow_private=allow_private) as http:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response = http.request(method, url, headers=headers, data=data, auth=auth, timeout=timeout,
                                        stream=True, allow_redirects=False)
            except FetchError:
                raise
            except requests.exceptions.ConnectionError as error:
                cause = error.__context__
                while cause is not None:
                    if isinstance(cause, FetchError):
                        raise cause from None
                    cause = cause.__context__
                raise FetchError("The server could not be reached.") from error
            except requests.exceptions.Timeout as error:
                raise FetchError("The server took too long to answer.") from error
            except requests.exceptions.RequestException as error:
                raise FetchError("The address could not be read.") from error
            with response:
                if follow and response.is_redirect and response.headers.get("Location"):
                    url = check_url(urljoin(url, response.headers["Location"]))
                    continue
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > limit and not truncate:
                    raise FetchError(too_big)
                body = bytearray()
                try:
                    for chunk in response.iter_content(64 * 1024):
                        body += chunk
                        if len(body) > limit:
                            if truncate:
                                del body[limit:]
                                break
                            raise FetchError(too_big)
                        if give_up_at is not None and time.monotonic() > give_up_at:
                            raise FetchError("The server took too long to answer.")
                except requests.exceptions.RequestException as error:
                    raise FetchError("The server stopped answering part way.") from error
                return Response(response.status_code, dict(response.headers), bytes(body), url)
    raise FetchError("The address redirects too many times.")
