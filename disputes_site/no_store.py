"""Pages of allauth that show a secret are never kept by a browser or a proxy.

The authenticator app's set-up page shows the TOTP shared secret (as text and as
a QR code), and the recovery codes are secrets too. allauth sends
``no-store`` on some of them only; every page under its two-factor prefix gets
it here (our own pages with secrets say so themselves: ``never_cache``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


@cache
def _prefix() -> str:
    # "/accounts/2fa/": the folder of allauth.mfa's pages, wherever it is mounted.
    return reverse("mfa_index")


class TwoFactorPagesNotStored:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(_prefix()):
            add_never_cache_headers(response)
        return response
