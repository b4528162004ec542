"""Page-number pagination with one envelope for every list endpoint.

``?page=`` is 1-based, ``?page_size=`` defaults to 20. A page size above 100 is clamped
to 100 (the envelope reports the size used) rather than refused, so a client asking for
"everything" still gets a bounded answer; a page or page size that is not a positive
integer is a 400 naming the parameter. A page past the end is an empty ``results`` list
with the real ``count``, so a client can tell "no more" from "bad request".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from marketplace.api.errors import invalid

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Far beyond any real page, small enough that the OFFSET never overflows a bigint.
_MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _positive_int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text[:18]) < 1:
        raise invalid(name, f"{name} must be a positive integer, got {raw[:40]!r}")
    # Python refuses to parse integers of thousands of digits; they are "huge" either way.
    return int(text) if len(text) <= 18 else 10**18


def page_from(params: Mapping[str, str]) -> Page:
    """The requested page, validated; page_size above the maximum is clamped."""
    number = _positive_int(params, "page", 1)
    if number > _MAX_PAGE:
        raise invalid("page", f"page must be at most {_MAX_PAGE}")
    size = min(_positive_int(params, "page_size", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    return Page(number, size)


def paginate(
    queryset: QuerySet, page: Page, serialize: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """The envelope: one COUNT query, one query for the page, then ``serialize`` per row."""
    count = queryset.count()
    rows = queryset[page.offset : page.offset + page.size]
    return {
        "count": count,
        "page": page.number,
        "page_size": page.size,
        "results": [serialize(row) for row in rows],
    }
