"""What the API tests share: a key for an owner and a client that sends it."""
import json

from openapi_schema_validator import OAS30Validator
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


def schema_errors(schema: dict, path: str, body, *, method: str = "get", status: str = "200") -> list[str]:
    """What in `body` (an answer of `method` on `path`, as the schema names it: /api/v1/orders/{id}/)
    the OpenAPI schema's description of that answer does not allow; [] when it all fits."""
    shape = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    validator = OAS30Validator({**shape, "components": schema["components"]})
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]
