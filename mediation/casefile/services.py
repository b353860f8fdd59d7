"""Exporting a case file: the export is an event, appended through the engine before
the archive is built, so the archive's chain head is that event's hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from accounts.models import User
from disputes.choices import Visibility
from disputes.models import Dispute, DisputeEvent
from disputes.services.engine import append_event
from evidence.models import Evidence
from evidence.selectors import evidence_for
from mediation.casefile.selectors import case_contents
from mediation.casefile.writer import FORMAT, write_archive

EXPORT_EVENT = "case_file_exported"


@dataclass(frozen=True)
class ExportSummary:
    reference: str
    event_count: int
    chain_head: str
    files: int
    evidence_items: int


def record_export(dispute: Dispute, actor: User) -> tuple[Dispute, DisputeEvent]:
    """The export event, through the engine (the only writer of the chain).

    A mediator's export is seen by the platform only. A party's is seen by that
    party too (their copy's chain ends at it, and their timeline shows when they
    took it), never by the other party; its count is of the items in their copy,
    so it says nothing of what is kept from them."""
    party = dispute.party_of(actor)

    def details(locked: Dispute) -> dict[str, object]:
        items = evidence_for(actor, locked) if party else Evidence.objects.filter(dispute=locked)
        return {
            "format": FORMAT,
            "evidence_items": items.count(),
            **({"scope": party} if party else {}),
        }

    return append_event(
        dispute.pk,
        kind=EXPORT_EVENT,
        actor=actor,
        visibility=party or Visibility.MEDIATOR,
        details=details,
        recipients=(),
    )


def export_casefile(*, dispute: Dispute, actor: User, out: IO[bytes]) -> ExportSummary:
    """Record the export, then write the archive of the chain up to and including that event.

    The caller has checked who may export (``may_export`` for the platform's file,
    ``dispute_for_party_export`` for a party's copy); a party gets their view."""
    locked, exported = record_export(dispute, actor)
    contents = case_contents(locked.pk, locked.event_count, exported.created_at, viewer=actor)
    files = write_archive(
        out,
        contents,
        chain_head=locked.chain_head,
        event_count=locked.event_count,
        actor=actor,
    )
    return ExportSummary(
        reference=contents.dispute.reference,
        event_count=locked.event_count,
        chain_head=locked.chain_head,
        files=files,
        evidence_items=len(contents.evidence),
    )
