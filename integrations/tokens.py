"""API tokens: issued by password (``POST auth/token/``) or from the account page, revocable."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from integrations.models import ApiToken, hash_token, new_token_key


def token_issue(
    *, user: User, name: str = "", scope: str = ApiToken.Scope.WRITE
) -> tuple[ApiToken, str]:
    """A new token for ``user``; the key is returned once and only its hash is kept.

    It expires ``API_TOKEN_DAYS`` from now (the model's default).
    """
    key = new_token_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        key_hash=hash_token(key),
        prefix=key[:8],
        scope=ApiToken.Scope(scope),
    )
    return token, key


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False when there is no such active token of theirs."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def user_has_mfa(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).exists()
