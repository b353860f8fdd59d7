"""The mediation pages: the queue, the case view, and reassignment by leads.

Transitions go through the disputes services (the same forms as the dispute
page); taking and reassigning through ``mediation.services``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from disputes.choices import DisputeState, DisputeType, Party, Visibility
from disputes.errors import DisputeError, NotYourCase
from disputes.forms import MessageForm
from disputes.models import Dispute
from disputes.page_actions import action_forms, take_action
from disputes.permissions import allowed_actions, may_work
from disputes.rows import dispute_rows, link_to
from disputes.selectors import (
    cited_for_viewer,
    decisions_for,
    messages_for,
    offers_for,
    proposal_shown,
    timeline_for,
)
from disputes.services import message_post, note_add
from disputes.workflow import MEDIATOR_ACTIONS, deadline_sentence
from disputes_site.search import any_nul
from evidence.selectors import evidence_for
from mediation import selectors
from mediation.canned_insert import CannedOnCase, canned_for_case
from mediation.forms import NoteForm, ReassignForm
from mediation.services import case_reassign, case_take
from orders.conversation import thread as order_thread

PAGE_SIZE = 25


def _mediator(request: HttpRequest) -> User:
    """The signed-in mediator; anyone else is refused (403: the page exists, not for them)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_mediator:
        raise PermissionDenied(_("The mediation pages are for mediators."))
    return user


@login_required
def queue_view(request: HttpRequest) -> HttpResponse:
    """Cases under review and awaiting information (and appeals, for seniors), most
    urgent first, with filters and their counts."""
    user = _mediator(request)
    states = selectors.queue_states(user)
    filters, errors = selectors.QueueFilters.from_query(request.GET, states)
    counts = selectors.queue_counts(user, filters)
    ids = selectors.queue_ids(user, filters)
    paginator = Paginator(ids, PAGE_SIZE)
    # The total comes with the counts per filter (one pass over the open cases),
    # which may be a few seconds old: it numbers the pages, but a page always
    # takes a full PAGE_SIZE of the live queue, so a case that came in since is
    # never cut off.
    paginator.count = counts["matching"]
    page = paginator.get_page(request.GET.get("page"))
    first = (page.number - 1) * PAGE_SIZE
    cases = selectors.queue_rows(ids[first : first + PAGE_SIZE])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mediation/queue.html",
        {
            "page": page,
            "rows": dispute_rows(
                cases,
                link=link_to("mediation:case"),
                now=timezone.now(),
                viewer_id=user.pk,
                take=link_to("mediation:take"),
                since=True,
            ),
            "filters": filters,
            "errors": errors,
            "counts": counts,
            "states": [(s, DisputeState(s).label, counts[f"state_{s}"]) for s in states],
            "types": [(t, label, counts[f"type_{t}"]) for t, label in DisputeType.choices],
            "assigned_choices": [
                ("everyone", _("Everyone"), counts["everyone"]),
                ("me", _("Assigned to me"), counts["me"]),
                ("unassigned", _("Unassigned"), counts["unassigned"]),
            ],
            "query": query.urlencode(),
            "raw": request.GET,
        },
        # Its boxes say which; a NUL in any other part of the address (a
        # select's value) is ignored like any value not offered, but still 400.
        status=400 if any_nul(request.GET) else 200,
    )


def _case_context(
    request: HttpRequest, dispute: Dispute, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """Everything the case view shows; ``bound`` holds a form that failed."""
    user: User = request.user  # type: ignore[assignment]
    bound = bound or {}
    items = list(evidence_for(user, dispute))
    events = list(timeline_for(user, dispute))
    thread = list(messages_for(user, dispute))
    notes = list(selectors.notes_for(dispute))
    by_side: dict[str, list[Any]] = {"buyer": [], "seller": [], "mediator": []}
    for item in items:
        by_side.get(item.uploader_role, by_side["mediator"]).append(item)
    works_it = may_work(dispute, user)
    allowed = [name for name in allowed_actions(dispute, user) if name in MEDIATOR_ACTIONS]
    open_case = (
        dispute.state in selectors.queue_states(user) or dispute.state == DisputeState.APPEALED
    )
    # The team's canned replies, for the boxes this mediator writes in (one query).
    canned = canned_for_case(request, dispute, user) if works_it and open_case else CannedOnCase()
    question = canned.prefill("request_info")
    actions = action_forms(
        dispute,
        allowed,
        items,
        bound,
        {"request_info": {"question": question}} if question else None,
    )
    for action in actions:
        # The box a chosen reply went into is shown open.
        action["open"] = action["open"] or (
            question is not None and action["name"] == "request_info"
        )
    message_text = canned.prefill("message")
    note_bodies = {note.pk: note for note in notes}
    message_bodies = {message.pk: message for message in thread}
    return {
        "dispute": dispute,
        "order": dispute.order,
        "payment": getattr(dispute.order, "payment", None),
        "shipment": getattr(dispute.order, "shipment", None),
        "deadline_rule": deadline_sentence(dispute),
        "statements": _statements(dispute, events),
        "evidence_sides": [
            (_("Buyer"), by_side["buyer"]),
            (_("Seller"), by_side["seller"]),
            (_("Mediator"), by_side["mediator"]),
        ],
        "items": items,
        "timeline": [
            {
                "event": event,
                "note": note_bodies.get(event.details.get("note"))
                if event.kind == "note"
                else None,
                "message": message_bodies.get(event.details.get("message"))
                if event.kind == "message"
                else None,
            }
            for event in events
        ],
        "offers": list(offers_for(dispute)),
        # What the parties wrote about the order before (and beside) the dispute.
        "order_conversation": list(order_thread(dispute.order)),
        "appeals": list(selectors.appeals_for(dispute)),
        "decisions": cited_for_viewer(decisions_for(dispute), {item.pk for item in items}),
        "proposal": proposal_shown(dispute),
        "actions": actions,
        "works_it": works_it,
        "may_take": dispute.assigned_mediator_id is None
        and dispute.state in selectors.queue_states(user),
        "is_lead": user.is_mediation_lead,
        "note_form": bound.get("note") or NoteForm(prefix="note"),
        "message_form": bound.get("message")
        or MessageForm(prefix="message", initial={"body": message_text} if message_text else None),
        "open_case": open_case,
        "canned": canned,
    }


# What each party said, and where: the claim, and the texts of their transitions.
STATEMENT_KEYS = ("note", "justification", "explanation", "answer")


def _statements(dispute: Dispute, events: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Both parties' statements side by side, from the timeline (no extra query)."""
    sides: dict[str, list[dict[str, Any]]] = {
        Party.BUYER: [
            {
                "when": dispute.submitted_at or dispute.created_at,
                "what": _("The claim"),
                "text": dispute.description,
            }
        ],
        Party.SELLER: [],
    }
    for event in events:
        if event.actor_role not in sides or event.kind == "message":
            continue
        for key in STATEMENT_KEYS:
            text = event.details.get(key)
            if text:
                sides[event.actor_role].append(
                    {"when": event.created_at, "what": event.kind, "text": text}
                )
    return sides


def _case(request: HttpRequest, reference: str) -> Dispute:
    _mediator_or_404(request)
    return selectors.case_for_mediator(request.user, reference)  # type: ignore[arg-type]


def _mediator_or_404(request: HttpRequest) -> None:
    # Case pages answer 404 to anyone but a mediator: references cannot be probed.
    if not getattr(request.user, "is_mediator", False):
        raise Http404("No such case.")


@login_required
def case_view(request: HttpRequest, reference: str) -> HttpResponse:
    dispute = _case(request, reference)
    return render(request, "mediation/case.html", _case_context(request, dispute))


def _back(dispute: Dispute, anchor: str = "") -> HttpResponse:
    return redirect(reverse("mediation:case", args=[dispute.reference]) + anchor)


@login_required
@require_POST
def take_view(request: HttpRequest, reference: str) -> HttpResponse:
    dispute = _case(request, reference)
    try:
        case_take(dispute=dispute, actor=request.user)  # type: ignore[arg-type]
    except DisputeError as exc:
        messages.error(request, exc.message)
        if request.POST.get("next") == "queue":
            return redirect("mediation:queue")
    else:
        messages.success(request, _("The case is yours now."))
    return _back(dispute)


@login_required
@require_POST
def action_view(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """request_info, decide, decide_appeal through their services; errors go back next
    to the fields."""
    user: User = request.user  # type: ignore[assignment]
    dispute = _case(request, reference)
    if name not in MEDIATOR_ACTIONS:
        raise Http404("No such action.")
    # Another mediator's case, or one nobody has taken yet, is refused by the
    # service (403, as the API answers): take it first, or ask a lead.
    form = take_action(request, user, dispute, name)
    if form is None:
        return _back(dispute)
    dispute = _case(request, reference)
    return render(
        request, "mediation/case.html", _case_context(request, dispute, {name: form}), status=400
    )


@login_required
@require_POST
def note_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A private note: only from the case's own mediator (SPEC 13.6)."""
    user: User = request.user  # type: ignore[assignment]
    dispute = _case(request, reference)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            note_add(dispute=dispute, actor=user, body=form.cleaned_data["body"])
        except NotYourCase as exc:
            raise PermissionDenied(exc.message) from exc
        except DisputeError as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, _("Note saved; the parties do not see it."))
            return _back(dispute, "#timeline")
    return render(
        request, "mediation/case.html", _case_context(request, dispute, {"note": form}), status=400
    )


@login_required
@require_POST
def message_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A message to both parties or to one: only from the case's own mediator."""
    user: User = request.user  # type: ignore[assignment]
    dispute = _case(request, reference)
    form = MessageForm(request.POST, prefix="message")
    if form.is_valid():
        try:
            message_post(
                dispute=dispute,
                actor=user,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data.get("visibility") or Visibility.ALL,
            )
        except NotYourCase as exc:
            raise PermissionDenied(exc.message) from exc
        except DisputeError as exc:
            form.add_error("body" if exc.field in (None, "body") else None, exc.message)
        else:
            messages.success(request, _("Message sent."))
            return _back(dispute, "#messages")
    return render(
        request,
        "mediation/case.html",
        _case_context(request, dispute, {"message": form}),
        status=400,
    )


@login_required
def reassign_view(request: HttpRequest) -> HttpResponse:
    """Leads hand one or more cases (``?cases=DSP-…,DSP-…``) to another mediator."""
    user = _mediator_or_superuser(request)
    if not user.is_mediation_lead:
        raise PermissionDenied(_("Only mediation leads reassign cases."))
    source = request.POST if request.method == "POST" else request.GET
    if any_nul(source):
        # PostgreSQL text cannot hold a NUL: the list of cases is not looked up.
        form = ReassignForm(initial={"cases": ""})
        form.cleaned_data = {}  # add_error needs it, and an unbound form has none
        form.add_error(
            None,
            _(
                "The list of cases contains a NUL character (\\0); choose the cases again from the queue."
            ),
        )
        return render(request, "mediation/reassign.html", {"form": form, "cases": []}, status=400)
    form = ReassignForm(
        source if request.method == "POST" else None, initial={"cases": source.get("cases", "")}
    )
    references = [r for r in (p.strip() for p in source.get("cases", "").split(",")) if r][:100]
    cases = list(
        Dispute.objects.filter(reference__in=references)
        .select_related("assigned_mediator")
        .order_by("deadline_at", "id")
    )
    if request.method == "POST" and form.is_valid():
        moved, refused = 0, []
        for dispute in cases:
            try:
                case_reassign(dispute=dispute, actor=user, mediator=form.cleaned_data["mediator"])
                moved += 1
            except DisputeError as exc:
                refused.append(f"{dispute.reference}: {exc.message}")
        if not refused:
            messages.success(request, _("%(n)s cases reassigned.") % {"n": moved})
            return redirect("mediation:queue")
        for line in refused:
            form.add_error("mediator", line)
    if request.method == "POST" and not cases:
        form.add_error(None, _("Choose at least one case."))
    return render(
        request,
        "mediation/reassign.html",
        {"form": form, "cases": cases},
        status=400 if request.method == "POST" else 200,
    )


def _mediator_or_superuser(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_mediator or user.is_superuser):
        raise PermissionDenied(_("The mediation pages are for mediators."))
    return user
