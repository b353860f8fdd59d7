"""The canned-reply library's pages under /mediation/replies/: every mediator reads
it, leads write it (new, edit, retire, put back). Buyers and sellers get 403, as on
the queue: the library is the team's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from disputes.errors import DisputeError
from mediation import canned_services
from mediation.canned import PLACEHOLDERS
from mediation.canned_selectors import library_for
from mediation.forms import CannedReplyForm
from mediation.models import CannedReply


def _mediator(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_mediator or user.is_superuser):
        raise PermissionDenied(_("The canned replies are for mediators."))
    return user


def _lead(request: HttpRequest) -> User:
    user = _mediator(request)
    if not user.is_mediation_lead:
        raise PermissionDenied(_("Only mediation leads change the canned replies."))
    return user


@login_required
def library_view(request: HttpRequest) -> HttpResponse:
    user = _mediator(request)
    return render(
        request,
        "mediation/canned_replies.html",
        {
            "replies": list(library_for(user)),
            "is_lead": user.is_mediation_lead,
            "placeholders": PLACEHOLDERS,
        },
    )


def _form_page(request: HttpRequest, user: User, reply: CannedReply | None) -> HttpResponse:
    initial = {"title": reply.title, "body": reply.body} if reply else None
    form = CannedReplyForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if reply is None:
                canned_services.canned_reply_create(actor=user, **form.cleaned_data)
            else:
                canned_services.canned_reply_edit(actor=user, reply=reply, **form.cleaned_data)
        except DisputeError as exc:
            # Next to the field it is about; the typed text stays in the form.
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("mediation:canned_replies")
    return render(
        request,
        "mediation/canned_reply_form.html",
        {"form": form, "reply": reply, "placeholders": PLACEHOLDERS},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def create_view(request: HttpRequest) -> HttpResponse:
    return _form_page(request, _lead(request), None)


@login_required
def edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _lead(request)
    return _form_page(request, user, get_object_or_404(CannedReply, pk=pk))


@login_required
@require_POST
def retire_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _lead(request)
    reply = get_object_or_404(CannedReply, pk=pk)
    canned_services.canned_reply_retire(actor=user, reply=reply)
    messages.success(
        request, _("“%(title)s” is retired: mediators no longer see it.") % {"title": reply.title}
    )
    return redirect("mediation:canned_replies")


@login_required
@require_POST
def restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _lead(request)
    reply = get_object_or_404(CannedReply, pk=pk)
    canned_services.canned_reply_restore(actor=user, reply=reply)
    messages.success(request, _("“%(title)s” is back in use.") % {"title": reply.title})
    return redirect("mediation:canned_replies")
