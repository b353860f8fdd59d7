"""``POST /api/v1/auth/token/`` with ``{"email", "password"}`` answers ``{"token"}``.

A password door like the web login: the same lockout per account
(``accounts.lockout``), answered 429 ``account_locked`` with ``Retry-After``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import lockout
from core.api.errors import ApiError, ErrorSerializer
from core.api.throttling import TokenLoginThrottle
from core.api.views import ApiView
from disputes.api.fields import Text
from integrations.models import ApiToken
from integrations.tokens import token_issue, user_has_mfa


class TokenRequest(serializers.Serializer):
    email = Text(max_length=254)
    password = Text(max_length=128, trim_whitespace=False)
    # "write" unless asked: clients written before scopes existed keep working.
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices,
        default=ApiToken.Scope.WRITE,
        help_text="`read`: the token may only read (any POST answers 403 `token_read_only`).",
    )


class TokenAnswer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it back as `Authorization: Token <token>`.")
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    expires_at = serializers.DateTimeField(help_text="After this the token answers 401.")


class TokenView(ApiView):
    """Password in, token out. The key is shown once; revoke it from the account page.

    No Idempotency-Key here: the answer is a secret, and secrets are never stored.
    Accounts with two-factor authentication create their tokens on the account
    page, where they logged in with their second factor.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenLoginThrottle]
    serializer_class = TokenRequest

    @extend_schema(
        summary="Get an API token with an email and a password",
        request=TokenRequest,
        responses={200: TokenAnswer, 400: ErrorSerializer, 429: ErrorSerializer},
        description=(
            "429 with `throttled` (too many attempts from this address) or `account_locked` "
            "(too many wrong passwords for this account, whatever the address); both send "
            "`Retry-After`."
        ),
        examples=[
            OpenApiExample(
                "Demo buyer",
                request_only=True,
                value={"email": "buyer@example.com", "password": "demo12345"},
            ),
            OpenApiExample(
                "A token",
                response_only=True,
                value={
                    "token": "q0VZ3g2Jd…",
                    "scope": "write",
                    "expires_at": "2027-03-04T12:00:00Z",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        email = lockout.normalise(data.validated_data["email"])
        # The lock's own answer (the backends would refuse a locked account
        # anyway, as a wrong password).
        lockout.check(email)
        user = authenticate(request._request, email=email, password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise ApiError(400, "invalid_credentials", "The email address or password is wrong.")
        if settings.MEDIATOR_MFA_REQUIRED and user.is_mediator and not user_has_mfa(user):
            # The pages make such a mediator enrol first; a token must not skip that.
            raise ApiError(
                400,
                "mfa_setup_required",
                "Mediators must set up two-factor authentication first, on the website.",
            )
        if user_has_mfa(user):
            raise ApiError(
                400,
                "mfa_required",
                "This account uses two-factor authentication: create a token on your account page.",
            )
        token, key = token_issue(user=user, name="API login", scope=data.validated_data["scope"])
        answer = {"token": key, "scope": token.scope, "expires_at": token.expires_at}
        # A secret: no cache on the way, nor the client's, may keep it.
        return Response(TokenAnswer(answer).data, headers={"Cache-Control": "no-store"})
