"""Reads of disputes, always scoped to the viewer (ARCHITECTURE rule 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from disputes import choices
from disputes.choices import DisputeState, Outcome, Visibility
from disputes.models import Decision, Dispute, DisputeEvent, Message, Notification, Offer
from disputes.rows import ROW_FIELDS

# The cases the platform works: what mediators see.
PLATFORM_STATES = choices.PLATFORM_STATES


def disputes_visible_to(user: User) -> QuerySet[Dispute]:
    """A buyer's own disputes, a seller's disputes on their sales (never drafts),
    a mediator's platform cases and the cases assigned to them or decided by them
    (an appeal decision included)."""
    if not user.is_authenticated:
        return Dispute.objects.none()
    if user.role == Role.BUYER:
        return Dispute.objects.filter(buyer=user)
    if user.role == Role.SELLER:
        # A draft is the buyer's until submitted (SPEC section 3).
        return Dispute.objects.filter(seller=user).exclude(state=DisputeState.DRAFT)
    if user.role == Role.MEDIATOR:
        # Whoever decided (the case or its appeal) keeps reading it after it ends.
        decided = Decision.objects.filter(dispute=OuterRef("pk"), mediator=user)
        return Dispute.objects.filter(
            Q(state__in=PLATFORM_STATES)
            | Q(assigned_mediator=user)
            | Q(decided_by=user)
            | Exists(decided)
        )
    return Dispute.objects.none()


def dispute_list(user: User) -> QuerySet[Dispute]:
    return (
        disputes_visible_to(user)
        .select_related("order", "buyer", "seller", "seller__seller_profile")
        .order_by("deadline_at", "-created_at")
    )


def disputes_for_list(user: User) -> QuerySet[Dispute]:
    """The Disputes page's rows: a row shows the dispute and its order, nothing of
    the parties or the store, so nothing else is joined and built."""
    return disputes_visible_to(user).select_related("order").only(*ROW_FIELDS)


def dispute_for_user(user: User, reference: str) -> Dispute:
    """The dispute with its order and parties, or 404 when missing or not the viewer's."""
    try:
        return (
            disputes_visible_to(user)
            .select_related(
                "order", "buyer", "seller", "seller__seller_profile", "assigned_mediator"
            )
            .get(reference=reference)
        )
    except Dispute.DoesNotExist:
        raise Http404("No such dispute.") from None


def timeline_for(user: User, dispute: Dispute) -> QuerySet[DisputeEvent]:
    """The events this viewer may see: parties see shared ones and their own; the platform all."""
    events = DisputeEvent.objects.filter(dispute=dispute).select_related("actor").order_by("seq")
    party = dispute.party_of(user)
    if party is None:
        return events
    return events.filter(visibility__in=(Visibility.ALL, party))


def offers_for(dispute: Dispute) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(dispute=dispute).select_related("made_by").order_by("created_at", "id")
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("dispute", "order")
        .order_by("-created_at", "-id")
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def messages_for(user: User, dispute: Dispute) -> QuerySet[Message]:
    """The thread as this viewer may read it: parties see what was sent to all or to them."""
    messages = (
        Message.objects.filter(dispute=dispute)
        .select_related("author")
        .order_by("created_at", "id")
    )
    party = dispute.party_of(user)
    if party is None:
        return messages
    return messages.filter(visibility__in=(Visibility.ALL, party))


def decisions_for(dispute: Dispute) -> list[Decision]:
    """The decisions with the evidence they cite: one query, and a second only when
    there is a decision, whatever it cites."""
    from evidence.models import Evidence

    return list(
        Decision.objects.filter(dispute=dispute)
        .select_related("mediator")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related(None).order_by("pk"))
        )
        .order_by("created_at", "id")
    )


def cited_for_viewer(decisions: list[Decision], visible_ids: set[int]) -> list[dict[str, object]]:
    """Each decision with the cited items this viewer may see, and how many they may not
    (an item shared with the mediator only stays private even when cited)."""
    rows = []
    for decision in decisions:
        cited = list(decision.evidence.all())
        shown = [item for item in cited if item.pk in visible_ids]
        rows.append({"decision": decision, "cited": shown, "withheld": len(cited) - len(shown)})
    return rows


def current_proposal(dispute: Dispute) -> dict[str, Any]:
    """The platform's proposal a case in ``proposed`` answers (SPEC 13.1): the details
    of its last ``propose`` event (outcome, refund_amount, rationale); one query."""
    event = DisputeEvent.objects.filter(dispute=dispute, kind="propose").latest("seq")
    return dict(event.details)


def proposal_shown(dispute: Dispute) -> dict[str, Any] | None:
    """What the case pages show of the proposal being answered; None (no query) in any
    other state."""
    if dispute.state != DisputeState.PROPOSED:
        return None
    proposal = current_proposal(dispute)
    outcome = proposal.get("outcome", "")
    label = Outcome(outcome).label if outcome in Outcome.values else outcome
    return {**proposal, "outcome_label": label, "amount": Decimal(str(proposal["refund_amount"]))}
