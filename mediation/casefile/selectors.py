"""What a case file holds, and who may export one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404

from accounts.models import User
from disputes.checkpoints import receipts_for
from disputes.choices import Visibility
from disputes.models import Appeal, Decision, Dispute, DisputeEvent, Message
from disputes.selectors import dispute_for_user, messages_for
from evidence.models import Evidence
from evidence.selectors import evidence_for


def may_export(user: User, dispute: Dispute) -> bool:
    """Mediators who work or worked the case (assigned, or decided it) and the leads.

    Parties do not export this file: it holds the other side's mediator-only
    evidence and the platform's private events. They export their own view of it
    (``dispute_for_party_export``), where the events they may not see are bare hashes.
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


def dispute_for_party_export(user: User, reference: str) -> Dispute:
    """A party's own dispute for their copy of the case file (SPEC 13.4), or 404 for
    anyone else: the other party's cases, strangers and mediators alike (mediators
    export the platform's file above)."""
    dispute = dispute_for_user(user, reference)
    if dispute.party_of(user) is None:
        raise Http404("No such dispute.")
    return dispute


@dataclass(frozen=True)
class CaseContents:
    """The case as of its export event: the chain up to it and the rows written before it.

    ``party`` is None for the platform's file, or ``buyer``/``seller`` for that party's
    copy: then ``evidence`` and ``messages`` are what the party may see, and the events
    they may not see are written as bare hashes (``shows``), which keeps the chain
    checkable without revealing them."""

    dispute: Dispute
    events: list[DisputeEvent]
    decisions: list[Decision]
    appeals: list[Appeal]
    evidence: list[Evidence]
    signed_head: dict[str, Any] | None
    party: str | None = None
    messages: list[Message] = field(default_factory=list)

    def shows(self, event: DisputeEvent) -> bool:
        """The timeline rule of the case pages (``disputes.selectors.timeline_for``)."""
        return self.party is None or event.visibility in (Visibility.ALL, self.party)


def case_contents(
    dispute_id: int, event_count: int, until: datetime, *, viewer: User | None = None
) -> CaseContents:
    """Events are append-only: the first ``event_count`` of them are fixed for good,
    whatever is appended while the archive is written. Rows written with later
    events (evidence, decisions, appeals) are left out the same way, by time: each
    is written under the dispute's row lock before its event, so after ``until``.

    A ``viewer`` who is a party gets their view: the evidence and the messages the
    case pages show them (the same selectors), every event with the hidden ones as
    bare hashes. Same number of queries either way, plus one for the messages."""
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
    dispute = (
        Dispute.objects.select_related("order", "buyer", "seller", "assigned_mediator")
        .filter(pk=dispute_id)
        .get()
    )
    party = dispute.party_of(viewer)
    if party is None:
        evidence_rows = Evidence.objects.filter(dispute_id=dispute_id).select_related("uploader")
        messages: list[Message] = []
    else:
        assert viewer is not None  # a party is someone
        evidence_rows = evidence_for(viewer, dispute)
        messages = list(messages_for(viewer, dispute).filter(created_at__lte=until))
    evidence = list(evidence_rows.filter(created_at__lte=until).order_by("id"))
    # The export event itself is not signed yet: the latest signed head is an
    # earlier one, which the exported chain must still pass through.
    return CaseContents(
        dispute,
        events,
        decisions,
        appeals,
        evidence,
        receipts_for([dispute_id]).get(dispute_id),
        party=party,
        messages=messages,
    )
