from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.reputation import seller_reputation
from disputes.choices import (
    PHASE_OF,
    TERMINAL_STATES,
    DisputeState,
    DisputeType,
    NotificationCategory,
    Phase,
)
from disputes.errors import DisputeError, NotYourCase
from disputes.forms import ACTION_FORMS, MessageForm
from disputes.models import Dispute, DisputeEvent, Notification, NotificationPreference
from disputes.page_actions import action_forms, take_action
from disputes.permissions import allowed_actions, may_work
from disputes.return_shipping import payer_label, payers_by_decision, return_shipping_payer
from disputes.rows import dispute_rows, link_to
from disputes.search import SearchText, search_cases, search_text, search_thread
from disputes.selectors import (
    cited_for_viewer,
    decisions_for,
    dispute_for_user,
    disputes_for_list,
    messages_for,
    notifications_for,
    offers_for,
    proposal_shown,
    timeline_for,
)
from disputes.services.attachments import message_post_with_evidence
from disputes.waiting import waiting_on, your_move_q
from disputes.workflow import deadline_sentence
from evidence.selectors import evidence_for
from evidence.services import may_add_evidence
from orders.conversation import thread as order_thread


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def dispute_list_view(request: HttpRequest) -> HttpResponse:
    """Disputes the viewer may see: filters by state and type, search by reference,
    order, party, store, description and the messages the viewer may read; the ones
    waiting on the viewer first, then by deadline."""
    user = _user(request)
    state = request.GET.get("state", "")
    dispute_type = request.GET.get("type", "")
    search = search_text(request.GET.get("q"))
    query, query_error = search.text, search.error
    disputes = disputes_for_list(user)
    if state in DisputeState.values:
        disputes = disputes.filter(state=state)
    if dispute_type in DisputeType.values:
        disputes = disputes.filter(type=dispute_type)
    disputes = search_cases(disputes, user, query)
    # The cases waiting on the viewer first, then the nearest deadline.
    disputes = disputes.annotate(
        your_move=Case(When(your_move_q(user), then=True), default=False),
        # New messages per thread (their notifications not yet read): no query per row.
        unread_messages=Coalesce(
            Subquery(
                Notification.objects.filter(
                    dispute=OuterRef("pk"),
                    recipient=user,
                    category=NotificationCategory.MESSAGES,
                    read_at__isnull=True,
                )
                .order_by()
                .values("dispute")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
    ).order_by("-your_move", F("deadline_at").asc(nulls_last=True), "-created_at", "-id")
    page = Paginator(disputes, 20).get_page(request.GET.get("page"))
    rows = dispute_rows(list(page.object_list), link=link_to("disputes:detail"), now=timezone.now())
    return render(
        request,
        "disputes/list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "type": dispute_type,
            "query": query,
            "query_error": query_error,
            "states": DisputeState.choices,
            "types": DisputeType.choices,
        },
        status=400 if query_error else 200,
    )


# Shown in the "Resolve amicably" panel, beside the offers.
OFFER_ACTIONS = ("make_offer", "accept_offer", "decline_offer", "request_refund")


def _detail_context(
    request: HttpRequest, dispute: Dispute, bound: dict[str, forms.Form] | None = None
) -> dict[str, object]:
    """Everything the dispute page shows this viewer; ``bound`` holds a form that
    failed, so its errors show next to its fields with the input kept."""
    user = _user(request)
    bound = bound or {}
    allowed = allowed_actions(dispute, user)
    offers = list(offers_for(dispute))
    open_offer = next((o for o in offers if o.status == "open"), None)
    items = list(evidence_for(user, dispute))
    answer = {"offer": open_offer.pk} if open_offer else {}
    actions = action_forms(
        dispute,
        allowed,
        items,
        bound,
        initial={"accept_offer": answer, "decline_offer": answer},
    )
    party = dispute.party_of(user)
    thread_search = search_text(request.GET.get("thread_q"))
    timeline = list(timeline_for(user, dispute))
    decisions = cited_for_viewer(decisions_for(dispute), {item.pk for item in items})
    # Who pays to ship a return: on each decision that says, and on the return page.
    payers = payers_by_decision(timeline)
    for row in decisions:
        row["return_shipping"] = payer_label(payers.get(row["decision"].pk, ""))  # type: ignore[attr-defined]
    return {
        "dispute": dispute,
        "waiting_on": waiting_on(dispute, user),
        "deadline_rule": deadline_sentence(dispute),
        "actions": [a for a in actions if a["name"] not in OFFER_ACTIONS],
        "offer_actions": [a for a in actions if a["name"] in OFFER_ACTIONS],
        # The rows of the shared timeline (disputes/_timeline.html); a party's carry
        # no bodies: the thread shows the messages.
        "timeline": [{"event": event} for event in timeline],
        # The party asked for information reads the question above the answer box.
        "info_question": _last_question(timeline) if "provide_info" in allowed else "",
        # The order's conversation before (and beside) the dispute (SPEC 13.3).
        "order_conversation": list(order_thread(dispute.order)),
        "offers": offers,
        "open_offer": open_offer,
        "proposal": proposal_shown(dispute),
        "party": party,
        "items": items,
        # The reasoned decisions, with the evidence they cite that this viewer may see.
        "decisions": decisions,
        "return_shipping": payer_label(return_shipping_payer(dispute, timeline)),
        "may_add_evidence": may_add_evidence(dispute, user),
        # The thread, or the messages holding the words of its search box.
        "thread": search_thread(messages_for(user, dispute), thread_search.text),
        "thread_search": thread_search,
        "message_form": bound.get("message") or MessageForm(prefix="message", items=items),
        # A mediator writes only to a case assigned to them (SPEC 13.6).
        "may_message": dispute.state not in TERMINAL_STATES
        and dispute.state != DisputeState.DRAFT
        and (party is not None or may_work(dispute, user)),
        "reputation": seller_reputation(dispute.seller_id),
        # A resolution sent back to review (SPEC 3: a problem with the return, a
        # replacement not shipped) is shown as reopened, not as standing.
        "resolution_reopened": bool(dispute.outcome)
        and PHASE_OF[dispute.state] == Phase.PLATFORM
        and dispute.state != DisputeState.APPEALED,
        # Only a resolved case has refunds to show: no query before that.
        "refunds": list(dispute.refunds.all()) if dispute.outcome else [],
        "contact_label": _("Contact seller")
        if party == "buyer"
        else _("Contact buyer")
        if party == "seller"
        else _("Message the parties"),
    }


def _last_question(timeline: list[DisputeEvent]) -> str:
    asked = [e for e in timeline if e.kind == "request_info"]
    return str(asked[-1].details.get("question", "")) if asked else ""


@login_required
def dispute_detail_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Track progress: who must act, the deadline and its rule, the actions this viewer
    may take, evidence, offers, messages and the timeline."""
    user = _user(request)
    dispute = dispute_for_user(user, reference)
    _read_the_thread(user, dispute)
    context = _detail_context(request, dispute)
    searched: SearchText = context["thread_search"]  # type: ignore[assignment]
    return render(request, "disputes/detail.html", context, status=400 if searched.error else 200)


def _read_the_thread(user: User, dispute: Dispute) -> None:
    """Opening the case reads its new messages: their notifications leave the bell and
    the list's unread count. Only asked when the bell has something unread (loaded with
    the user), so a page with nothing new costs no query for it."""
    if getattr(user, "_unread_notifications", 1):
        read = Notification.objects.filter(
            recipient=user,
            dispute=dispute,
            category=NotificationCategory.MESSAGES,
            read_at__isnull=True,
        ).update(read_at=timezone.now())
        if read and hasattr(user, "_unread_notifications"):
            user._unread_notifications -= read


@login_required
@require_POST
def dispute_action_view(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """One transition from the page, through its service; errors go back next to the fields."""
    user = _user(request)
    dispute = dispute_for_user(user, reference)
    if name not in ACTION_FORMS:
        raise Http404("No such action.")
    form = take_action(request, user, dispute, name)
    if form is None:
        return redirect("disputes:detail", reference=dispute.reference)
    dispute = dispute_for_user(user, reference)
    return render(
        request, "disputes/detail.html", _detail_context(request, dispute, {name: form}), status=400
    )


@login_required
@require_POST
def message_post_view(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    dispute = dispute_for_user(user, reference)
    form = MessageForm(
        request.POST, request.FILES, prefix="message", items=list(evidence_for(user, dispute))
    )
    if form.is_valid():
        try:
            message_post_with_evidence(
                dispute=dispute,
                actor=user,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data.get("visibility") or "all",
                attachments=form.cleaned_data.get("attachments") or [],
                evidence_refs=form.cleaned_data.get("evidence_refs") or [],
            )
        except NotYourCase as exc:
            raise PermissionDenied(exc.message) from exc
        except DisputeError as exc:
            # Next to the field it is about: the text, a file, or a reference.
            field = {"file": "attachments", "description": "attachments"}.get(
                exc.field or "body", exc.field or "body"
            )
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return render(
                    request, "disputes/_thread.html", {"thread": messages_for(user, dispute)}
                )
            return redirect(f"{dispute_url(dispute)}#messages")
    return render(
        request,
        "disputes/detail.html",
        _detail_context(request, dispute, {"message": form}),
        status=400,
    )


@login_required
def thread_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The thread alone, for htmx to refresh it (new messages without reload), still
    narrowed by the words of its search box."""
    user = _user(request)
    dispute = dispute_for_user(user, reference)
    searched = search_text(request.GET.get("thread_q"))
    thread = search_thread(messages_for(user, dispute), searched.text)
    return render(
        request,
        "disputes/_thread.html",
        {"thread": thread, "thread_search": searched},
        status=400 if searched.error else 200,
    )


def dispute_url(dispute: Dispute) -> str:
    from django.urls import reverse

    return reverse("disputes:detail", args=[dispute.reference])


@login_required
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(_user(request)), 25).get_page(request.GET.get("page"))
    return render(request, "disputes/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one as read and go to its dispute, or its order's conversation (404 for
    anyone else's)."""
    notification = (
        Notification.objects.filter(pk=pk, recipient=_user(request))
        .select_related("dispute", "order")
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    if notification.order is not None:
        return redirect("orders:conversation", reference=notification.order.reference)
    assert notification.dispute is not None
    return redirect("disputes:detail", reference=notification.dispute.reference)


@login_required
@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.filter(recipient=_user(request), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications")


@login_required
def notification_preferences_view(request: HttpRequest) -> HttpResponse:
    """Email on or off per category; in-app notifications always arrive."""
    user = _user(request)
    off = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list(
            "category", flat=True
        )
    )
    if request.method == "POST":
        wanted_on = set(request.POST.getlist("email"))
        for category in NotificationCategory.values:
            NotificationPreference.objects.update_or_create(
                user=user, category=category, defaults={"email": category in wanted_on}
            )
        messages.success(request, _("Your email preferences are saved."))
        return redirect("notification_preferences")
    categories = [(value, label, value not in off) for value, label in NotificationCategory.choices]
    return render(request, "disputes/preferences.html", {"categories": categories})
