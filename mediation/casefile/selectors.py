"""What a case file holds, and who may export one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404

from accounts.models import User
from disputes.checkpoints import receipts_for
from disputes.models import Appeal, Decision, Dispute, DisputeEvent
from evidence.models import Evidence


def may_export(user: User, dispute: Dispute) -> bool:
    """Mediators who work or worked the case (assigned, or decided it) and the leads.

    Parties do not export: the archive holds the other side's mediator-only
    evidence and the platform's private events, and a party's filtered copy
    would have gaps that make its hash chain impossible to check.
    """
    if not (user.is_authenticated and user.is_mediator):
        return False
    if user.is_mediation_lead or dispute.assigned_mediator_id == user.pk:
        return True
    if dispute.decided_by_id == user.pk:
        return True
    return Decision.objects.filter(dispute=dispute, mediator=user).exists()


def dispute_to_export(user: User, reference: str) -> Dispute:
    """The dispute, or 404 for anyone who may not export it (references cannot be probed)."""
    if not (user.is_authenticated and user.is_mediator):
        raise Http404("No such dispute.")
    dispute = (
        Dispute.objects.select_related("order", "buyer", "seller", "assigned_mediator")
        .filter(reference=reference)
        .first()
    )
    if dispute is None or not may_export(user, dispute):
        raise Http404("No such dispute.")
    return dispute


@dataclass(frozen=True)
class CaseContents:
    """The case as of its export event: the chain up to it and the rows written before it."""

    dispute: Dispute
    events: list[DisputeEvent]
    decisions: list[Decision]
    appeals: list[Appeal]
    evidence: list[Evidence]
    signed_head: dict[str, Any] | None


def case_contents(dispute_id: int, event_count: int, until: datetime) -> CaseContents:
    """Events are append-only: the first ``event_count`` of them are fixed for good,
    whatever is appended while the archive is written. Rows written with later
    events (evidence, decisions, appeals) are left out the same way, by time: each
    is written under the dispute's row lock before its event, so after ``until``."""
    events = list(
        DisputeEvent.objects.filter(dispute_id=dispute_id, seq__lte=event_count)
        .select_related("actor")
        .order_by("seq")
    )
    decisions = list(
        Decision.objects.filter(dispute_id=dispute_id, created_at__lte=until)
        .select_related("mediator")
        .prefetch_related("evidence")
        .order_by("id")
    )
    appeals = list(
        Appeal.objects.filter(dispute_id=dispute_id, created_at__lte=until)
        .select_related("appellant")
        .order_by("id")
    )
    evidence = list(
        Evidence.objects.filter(dispute_id=dispute_id, created_at__lte=until)
        .select_related("uploader")
        .order_by("id")
    )
    dispute = (
        Dispute.objects.select_related("order", "buyer", "seller", "assigned_mediator")
        .filter(pk=dispute_id)
        .get()
    )
    # The export event itself is not signed yet: the latest signed head is an
    # earlier one, which the exported chain must still pass through.
    return CaseContents(
        dispute, events, decisions, appeals, evidence, receipts_for([dispute_id]).get(dispute_id)
    )
