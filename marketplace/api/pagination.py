"""DRF page-number pagination with the marketplace's envelope and limits.

``?page=`` is 1-based, ``?page_size=`` defaults to 20. A page size above 100 is clamped
to 100 (the envelope reports the size used) rather than refused, so a client asking for
"everything" still gets a bounded answer. Where DRF's own ``PageNumberPagination`` would
silently fall back to the default for a bad ``page_size`` and answer 404 for a page past
the end, this one answers 400 naming the parameter, and an empty ``results`` list with
the real ``count``, so a client can tell "no more" from "bad request". The queries are
DRF's (Django's ``Paginator``): one COUNT, one SELECT for the page.
"""

from __future__ import annotations

from collections import OrderedDict

from django.core.paginator import Paginator
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Far beyond any real page, small enough that the OFFSET never overflows a bigint.
MAX_PAGE = 10_000_000


def _positive_int(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text[:18]) < 1:
        raise ValidationError({name: [f"{name} must be a positive integer, got {raw[:40]!r}"]})
    # Python refuses to parse integers of thousands of digits; they are "huge" either way.
    return int(text) if len(text) <= 18 else 10**18


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        size = _positive_int(request.query_params, self.page_size_query_param, self.page_size)
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self.get_page_size(request)
        self.number = _positive_int(request.query_params, self.page_query_param, 1)
        if self.number > MAX_PAGE:
            raise ValidationError({"page": [f"page must be at most {MAX_PAGE}"]})
        paginator = Paginator(queryset, self.size)
        self.count = paginator.count
        if self.number > max(paginator.num_pages, 1):
            return []
        self.page = paginator.page(self.number)
        return list(self.page)

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict(count=self.count, page=self.number, page_size=self.size, results=data)
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["count", "page", "page_size", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "page": {"type": "integer", "example": 1},
                "page_size": {"type": "integer", "example": DEFAULT_PAGE_SIZE},
                "results": schema,
            },
        }
