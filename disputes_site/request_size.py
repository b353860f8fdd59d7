"""A request that announces a body larger than any upload is refused unread.

Django streams uploads to a temporary file and checks their size only once the
file is whole; without this an attacker could make every worker read and write
gigabytes before the evidence service says "too large". The cap is the largest
upload allowed plus a small allowance for the multipart envelope (settings:
REQUEST_BODY_MAX_BYTES). A body sent without Content-Length (chunked) is not
read by Django's WSGI request at all, so the header is what matters.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.api.errors import error_body


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # what Django itself makes of a malformed header


class RefuseOversizedBody:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.REQUEST_BODY_MAX_BYTES
        if _declared_length(request) <= limit:
            return self.get_response(request)
        message = _(
            "The upload is too large: nothing larger than %(limit)s MB is accepted, "
            "and this request was refused before any of it was read."
        ) % {"limit": max(settings.EVIDENCE_MAX_BYTES.values()) // (1024 * 1024)}
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body("file_too_large", message), status=413)
        elif request.headers.get("X-Requested-With") == "XMLHttpRequest":
            # The evidence widget shows the answer next to the file it sent.
            response = HttpResponse(
                render_to_string("evidence/_upload_error.html", {"error": message}), status=413
            )
        else:
            response = HttpResponse(render_to_string("413.html", {"message": message}), status=413)
        return response
