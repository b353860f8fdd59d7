"""Reads of the mediation pages, scoped to the viewer (ARCHITECTURE rule 7).

Every page costs the same number of queries whatever the case holds: lists
are fetched whole with their relations joined, never row by row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from accounts.models import User
from disputes.choices import PLATFORM_STATES, DisputeState, DisputeType
from disputes.models import Appeal, Dispute, MediatorNote
from disputes.permissions import is_senior
from disputes.rows import ROW_FIELDS
from disputes.search import case_matches, search_text
from disputes_site.search import NUL_MESSAGE, has_nul

# The platform's cases; appeals are a senior's queue (``queue_states``).
QUEUE_STATES = tuple(s for s in PLATFORM_STATES if s != DisputeState.APPEALED)
ASSIGNED_CHOICES = ("everyone", "me", "unassigned")
# Most urgent first; the page's ids and its rows are each read in this order
# (the partial index dispute_queue_deadline serves it).
QUEUE_ORDER = ("deadline_at", "id")


def queue_states(user: User) -> tuple[str, ...]:
    """Appeals are for senior mediators only (SPEC section 8)."""
    if is_senior(user):
        return (*QUEUE_STATES, DisputeState.APPEALED)
    return QUEUE_STATES


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""
    type: str = ""
    overdue: bool = False
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    older_than_days: int | None = None
    assigned: str = "everyone"
    # Words searched (disputes.search): reference, order, party, store, description,
    # messages and notes.
    q: str = ""

    @classmethod
    def from_query(
        cls, query: QueryDict, states: tuple[str, ...]
    ) -> tuple[QueueFilters, dict[str, str]]:
        """The filters in the address, and a message per field that was not understood."""
        errors: dict[str, str] = {}

        def amount(name: str) -> Decimal | None:
            raw = query.get(name, "").strip()
            if not raw:
                return None
            if has_nul(raw):
                errors[name] = str(NUL_MESSAGE)
                return None
            try:
                value = Decimal(raw)
            except InvalidOperation:
                errors[name] = "Enter an amount such as 25.00."
                return None
            if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
                errors[name] = "Enter an amount of zero or more."
                return None
            return value

        days: int | None = None
        raw_days = query.get("older_than_days", "").strip()
        if raw_days:
            if has_nul(raw_days):
                errors["older_than_days"] = str(NUL_MESSAGE)
            elif raw_days.isdigit() and int(raw_days) <= 3650:
                days = int(raw_days)
            else:
                errors["older_than_days"] = "Enter a number of days."
        searched = search_text(query.get("q"))
        if searched.error:
            errors["q"] = searched.error
        state = query.get("state", "")
        dispute_type = query.get("type", "")
        assigned = query.get("assigned", "everyone")
        return (
            cls(
                state=state if state in states else "",
                type=dispute_type if dispute_type in DisputeType.values else "",
                overdue=query.get("overdue") == "1",
                min_amount=amount("min_amount"),
                max_amount=amount("max_amount"),
                older_than_days=days,
                assigned=assigned if assigned in ASSIGNED_CHOICES else "everyone",
                q=searched.text,
            ),
            errors,
        )


def queue_base(user: User) -> QuerySet[Dispute]:
    return Dispute.objects.filter(state__in=queue_states(user))


def queue_filter(user: User, filters: QueueFilters) -> Q:
    """The filters as one condition (applied to the rows and counted in the totals)."""
    q = Q()
    if filters.state:
        q &= Q(state=filters.state)
    if filters.type:
        q &= Q(type=filters.type)
    if filters.overdue:
        q &= Q(is_overdue=True) | Q(deadline_at__lt=timezone.now())
    if filters.min_amount is not None:
        q &= Q(claimed_amount__gte=filters.min_amount)
    if filters.max_amount is not None:
        q &= Q(claimed_amount__lte=filters.max_amount)
    if filters.older_than_days is not None:
        q &= Q(submitted_at__lte=timezone.now() - timedelta(days=filters.older_than_days))
    if filters.assigned == "me":
        q &= Q(assigned_mediator=user)
    elif filters.assigned == "unassigned":
        q &= Q(assigned_mediator__isnull=True)
    if filters.q:
        q &= case_matches(user, filters.q)
    return q


def queue_ids(user: User, filters: QueueFilters) -> QuerySet[Dispute, int]:
    """The ids of the cases that match, most urgent first: what the paginator slices.

    Ordered by (deadline_at, id), which the partial index
    ``dispute_queue_deadline`` serves: a page is a range of that index, read
    without touching the table or joining anything, however deep the page.
    """
    return (
        queue_base(user)
        .filter(queue_filter(user, filters))
        .order_by(*QUEUE_ORDER)
        .values_list("id", flat=True)
    )


def queue_rows(page_ids: QuerySet[Dispute, int]) -> list[Dispute]:
    """One page's cases with their order and mediator, in the page's order.

    ``page_ids`` is the paginator's slice of ``queue_ids``: it goes into this
    query as a subquery (``id IN (… LIMIT 25 OFFSET n)``), so the page costs one
    round trip and the index still picks the page before any row is joined.
    """
    return list(
        Dispute.objects.filter(pk__in=page_ids)
        .select_related("order", "assigned_mediator")
        .only(*ROW_FIELDS, "assigned_mediator__name", "assigned_mediator__email")
        .order_by(*QUEUE_ORDER)
    )


def queue_counts(user: User, filters: QueueFilters) -> dict[str, Any]:
    """How many cases each filter holds over the whole queue, and how many match the
    current filters (the paginator's total), as of ``counts["as_of"]``.

    One pass over the open cases, instead of a COUNT for the pages and another
    for the filters; that pass reads every open case and grows with the queue,
    so its result is kept for
    ``MEDIATION_QUEUE_COUNTS_CACHE_SECONDS`` per mediator and filters, and the
    page says when the counts were taken. The rows themselves are always live.
    """
    seconds = settings.MEDIATION_QUEUE_COUNTS_CACHE_SECONDS
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    key = f"mediation:queue-counts:{user.pk}:{digest}"
    if seconds and (cached := cache.get(key)) is not None:
        return cast(dict[str, Any], cached)
    now = timezone.now()
    # COUNT(state), not COUNT(id): every column read is in dispute_queue_counts, so
    # PostgreSQL answers from the index alone.
    aggregates: dict[str, Any] = {
        "everyone": Count("state"),
        "matching": Count("state", filter=queue_filter(user, filters)),
        "me": Count("state", filter=Q(assigned_mediator=user)),
        "unassigned": Count("state", filter=Q(assigned_mediator__isnull=True)),
        "overdue": Count("state", filter=Q(is_overdue=True) | Q(deadline_at__lt=now)),
    }
    for state in queue_states(user):
        aggregates[f"state_{state}"] = Count("state", filter=Q(state=state))
    for dispute_type in DisputeType.values:
        aggregates[f"type_{dispute_type}"] = Count("state", filter=Q(type=dispute_type))
    counts: dict[str, Any] = {**queue_base(user).aggregate(**aggregates), "as_of": now}
    if seconds:
        cache.set(key, counts, seconds)
    return counts


def case_for_mediator(user: User, reference: str) -> Dispute:
    """A case for the mediator's case view; 404 for anyone but a mediator, and for
    cases the platform is not (or no longer) handling that were never theirs."""
    from disputes.selectors import disputes_visible_to

    if not user.is_authenticated or not user.is_mediator:
        raise Http404("No such case.")
    try:
        return (
            disputes_visible_to(user)
            .select_related(
                "order",
                "order__payment",
                "order__shipment",
                "buyer",
                "seller",
                "seller__seller_profile",
                "assigned_mediator",
                "decided_by",
            )
            .get(reference=reference)
        )
    except Dispute.DoesNotExist:
        raise Http404("No such case.") from None


def notes_for(dispute: Dispute) -> QuerySet[MediatorNote]:
    return MediatorNote.objects.filter(dispute=dispute).select_related("author").order_by("id")


def appeals_for(dispute: Dispute) -> QuerySet[Appeal]:
    return Appeal.objects.filter(dispute=dispute).select_related("appellant").order_by("id")


def mediators_for_reassignment() -> QuerySet[User]:
    """Who a lead may hand a case to: active mediators (the service checks recusal)."""
    return User.objects.filter(is_active=True, role="mediator").order_by("name", "email")
