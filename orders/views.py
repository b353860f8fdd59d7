from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import Role, User
from accounts.reputation import seller_reputation
from disputes_site.search import NUL_MESSAGE, has_nul
from orders.conversation import conversation_open
from orders.eligibility import dispute_eligibility
from orders.models import OrderStatus
from orders.selectors import order_for_user, order_list, unread_order_messages


def _viewer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    # Manage orders is for the parties to orders; mediators work the queue.
    if user.role not in (Role.BUYER, Role.SELLER):
        raise Http404("Orders are shown to buyers and sellers.")
    return user


@login_required
def order_list_view(request: HttpRequest) -> HttpResponse:
    """Manage orders: a buyer's orders or a seller's sales, searchable and filterable."""
    user = _viewer(request)
    query = request.GET.get("q", "")[:100]
    query_error = NUL_MESSAGE if has_nul(query) else ""
    if query_error:
        query = ""
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    page = Paginator(
        order_list(user, query=query, status=status), settings.ORDERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [(order, dispute_eligibility(order)) for order in page.object_list]
    return render(
        request,
        "orders/list.html",
        {
            "page": page,
            "rows": rows,
            "query": query,
            "query_error": query_error,
            "status": status,
            "statuses": OrderStatus.choices,
            "is_seller": user.role == Role.SELLER,
        },
        status=400 if query_error else 200,
    )


@login_required
def order_detail_view(request: HttpRequest, reference: str) -> HttpResponse:
    """One order: items, payment, shipment, and whether a dispute can be opened now."""
    user = _viewer(request)
    order = order_for_user(user, reference)
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "eligibility": dispute_eligibility(order),
            "is_seller": user.role == Role.SELLER,
            "disputes": list(order.disputes.all()),
            "reputation": seller_reputation(order.seller_id),
            "conversation_open": conversation_open(order),
            "unread_messages": unread_order_messages(user, order),
        },
    )


@login_required
def start_dispute_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Manage orders → Start a dispute: the guided form. It saves a draft at once
    (leaving and coming back loses nothing); "Review and confirm" is the draft's page."""
    from disputes.choices import DisputeState
    from disputes.errors import DisputeError
    from disputes.forms import StartDisputeForm
    from disputes.services import dispute_create, dispute_update_draft

    user = _viewer(request)
    order = order_for_user(user, reference)
    if order.buyer_id != user.pk:
        raise Http404("Only the buyer starts a dispute.")
    draft = next((d for d in order.disputes.all() if d.state == DisputeState.DRAFT), None)
    eligibility = dispute_eligibility(order, exclude_dispute=draft.pk if draft else None)
    if request.method == "POST":
        form = StartDisputeForm(request.POST)
        if form.is_valid():
            try:
                if draft is None:
                    dispute = dispute_create(order=order, actor=user, **form.service_kwargs())  # type: ignore[arg-type]
                else:
                    dispute = dispute_update_draft(
                        dispute=draft, actor=user, **form.service_kwargs()
                    )
            except DisputeError as exc:
                field = exc.field.split(".")[-1] if exc.field else None
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                return redirect("disputes:detail", reference=dispute.reference)
    else:
        initial = {}
        if draft is not None:
            initial = {
                "type": draft.type,
                "reason": draft.reason,
                "description": draft.description,
                "claimed_amount": draft.claimed_amount,
                "requested_outcome": draft.requested_outcome,
                **draft.facts,
            }
        else:
            initial = {"claimed_amount": order.amount_paid}
        form = StartDisputeForm(initial=initial)
    return render(
        request,
        "orders/start_dispute.html",
        {
            "order": order,
            "form": form,
            "eligibility": eligibility,
            "draft": draft,
            # Contact the seller first (the seed's advice): the start form suggests it.
            "conversation_messages": order.messages.count(),
        },
        # A form sent back with its errors is a 400: its one-time key stays
        # usable for the corrected form (disputes_site/once.py).
        status=400 if request.method == "POST" else 200,
    )
