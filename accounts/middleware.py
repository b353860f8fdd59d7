from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role

# Paths a mediator without an authenticator may still reach: the login and
# MFA set-up pages themselves, logout, and the static files they need.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz")


class MediatorMFARequiredMiddleware:
    """With MEDIATOR_MFA_REQUIRED on, a mediator must set up TOTP before anything else.

    Mediators decide where money goes, so a stolen password alone must not be
    enough to act as one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MEDIATOR_MFA_REQUIRED and self._must_enrol(request):
            messages.warning(
                request,
                _(
                    "Mediators must use two-factor authentication. Set up an authenticator app to continue."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or user.role != Role.MEDIATOR:
            return False
        if request.path.startswith(_ALLOWED_PREFIXES):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
