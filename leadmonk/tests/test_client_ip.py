"""The client's address (leadmonk/client_ip.py): the connection's when no proxy is trusted, else the
X-Forwarded-For entry TRUSTED_PROXY_COUNT places from the right; what the client wrote left of it,
or a header that is short or garbled, never decides."""
import pytest
from django.conf import settings as project_settings
from django.test import RequestFactory

from leadmonk.client_ip import client_ip

PROXY = "10.0.0.2"  # the load balancer: the connection's address behind it


def _request(forwarded: str | None = None, remote: str = PROXY):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_django_axes_reads_the_same_address():
    from axes.helpers import get_client_ip_address

    assert project_settings.AXES_CLIENT_IP_CALLABLE == "leadmonk.client_ip.client_ip"
    assert get_client_ip_address(_request("198.51.100.7", remote="203.0.113.5")) == "203.0.113.5"


def test_with_no_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("198.51.100.7", remote="203.0.113.5")) == "203.0.113.5"
    assert client_ip(_request(remote="203.0.113.5")) == "203.0.113.5"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request("203.0.113.5")) == "203.0.113.5"
    # The client wrote the first two entries itself; our proxy appended the last.
    assert client_ip(_request("1.1.1.1, 8.8.8.8,203.0.113.5")) == "203.0.113.5"
    assert client_ip(_request("2001:db8::1")) == "2001:db8::1"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    # client-written, client (appended by the first proxy), first proxy (appended by the second)
    assert client_ip(_request("1.1.1.1, 203.0.113.5, 10.0.0.1")) == "203.0.113.5"
    assert client_ip(_request("203.0.113.5, 10.0.0.1")) == "203.0.113.5"


@pytest.mark.parametrize("forwarded", [
    None,  # the proxy did not set the header
    "",
    "203.0.113.5",  # one entry where two proxies should have written two
    "not-an-address, 10.0.0.1",
    "203.0.113.5:4711, 10.0.0.1",
    "<script>, 10.0.0.1",
    ", 10.0.0.1",
])
def test_a_short_or_garbled_header_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request(forwarded)) == PROXY


def test_no_address_at_all_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(remote="")) is None
