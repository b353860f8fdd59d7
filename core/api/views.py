"""The base of every API view: errors, idempotent POSTs, the viewer."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.api.errors import error_body
from integrations import idempotency


class ApiView(generics.GenericAPIView):
    """Wraps POST handlers in the ``Idempotency-Key`` protocol.

    The key is claimed after authentication, throttling and permissions
    (``initial``) and its answer stored when the response is final, errors
    included, so a repeat sees exactly what the first request saw.
    """

    _claim: Any = None

    @property
    def viewer(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """DRF's ``initial`` with the throttles before the permission check, so that
        anonymous floods get 429 and not an endless stream of 401s."""
        self._claim = None
        self.format_kwarg = self.get_format_suffix(**kwargs)
        renderer, media_type = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = renderer, media_type
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        try:
            self.perform_authentication(request)
        except exceptions.APIException:
            # A wrong, revoked or expired token (or a read token's write): counted
            # against the client's address before the 401/403, so that guessing
            # tokens is throttled like any anonymous flood.
            self.check_throttles(request)
            raise
        self.check_throttles(request)
        self.check_permissions(request)
        if request.method == "POST":
            self._claim = idempotency.begin(request)

    def answer_to_keep(self, body: Any) -> Any:
        """What the ``Idempotency-Key`` keeps of an answer: a view whose answers
        carry a secret leaves it out (the key's row is no place for secrets)."""
        return body

    def answer_to_replay(self, body: Any) -> Any:
        """The kept answer as a repeat gets it (the view puts back what it left out)."""
        return body

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, idempotency.Replay):
            response = Response(self.answer_to_replay(exc.body), status=exc.status)
            response["Idempotent-Replayed"] = "true"
            return response
        if isinstance(exc, idempotency.IdempotencyRefused):
            return Response(error_body(exc.code, exc.detail), status=exc.status)
        try:
            return super().handle_exception(exc)
        except BaseException:
            # A crash (a 500): free the key so that a retry runs again.
            claim, self._claim = self._claim, None
            if claim is not None:
                idempotency.finish(claim, 500, None)
            raise

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        claim, self._claim = self._claim, None
        if claim is not None:
            body = getattr(response, "data", None)
            idempotency.finish(claim, response.status_code, self.answer_to_keep(body))
        return super().finalize_response(request, response, *args, **kwargs)
