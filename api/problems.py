"""Every API error as `application/problem+json` (RFC 9457): type, title, status, detail, and
`errors` (field name → messages) for bad input. DRF's own errors (401, 403, 404, 405, 429) and the
services' refusals (DomainError: a time no longer free, no session left) come out the same way."""
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from leadmonk.errors import DomainError
from orders.credits import CreditError
from orders.errors import OrderError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://leadmonk.example/problems/"

TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
}


def problem_response(*, status_code: int, detail: str, kind: str = "", errors: dict | None = None,
                     headers: dict | None = None) -> Response:
    body = {
        "type": TYPE_BASE + (kind or TITLES.get(status_code, "error").lower().replace(" ", "-")),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def _field_errors(data) -> dict:
    """DRF's ValidationError detail as {field: [messages]} (non-field errors under "non_field_errors")."""
    if isinstance(data, dict):
        return {field: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
                if not isinstance(messages, dict) else _field_errors(messages)
                for field, messages in data.items()}
    return {"non_field_errors": [str(m) for m in (data if isinstance(data, list) else [data])]}


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError | OrderError | CreditError):
        # A service refused (the same words the pages show): the request was well-formed, the state
        # does not allow it.
        return problem_response(status_code=status.HTTP_409_CONFLICT, detail=str(exc.message),
                                kind=type(exc).__name__)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 page and the error log
    headers = {name: value for name, value in response.items() if name in ("WWW-Authenticate", "Retry-After",
                                                                             "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(status_code=400, detail="Some fields are not valid; see errors.",
                                errors=_field_errors(exc.detail), headers=headers)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(exc, exceptions.Throttled):
        detail = (f"At most {settings.API_RATE_LIMIT[0]} requests a minute per API key; "
                  f"try again in {exc.wait} seconds.")
    return problem_response(status_code=response.status_code, detail=str(detail), headers=headers)


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a 404 problem, not the site's HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"type": TYPE_BASE + "not-found", "title": "Not found", "status": 404,
                         "detail": f"No API endpoint at {request.path}."},
                        status=404, content_type=PROBLEM_CONTENT_TYPE)
