"""What the API tests share: a key for an owner and a client that sends it."""
import json

from rest_framework.test import APIClient

from api.models import ApiKeyScope
from api.services import api_key_create


def key_for(owner, scope: str = ApiKeyScope.READ_WRITE, name: str = "Tests") -> str:
    return api_key_create(owner=owner, name=name, scope=scope).key


def api_client(key: str | None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def post(client: APIClient, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def problem(response) -> dict:
    """The problem+json body of an error answer (and that it is one)."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    return body
