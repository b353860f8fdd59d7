"""The API's JSON parser: hostile bodies answer 400, never 500.

DRF's parser turns only ``ValueError`` into a 400. Nesting deeper than the
interpreter's recursion limit (``"[" * 50000``) makes ``json.load`` raise
``RecursionError``, which would reach the server as a 500; and a NUL in a key
(``"\\u0000"``) is valid JSON that no field validator sees, but PostgreSQL
cannot store it if the data is ever kept whole (idempotency, webhooks).
NULs in values are left to the fields, whose error names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

DEEP = "JSON parse error - the body is nested too deeply."
NUL_KEY = "JSON parse error - a key contains a NUL character (\\u0000)."


def _has_nul_key(data: Any) -> bool:
    # Iterative: the data may be as deep as the recursion limit allows.
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any("\x00" in key for key in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(DEEP) from None
        if _has_nul_key(data):
            raise ParseError(NUL_KEY)
        return data
