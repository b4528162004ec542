"""Two hooks DRF leaves to the project: the JSON parser and the exception handler.

Both only turn failures a client can cause into DRF's JSON 400 instead of a 500 or
Django's HTML error page: JSON nested deeper than Python's recursion limit, and a body
larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers, views
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = ParseError("request body is too large")
    return views.exception_handler(exc, context)
