"""The framework floor: the least a Django view on this server and these settings can cost."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def floor(request: HttpRequest) -> HttpResponse:
    # The full middleware stack runs, as for every page; the view itself does nothing.
    return HttpResponse(b"ok", content_type="text/plain")
