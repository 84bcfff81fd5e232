"""Cursor pages of the API, on the dashboard lists' keyset pagination (leadmonk.keyset): one index
range scan per page whatever the history, and a cursor that does not parse gives the first page.
`next` and `previous` are full URLs keeping the filters; a view names its sort key."""
from collections import OrderedDict

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from leadmonk.keyset import keyset_page


class NewestFirstCursorPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    cursor_query_description = "`next` or `previous` of the last page (opaque)."

    def paginate_queryset(self, queryset, request, view=None):
        key = getattr(view, "keyset_key", "created_at")
        descending = getattr(view, "keyset_descending", True)
        try:
            size = min(max(int(request.query_params.get("limit", self.page_size)), 1), self.max_page_size)
        except ValueError:
            size = self.page_size
        self.request = request
        self.page = keyset_page(queryset, request.query_params, key=key, descending=descending, size=size)
        return list(self.page)

    def _url(self, query: str) -> str | None:
        if not query:
            return None
        return self.request.build_absolute_uri(self.request.path + "?" + query)

    def get_paginated_response(self, data):
        return Response(OrderedDict([
            ("next", self._url(self.page.next_query)),
            ("previous", self._url(self.page.previous_query)),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "after", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "Cursor: the page after this one (from `next`)."},
            {"name": "before", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "Cursor: the page before this one (from `previous`)."},
            {"name": "limit", "required": False, "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                            "maximum": self.max_page_size},
             "description": "Rows per page (default 50, at most 200)."},
        ]
