"""The logged-in browsers of the tests (conftest.owner_client, tests.personas.log_in) are logged in
exactly as Client.force_login logs in, without its user_logged_in."""
from django.test import Client

from tests import log_in


def _session(client: Client) -> dict:
    return dict(client.session.items())


def test_log_in_writes_the_session_force_login_writes(owner):
    by_force_login, by_log_in = Client(), Client()
    by_force_login.force_login(owner)
    log_in(by_log_in, owner)

    assert _session(by_log_in) == _session(by_force_login)
    assert by_log_in.session.session_key != by_force_login.session.session_key


def test_the_owner_client_is_the_owners_browser(owner, owner_client, client):
    assert owner_client is client
    response = owner_client.get("/dashboard/")

    assert response.status_code == 200
    assert response.wsgi_request.user == owner


def test_the_other_owners_client_is_theirs(other_owner, other_owner_client):
    response = other_owner_client.get("/dashboard/")

    assert response.status_code == 200
    assert response.wsgi_request.user == other_owner
