"""The API's JSON parser: hostile bodies answer 400, never 500.

DRF's parser turns only ``ValueError`` into a 400. Nesting deeper than the
interpreter's recursion limit (``"[" * 50000``) makes ``json.load`` raise
``RecursionError``, which would reach the server as a 500; and a NUL in a key
(``"\\u0000"``) is valid JSON that no field validator sees, but PostgreSQL
cannot store it if the data is ever kept whole (idempotency, webhooks).
NULs in values are left to the fields, whose error names the field. A lone
surrogate (``"\\ud800"``) is valid JSON but no text: a field that echoes it in
its error (a choice field's "… is not a valid choice") made the JSON renderer
fail on encoding it, a 500; it is refused here, wherever it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

DEEP = "JSON parse error - the body is nested too deeply."
NUL_KEY = "JSON parse error - a key contains a NUL character (\\u0000)."
SURROGATE = (
    "JSON parse error - the body holds text that is not valid Unicode "
    "(a lone surrogate such as \\ud800)."
)


def _not_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refuse_hostile(data: Any) -> None:
    # Iterative: the data may be as deep as the recursion limit allows.
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in item:
                if "\x00" in key:
                    raise ParseError(NUL_KEY)
                if _not_text(key):
                    raise ParseError(SURROGATE)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and _not_text(item):
            raise ParseError(SURROGATE)


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
        _refuse_hostile(data)
        return data
