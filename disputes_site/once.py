"""Page forms act once (issue 13): a double click, a reload or back-and-resubmit
of a form that changes something has one effect, and the repeat answers with
the first submission's result.

Every changing page form carries a one-time key (``{% once_key %}``, a hidden
``once_key`` field; the evidence widget sends it as the ``X-Once-Key`` header).
The key is signed for the user who was shown the form and dated, so a key made
for someone else, or older than ``ONCE_KEY_HOURS``, is refused; a POST to a page
without one is refused too, so that no form can forget it. The middleware claims
the key in the cache with an atomic set-if-absent (Redis ``SET NX``: one round
trip, no database query) before the view runs:

- a success (any answer below 400) keeps its result for as long as the key is
  valid: a redirect's location, a fragment's body for htmx / XHR requests; a
  full page or a file is answered again by a redirect to the form's page
  (``GET``), which shows the state the first submission left;
- a refusal (400 for an invalid form, 403, 404) or a server error releases the
  key: nothing happened, so the corrected form may be sent with the same key;
- a repeat that arrives while the first is running waits for its result
  (``IDEMPOTENCY_WAIT_SECONDS``), and otherwise answers 409; it never runs.

The API is not concerned (it keeps its ``Idempotency-Key``), nor allauth's
forms (login, signup, password: none changes the record, and logging in twice
is harmless), nor the admin (staff tooling with its own confirmations).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

FIELD = "once_key"
HEADER = "X-Once-Key"
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Not page forms: the API (Idempotency-Key), allauth's account forms, the admin.
EXEMPT_PREFIXES = ("/api/", "/accounts/", "/admin/")
# A widget sending several files from one page adds a suffix of its own per file
# to the page's signed key ("<signed>.<suffix>"): one signature, one key per file.
_SUFFIX = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Fragments answered to htmx / XHR are kept to answer a repeat; pages are not.
MAX_KEPT_BODY = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PENDING = "pending"


class OnceRefused(Exception):
    """The key is missing, not this user's, too old, or another form's."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _signer(user_pk: object) -> signing.TimestampSigner:
    # Salted with the user: a key shown to one person is worth nothing to another.
    return signing.TimestampSigner(salt=f"disputes_site.once:{user_pk}")


def mint_key(user_pk: object) -> str:
    """A fresh key for one form shown to this user."""
    return _signer(user_pk).sign(secrets.token_urlsafe(12))


def check_key(user_pk: object, key: str) -> None:
    """Raise ``OnceRefused`` unless ``key`` was made for this user and is still valid."""
    signed, _dot, suffix = key.partition(".")
    if suffix and not _SUFFIX.match(suffix):
        raise OnceRefused(400, _("This form's one-time key is malformed: reload the page."))
    try:
        _signer(user_pk).unsign(signed, max_age=settings.ONCE_KEY_HOURS * 3600)
    except signing.SignatureExpired as exc:
        raise OnceRefused(
            400, _("This form is too old: reload the page and send it again.")
        ) from exc
    except signing.BadSignature as exc:
        raise OnceRefused(
            400, _("This form was not made for you (or has changed): reload the page.")
        ) from exc


def _cache_key(user_pk: object, key: str) -> str:
    return f"once:{user_pk}:{hashlib.sha256(key.encode()).hexdigest()}"


def _submitted_key(request: HttpRequest) -> str:
    # The header first: the evidence widget's uploads then never have their
    # multipart body parsed here, before the view.
    key = request.headers.get(HEADER) or request.POST.get(FIELD) or ""
    return key.strip()


def applies_to(request: HttpRequest) -> bool:
    return (
        request.method in CHANGING_METHODS
        and not request.path.startswith(EXEMPT_PREFIXES)
        and request.user.is_authenticated
    )


def _is_fragment_request(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _result(request: HttpRequest, response: HttpResponseBase) -> dict[str, Any]:
    """What a repeat answers: the same redirect, the same fragment, or the form's page."""
    if response.status_code in _REDIRECTS and response.has_header("Location"):
        return {"status": response.status_code, "location": response["Location"]}
    if (
        _is_fragment_request(request)
        and isinstance(response, HttpResponse)
        and not response.streaming
        and len(response.content) <= MAX_KEPT_BODY
    ):
        return {
            "status": response.status_code,
            "body": response.content.decode(response.charset or "utf-8", "replace"),
            "content_type": response.get("Content-Type", "text/html; charset=utf-8"),
        }
    # A full page (a new token shown once) or a file (the case file) is not
    # kept: the repeat goes to the form's page, which shows what the first did.
    return {"status": 303, "location": request.get_full_path()}


def _replay(request: HttpRequest, result: dict[str, Any]) -> HttpResponseBase:
    if "body" in result:
        return HttpResponse(
            result["body"], status=result["status"], content_type=result["content_type"]
        )
    messages.info(request, _("This form was already sent; here is what it did."))
    response = HttpResponseRedirect(result["location"])
    response.status_code = result["status"]
    return response


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    template = (
        "forms/_once_refused.html" if _is_fragment_request(request) else "forms/once_refused.html"
    )
    return render(request, template, {"error": message}, status=status)


class PageFormsActOnce:
    """Claims each changing page POST's one-time key; see the module's docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not applies_to(request):
            return self.get_response(request)
        user_pk = request.user.pk
        key = _submitted_key(request)
        if not key:
            return _refusal(
                request,
                400,
                _("This form has no one-time key, so it could act twice: reload the page."),
            )
        try:
            check_key(user_pk, key)
            claim = self._claim(request, _cache_key(user_pk, key))
        except OnceRefused as exc:
            return _refusal(request, exc.status, exc.message)
        if claim is not None:
            return _replay(request, claim)
        return self._run(request, _cache_key(user_pk, key))

    def _claim(self, request: HttpRequest, name: str) -> dict[str, Any] | None:
        """None when this request holds the key now; else the first one's result."""
        deadline = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
        pending = {"path": request.path, "state": _PENDING}
        while True:
            # SET NX: of two concurrent submissions exactly one gets the key. The
            # claim lapses on its own if the process holding it dies.
            if cache.add(name, pending, timeout=settings.IDEMPOTENCY_STALE_SECONDS):
                return None
            earlier = cache.get(name)
            if earlier is None:
                continue  # released in between (the first was refused): claim it again
            if earlier["path"] != request.path:
                raise OnceRefused(
                    409, _("This form's key was used by another form: reload the page.")
                )
            if earlier["state"] != _PENDING:
                return earlier["result"]
            if time.monotonic() >= deadline:
                raise OnceRefused(
                    409, _("This form is still being processed: wait a moment and reload.")
                )
            time.sleep(0.05)

    def _run(self, request: HttpRequest, name: str) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        except BaseException:
            cache.delete(name)
            raise
        if response.status_code >= 400:
            # Nothing happened (an invalid form, a refusal, an error): the key
            # stays usable, so the corrected form is sent again as it is.
            cache.delete(name)
        else:
            cache.set(
                name,
                {"path": request.path, "state": "done", "result": _result(request, response)},
                timeout=settings.ONCE_KEY_HOURS * 3600,
            )
        return response
