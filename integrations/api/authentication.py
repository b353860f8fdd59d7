"""``Authorization: Token <key>`` against revocable, hashed tokens."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from integrations.models import ApiToken, hash_token

log = logging.getLogger(__name__)


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "This token has expired: make a new one."
    default_code = "token_expired"


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing; the key is looked up by its SHA-256, revoked ones refused.

    Listed before session authentication so that an anonymous call answers 401
    with ``WWW-Authenticate: Token`` (DRF answers 403 when the first class has
    no authenticate header).
    """

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        found = super().authenticate(request)
        # Here rather than in each view's permissions: every view, whatever
        # permission classes it lists, authenticates through this class.
        read_only = found is not None and found[1].scope == ApiToken.Scope.READ
        if read_only and request.method not in SAFE_METHODS:
            # Imported here: the errors module imports DRF's views, which
            # import the authentication classes of the settings (this one).
            from core.api.errors import ApiError

            raise ApiError(403, "token_read_only", "This token may only read: use a write token.")
        return found

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        try:
            token = ApiToken.objects.select_related("user").get(key_hash=hash_token(key))
        except ApiToken.DoesNotExist:
            token = None
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        # Compared here, not filtered in the query: an expired token says so.
        if token.expires_at <= now:
            raise TokenExpired()
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        # One write a minute at most, by a task: "last used" is for people, not
        # an audit, and a request need not wait for it (nor count it).
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            _touch(token, now)
        return token.user, token


# Tokens this process asked to touch, and when. Until the task has run, the
# token read from the database still looks unused for a minute; without this,
# every request of that minute would queue a task of its own (with the worker
# behind, or the broker down, every request of the token).
_asked: dict[int, float] = {}
_ASKED_LIMIT = 10_000


def _touch(token: ApiToken, now: datetime) -> None:
    from integrations.tasks import touch_token

    moment = now.timestamp()
    if moment - _asked.get(token.pk, float("-inf")) < 60:
        return
    if len(_asked) >= _ASKED_LIMIT:
        _asked.clear()
    _asked[token.pk] = moment
    try:
        touch_token.delay(token.pk, now.isoformat())
    except Exception:
        # No broker: write it here rather than lose it.
        log.warning("could not enqueue the last use of token %s", token.pk, exc_info=True)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def token_of(request: Request) -> ApiToken | None:
    auth = request.auth
    return auth if isinstance(auth, ApiToken) else None
