"""Requests holding what would make the database fail are refused with a 400
and a plain message, before any view builds a query from them (not a 500).

PostgreSQL text cannot hold a NUL character: compared with a column, one makes
the driver raise. Two places reach the database with no form in between:
- the address's path: every ``<str:reference>`` of the pages is looked up as
  it is (``/disputes/DSP%00/``); the API is left to answer its own 404 for an
  id that cannot exist (tests/api/test_permissions.py);
- the admin, which builds its queries from whatever the query string says
  (each list filter's parameter, the search box, the date hierarchy) and from
  its forms: a NUL anywhere in its query string or form data is refused, and
  so is a date-hierarchy part (``…__year``, ``…__month``, ``…__day``) that is
  not a small whole number (a 20-digit year overflows the date it becomes).
The pages' own search boxes and forms answer with a message next to their
field instead (disputes_site/search.py, Django's form fields); the API's parser
checks JSON bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from disputes_site.search import any_nul, has_nul

_DATE_PART = re.compile(r"__(?:year|month|day)\Z")
_SMALL_NUMBER = re.compile(r"[0-9]{1,4}\Z")  # ASCII digits only ("\d" takes others)


def _admin_refusal(request: HttpRequest) -> str | None:
    if any_nul(request.GET) or (request.method == "POST" and any_nul(request.POST)):
        return _("The request contains a NUL character (\\0); remove it and try again.")
    for name, values in request.GET.lists():
        if _DATE_PART.search(name) and not all(map(_SMALL_NUMBER.match, values)):
            return _("%(name)s must be a whole number of at most four digits.") % {"name": name}
    return None


def refusal(request: HttpRequest) -> str | None:
    """Why the request is refused, or None."""
    if has_nul(request.path) and not request.path.startswith("/api/"):
        return _("The address contains a NUL character (\\0); remove it and try again.")
    if request.path.startswith(reverse("admin:index")):
        return _admin_refusal(request)
    return None


class RefuseUnstorableInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = refusal(request)
        if reason is None:
            return self.get_response(request)
        return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")
