"""allauth's adapter: our client address, and the account lockout on the web login."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

from accounts import lockout
from disputes_site.client_address import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits count by this; allauth would otherwise read
        # X-Forwarded-For by a setting of its own.
        return client_address(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # The lock's own message rather than "wrong password" (the backends
        # refuse a locked account anyway, accounts/lockout.py).
        login = credentials.get("email") or credentials.get("username") or ""
        try:
            lockout.check(login)
        except lockout.AccountLocked as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        super().pre_authenticate(request, **credentials)

    def set_password(self, user: Any, password: str) -> None:
        # A password reset (or change) lifts the lock: whoever guessed at the
        # old password has nothing left to guess.
        super().set_password(user, password)
        lockout.clear("", account_id=user.pk)
