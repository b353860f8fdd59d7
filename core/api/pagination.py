"""Page numbers for lists, cursors for the timeline and the thread (SPEC section 9)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination


class StrictPageSize:
    """A ``page_size`` that is not a number from 1 to the maximum is bad input (400),
    not silently replaced by the default."""

    page_size_query_param: str | None = "page_size"
    max_page_size: int | None = 100
    page_size: int | None

    def get_page_size(self, request: Any) -> int:
        name = self.page_size_query_param or "page_size"
        largest = self.max_page_size or 100
        raw = request.query_params.get(name)
        if raw is None:
            return self.page_size or 20
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= largest:
            raise ValidationError({name: [f"A whole number from 1 to {largest}."]})
        return int(raw)


class PageNumbers(StrictPageSize, PageNumberPagination):
    page_size = 20
    max_page_size = 100

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw != "last" and not (raw.isascii() and raw.isdigit()):
            raise ValidationError({self.page_query_param: ["A page number, from 1."]})
        return super().get_page_number(request, paginator)


class EventCursor(StrictPageSize, CursorPagination):
    """Oldest first, by the event's place in its dispute's chain."""

    ordering = "seq"
    page_size = 50
    max_page_size = 200


class MessageCursor(StrictPageSize, CursorPagination):
    ordering = "id"
    page_size = 50
    max_page_size = 200
