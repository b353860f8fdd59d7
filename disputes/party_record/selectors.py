"""What a party may take away of their case: only their own dispute, and the decision as
the case page shows it to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from disputes.checkpoints import public_key_url, receipts_for
from disputes.models import Appeal, Dispute
from disputes.selectors import cited_for_viewer, decisions_for
from evidence.selectors import evidence_for
from mediation.casefile.selectors import dispute_for_party_export

# One rule for the three doors (the PDF, the case file, the "If you disagree" page):
# the dispute is the viewer's as buyer or seller, else 404, which leaves no trace.
dispute_for_party = dispute_for_party_export


@dataclass(frozen=True)
class DecisionRecord:
    """The decision as this party may see it, with what proves it later."""

    dispute: Dispute
    party: str
    viewer: User
    # Each decision (the first, then the appeal's) with the cited items this party
    # may see and how many they may not (``cited_for_viewer``).
    decisions: list[dict[str, Any]]
    appeals: list[Appeal]
    # The dispute's latest signed head (docs/audit.md), None before the first checkpoint.
    signed_head: dict[str, Any] | None
    public_key_url: str
    generated_at: datetime


def decision_record(user: User, dispute: Dispute) -> DecisionRecord | None:
    """None while the platform has not decided (an agreement between the parties is no
    decision: its record is the timeline and the case file).

    Queries: the decisions (one), the evidence they cite (one), then only once there is
    a decision: the items this party may see (one), the appeals (one), the signed head
    (two, or one before the first checkpoint), however many items and events."""
    party = dispute.party_of(user)
    if party is None:
        return None
    decisions = decisions_for(dispute)
    if not decisions:
        return None
    visible = set(evidence_for(user, dispute).values_list("pk", flat=True))
    appeals = list(
        Appeal.objects.filter(dispute=dispute).select_related(None).order_by("created_at", "id")
    )
    return DecisionRecord(
        dispute=dispute,
        party=party,
        viewer=user,
        decisions=cited_for_viewer(decisions, visible),
        appeals=appeals,
        signed_head=receipts_for([dispute.pk]).get(dispute.pk),
        public_key_url=public_key_url(),
        generated_at=timezone.now(),
    )
