"""Settings › API: a key is created with a name and a scope, shown once, listed by its prefix with
"last used", and revoked; a form with bad input says what is wrong and creates nothing."""
import hashlib

from django.urls import reverse

from api.models import ApiKey, ApiKeyScope
from api.services import api_key_create

PAGE = "/dashboard/settings/api/"


def test_the_settings_page_links_to_the_api_keys(owner_client):
    html = owner_client.get(reverse("accounts:settings")).content.decode()

    assert f'href="{PAGE}"' in html


def test_a_new_key_is_shown_once_and_stored_only_as_its_hash(owner_client, owner):
    created = owner_client.post(PAGE, {"name": "CRM sync", "scope": ApiKeyScope.READ_WRITE})
    response = owner_client.get(created["Location"])

    html = response.content.decode()
    row = ApiKey.objects.get(owner=owner)
    shown = html.split('id="new-key-value"')[1].split('value="')[1].split('"')[0]
    assert created.status_code == 302 and response.status_code == 200
    assert (row.name, row.scope) == ("CRM sync", ApiKeyScope.READ_WRITE)
    assert hashlib.sha256(shown.encode()).hexdigest() == row.key_hash
    assert "shown only this once" in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    again = owner_client.get(PAGE).content.decode()
    assert shown not in again and row.display_prefix in again
    assert shown not in str(dict(owner_client.session))  # taken out of the session once shown


def test_a_key_without_a_name_is_refused_beside_the_field_and_nothing_is_made(owner_client, owner):
    response = owner_client.post(PAGE, {"name": "  ", "scope": "admin"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Name the key" in html and "Choose read only or read and write." in html
    assert 'label for="id_name"' in html
    assert not ApiKey.objects.exists()


def test_revoke_stops_the_key_and_the_list_says_so(owner_client, owner):
    made = api_key_create(owner=owner, name="Old CRM", scope=ApiKeyScope.READ)

    response = owner_client.post(reverse("api_keys:revoke", args=[made.api_key.pk]), follow=True)

    made.api_key.refresh_from_db()
    assert made.api_key.revoked_at is not None
    assert "was revoked" in response.content.decode()
    assert "Revoked" in response.content.decode()


def test_another_owners_key_cannot_be_revoked(other_owner_client, owner):
    made = api_key_create(owner=owner, name="CRM", scope=ApiKeyScope.READ)

    response = other_owner_client.post(reverse("api_keys:revoke", args=[made.api_key.pk]))

    made.api_key.refresh_from_db()
    assert response.status_code == 404
    assert made.api_key.revoked_at is None
