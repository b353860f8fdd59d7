"""``POST /api/v1/auth/token/`` with ``{"email", "password"}`` answers ``{"token"}``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from disputes.api.fields import Text
from integrations.api.errors import ApiError, ErrorSerializer
from integrations.api.throttling import TokenLoginThrottle
from integrations.api.views import ApiView
from integrations.tokens import token_issue, user_has_mfa


class TokenRequest(serializers.Serializer):
    email = Text(max_length=254)
    password = Text(max_length=128, trim_whitespace=False)


class TokenAnswer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it back as `Authorization: Token <token>`.")


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
        examples=[
            OpenApiExample(
                "Demo buyer",
                request_only=True,
                value={"email": "buyer@example.com", "password": "demo12345"},
            ),
            OpenApiExample("A token", response_only=True, value={"token": "q0VZ3g2Jd…"}),
        ],
    )
    def post(self, request: Request) -> Response:
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=data.validated_data["email"].strip().lower(),
            password=data.validated_data["password"],
        )
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
        _token, key = token_issue(user=user, name="API login")
        return Response({"token": key})
