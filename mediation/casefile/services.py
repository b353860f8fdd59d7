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
    """The export event, through the engine (the only writer of the chain); parties never see it."""
    return append_event(
        dispute.pk,
        kind=EXPORT_EVENT,
        actor=actor,
        visibility=Visibility.MEDIATOR,
        details=lambda d: {
            "format": FORMAT,
            "evidence_items": Evidence.objects.filter(dispute=d).count(),
        },
        recipients=(),
    )


def export_casefile(*, dispute: Dispute, actor: User, out: IO[bytes]) -> ExportSummary:
    """Record the export, then write the archive of the chain up to and including that event."""
    locked, exported = record_export(dispute, actor)
    contents = case_contents(locked.pk, locked.event_count, exported.created_at)
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
