"""Every API error as JSON: ``{"code", "detail", "errors"}`` (SPEC section 9).

``code`` is stable, ``detail`` is for people, ``errors`` maps a field to its
messages for bad input. Domain errors (``disputes.errors``) keep their codes
and statuses: 409 for a transition not allowed now or lost to a concurrent
one, 404 for a case that is not the viewer's.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from disputes.errors import DisputeError
from disputes_site.error_status import status_for

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An API answer with a code of its own (idempotency, authentication)."""

    def __init__(self, status_code: int, code: str, detail: str) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.code = code


def error_body(code: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def _flatten(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as ``{"field": ["message", …]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            out[prefix or "non_field_errors"] = [str(item) for item in data]
        else:
            for index, item in enumerate(data):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(data)]
    return out


CODES_BY_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "file_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DisputeError):
        status_code = status_for(exc)
        errors = {exc.field: [exc.message]} if exc.field and status_code == 400 else None
        detail = "Not found." if status_code == 404 else exc.message
        code = "not_found" if status_code == 404 else exc.code
        answer = Response(error_body(code, detail, errors), status=status_code)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            # A lock that ends (accounts.lockout.AccountLocked): when to try again.
            answer["Retry-After"] = str(retry_after)
        return answer
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, ApiError):
        response.data = error_body(exc.code, str(exc.detail))
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()))[0] if errors else "Invalid input."
        response.data = error_body("invalid", first, errors)
        return response
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # 401 always: the token class comes first and sets WWW-Authenticate.
        response.status_code = status.HTTP_401_UNAUTHORIZED
        # "not_authenticated", "authentication_failed", or a subclass's own
        # ("token_expired").
        response.data = error_body(exc.default_code, str(exc.detail))
        return response
    code = CODES_BY_STATUS.get(response.status_code, "error")
    text = (
        "; ".join(" ".join(v) for v in _flatten(exc.detail).values())
        if isinstance(exc.detail, dict | list)
        else str(exc.detail)
    )
    response.data = error_body(code, text)
    return response


class ErrorSerializer(serializers.Serializer):
    """The shape of every error answer (for the schema)."""

    code = serializers.CharField(help_text="Stable, for programs: e.g. not_allowed_now, conflict.")
    detail = serializers.CharField(help_text="For people.")
    # Shadows Serializer.errors: this class only describes the answer in the schema.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Bad input: the messages of each field.",
    )


@csrf_exempt  # an answer for any method; nothing is read or written
def not_found_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=404)
