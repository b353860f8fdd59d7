"""Which evidence a viewer may see (ARCHITECTURE rule 7): the same scoping as the dispute."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from disputes.models import Dispute
from evidence.models import Evidence, EvidenceVisibility


def evidence_for(user: User, dispute: Dispute) -> QuerySet[Evidence]:
    """Items of a dispute the viewer (already allowed to see the dispute) may see.

    Parties see shared items and their own; mediator-only items of the other
    party, and hidden items, stay out of their sight.
    """
    items = (
        Evidence.objects.filter(dispute=dispute)
        .select_related("uploader")
        .order_by("created_at", "id")
    )
    if dispute.party_of(user) is None:
        return items
    return items.filter(hidden_at__isnull=True).filter(
        Q(visibility=EvidenceVisibility.PARTIES) | Q(uploader=user)
    )


def evidence_item(user: User, dispute: Dispute, pk: int) -> Evidence:
    try:
        return evidence_for(user, dispute).get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404("No such evidence.") from None
