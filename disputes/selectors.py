"""Reads of disputes, always scoped to the viewer (ARCHITECTURE rule 7)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role, User
from disputes.choices import DisputeState
from disputes.models import Dispute

# The cases the platform works: what mediators see.
PLATFORM_STATES = (DisputeState.UNDER_REVIEW, DisputeState.AWAITING_INFO, DisputeState.APPEALED)


def disputes_visible_to(user: User) -> QuerySet[Dispute]:
    """A buyer's own disputes, a seller's disputes on their sales (never drafts),
    a mediator's platform cases."""
    if not user.is_authenticated:
        return Dispute.objects.none()
    if user.role == Role.BUYER:
        return Dispute.objects.filter(buyer=user)
    if user.role == Role.SELLER:
        # A draft is the buyer's until submitted (SPEC section 3).
        return Dispute.objects.filter(seller=user).exclude(state=DisputeState.DRAFT)
    if user.role == Role.MEDIATOR:
        return Dispute.objects.filter(state__in=PLATFORM_STATES)
    return Dispute.objects.none()


def dispute_list(user: User) -> QuerySet[Dispute]:
    return (
        disputes_visible_to(user)
        .select_related("order", "buyer", "seller", "seller__seller_profile")
        .order_by("deadline_at", "-created_at")
    )
