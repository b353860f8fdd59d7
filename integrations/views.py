"""The account pages of the API: tokens (create, revoke) and, for sellers, webhooks."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from disputes.errors import DisputeError
from integrations.forms import EndpointForm, TokenForm
from integrations.models import ApiToken, WebhookEndpoint
from integrations.tokens import token_issue, token_revoke
from integrations.webhooks.selectors import deliveries_for
from integrations.webhooks.services import endpoint_create, endpoint_disable, replay


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# never_cache: the page shows a new token's key, and the webhooks page the
# signing secrets; no cache (nor the browser's back button) may keep them.
@never_cache
@login_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    """The viewer's API tokens; a new key is shown once, on the page that created it."""
    user = _user(request)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = token_issue(
            user=user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
    return render(
        request,
        "integrations/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_key": new_key,
            "token_days": settings.API_TOKEN_DAYS,
        },
        # An invalid form is a 400, which leaves its one-time key usable
        # (disputes_site/once.py); a new token's page is the 200.
        status=400 if request.method == "POST" and new_key is None else 200,
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not token_revoke(user=_user(request), token_id=pk):
        raise Http404("No such token.")
    messages.success(request, _("The token is revoked: calls with it now answer 401."))
    return redirect("integrations:tokens")


def _seller(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_seller:
        raise Http404("Webhooks are for sellers.")
    return user


@never_cache
@login_required
def webhooks_view(request: HttpRequest) -> HttpResponse:
    """The seller's endpoints (with their signing secrets) and the delivery log."""
    seller = _seller(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint_create(seller=seller, **form.cleaned_data)
        except DisputeError as exc:
            form.add_error("url", exc.message)
        else:
            messages.success(request, _("The endpoint is registered."))
            return redirect("integrations:webhooks")
    endpoints = WebhookEndpoint.objects.filter(seller=seller, is_active=True)
    page = Paginator(deliveries_for(seller), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/webhooks.html",
        {"form": form, "endpoints": endpoints, "page": page},
        # Only an invalid form comes back here: a 400 leaves its one-time key usable.
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def endpoint_disable_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not endpoint_disable(seller=_seller(request), endpoint_id=pk):
        raise Http404("No such endpoint.")
    messages.success(request, _("The endpoint is removed; nothing more is sent to it."))
    return redirect("integrations:webhooks")


@login_required
@require_POST
def delivery_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    if replay(seller=_seller(request), delivery_id=pk) is None:
        raise Http404("No such delivery.")
    messages.success(request, _("The delivery is sent again."))
    return redirect("integrations:webhooks")
