"""The API's own description: the OpenAPI 3 schema (/api/v1/schema/, drf-spectacular) and a plain
docs page rendered from it on the server (/api/v1/docs/): no script, no CDN, so it keeps the site's
Content-Security-Policy as it is and reads without JavaScript."""
import functools
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

METHODS = ("get", "post", "put", "patch", "delete")
_CODE = re.compile(r"`([^`]+)`")


def _prose(text: str) -> str:
    """A schema description as HTML: escaped, with its `code` spans as <code>."""
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(text)))  # noqa: S308 - escaped just before


class _SchemaGeneratorOncePerProcess(SchemaGenerator):
    """The schema is the code's, the same for every request but for its language: built once per
    process and language (~50 ms of CPU each time, where rendering it takes ~25), for a version
    the view names by itself and a language of the site's. Anything else (a `?version=` or a
    `?lang=` the site does not know) is built for that request, as before, so no request can
    grow what is kept."""

    def get_schema(self, request=None, public=False):
        language = translation.get_language()
        if self.api_version is not None or language not in _SITE_LANGUAGES or self.urlconf or self.patterns:
            return super().get_schema(request=request, public=public)
        key = (language, public)
        if key not in _BUILT:
            _BUILT[key] = super().get_schema(request=request, public=public)
        return _BUILT[key]


_SITE_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)
# (language, public) -> the schema, built by _SchemaGeneratorOncePerProcess.
_BUILT: dict[tuple[str, bool], dict] = {}


class ApiSchemaView(SpectacularAPIView):
    """The schema is public, like any API's reference: it holds no data."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    generator_class = _SchemaGeneratorOncePerProcess


@functools.cache
def _schema_for_docs() -> dict:
    """The schema is the code's: built once per process (it takes a tenth of a second)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, ref_or_schema: dict) -> dict:
    if "$ref" in ref_or_schema:
        return schema["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def _fields(schema: dict, body: dict | None) -> list[dict]:
    if not body:
        return []
    content = body.get("content", {}).get("application/json", {}).get("schema", {})
    resolved = _resolve(schema, content)
    required = set(resolved.get("required", []))
    rows = []
    for name, prop in resolved.get("properties", {}).items():
        prop = _resolve(schema, prop) if "$ref" in prop else prop
        kind = prop.get("type") or ("one of: " + ", ".join(str(v) for v in prop.get("enum", []) if v)
                                    if prop.get("enum") else "object")
        rows.append({"name": name, "type": kind, "required": name in required,
                     "description": _prose(prop.get("description", ""))})
    return rows


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    schema = _schema_for_docs()
    sections: dict[str, list[dict]] = {}
    for path, operations in schema["paths"].items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            responses = operation.get("responses", {})
            ok = next((code for code in responses if code.startswith("2")), "200")
            sections.setdefault((operation.get("tags") or ["Other"])[0], []).append({
                "id": operation["operationId"],
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": _prose(operation.get("description", "")),
                "parameters": [{**p, "description": _prose(p.get("description", ""))}
                               for p in operation.get("parameters", []) if p.get("in") == "query"],
                "request_fields": _fields(schema, operation.get("requestBody")),
                "status": ok,
                "writes": method != "get",
            })
    return render(request, "api/docs.html", {
        "sections": sections, "schema_url": reverse("api:schema"), "info": schema["info"],
        "base_url": request.build_absolute_uri("/api/v1/").rstrip("/"),
    })


@require_safe
def api_root(request: HttpRequest) -> HttpResponse:
    """What /api/v1/ answers: where the reference and the schema are."""
    return JsonResponse({"docs": request.build_absolute_uri(reverse("api:docs")),
                         "schema": request.build_absolute_uri(reverse("api:schema"))})
