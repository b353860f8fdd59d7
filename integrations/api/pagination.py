"""Page numbers for lists, cursors for the timeline and the thread (SPEC section 9)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PageNumbers(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class EventCursor(CursorPagination):
    """Oldest first, by the event's place in its dispute's chain."""

    ordering = "seq"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MessageCursor(CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
