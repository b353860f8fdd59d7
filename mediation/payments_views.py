"""Payments needing attention (SPEC 13.4): the refunds the gateway gave up on,
for the mediation leads to retry (the same idempotency key) or to record as
paid outside the platform, most urgent first, each with its deadline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.seniority import leads_payments
from disputes.errors import DisputeError
from disputes.forms import money
from disputes.models import Refund
from disputes.services.refunds import needing_attention, refund_record_outside, refund_retry
from disputes_site.error_status import status_for

# The list shows this many, the most urgent; the menu's count says how many in all.
LIST_LIMIT = 100


class OutsidePaymentForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Payment reference"),
        max_length=64,
        help_text=gettext_lazy("The bank transfer's or the receipt's reference."),
    )
    amount = money(gettext_lazy("Amount paid"))


def _lead(request: HttpRequest) -> User:
    """The signed-in lead; anyone else is refused (403: the page exists, not for them)."""
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_mediator and leads_payments(user)):
        raise PermissionDenied(_("The payments needing attention are for mediation leads."))
    return user


def _form(pk: int, data: Any = None) -> OutsidePaymentForm:
    return OutsidePaymentForm(data, prefix=f"outside-{pk}")


def _render(
    request: HttpRequest,
    *,
    bound: OutsidePaymentForm | None = None,
    bound_pk: int | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    """The list; ``bound`` is the form that failed (its errors next to its fields),
    ``refusal`` what was refused about a refund that is no longer listed."""
    now = timezone.now()
    refunds = list(needing_attention().select_related("dispute")[:LIST_LIMIT])
    if bound_pk is not None and bound is not None and bound_pk not in {r.pk for r in refunds}:
        refusal = refusal or "; ".join(str(e) for errors in bound.errors.values() for e in errors)
    rows = [
        {
            "refund": refund,
            "overdue": refund.attention_due_at is not None and refund.attention_due_at <= now,
            "form": bound if bound is not None and refund.pk == bound_pk else _form(refund.pk),
        }
        for refund in refunds
    ]
    loaded = getattr(request.user, "_payments_needing_attention", None)
    total = len(refunds) if loaded is None else max(int(loaded), len(refunds))
    return render(
        request,
        "mediation/payments.html",
        {"rows": rows, "total": total, "more": max(total - len(refunds), 0), "refusal": refusal},
        status=status,
    )


@login_required
def payments_view(request: HttpRequest) -> HttpResponse:
    _lead(request)
    return _render(request)


def _refund(pk: int) -> Refund:
    try:
        return Refund.objects.get(pk=pk)
    except Refund.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _lead(request)
    refund = _refund(pk)
    try:
        refund_retry(refund=refund, actor=user)
    except DisputeError as exc:
        return _render(request, refusal=exc.message, status=status_for(exc))
    messages.success(
        request,
        _("The refund of %(amount)s %(currency)s is being tried again (same payment key).")
        % {"amount": refund.amount, "currency": refund.currency},
    )
    return redirect("mediation_payments:list")


@login_required
@require_POST
def outside_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _lead(request)
    refund = _refund(pk)
    form = _form(pk, request.POST)
    if not form.is_valid():
        return _render(request, bound=form, bound_pk=pk, status=400)
    try:
        paid = refund_record_outside(
            refund=refund,
            actor=user,
            reference=form.cleaned_data["reference"],
            amount=form.cleaned_data["amount"],
        )
    except DisputeError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _render(request, bound=form, bound_pk=pk, status=status_for(exc))
    messages.success(
        request,
        _("Recorded: %(amount)s %(currency)s paid outside the platform, reference %(reference)s.")
        % {"amount": paid.amount, "currency": paid.currency, "reference": paid.provider_reference},
    )
    return redirect("mediation_payments:list")
