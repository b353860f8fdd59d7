"""The case file: one zip per dispute that anyone can check outside the platform (SPEC section 8).

Contents (see docs/casefile.md):

- ``evidence/…``      every evidence file exactly as stored, hidden items included;
- ``timeline.json``   every event with the fields its hash covers, its hash and the previous hash;
- ``timeline.html``   the same timeline, readable in any browser, offline;
- ``decisions.json``  the decisions and appeals;
- ``case.json``       the case, the order and the parties;
- ``manifest.json``   every other file with its SHA-256 and size, plus the chain head and
  the event count, which ``scripts/verify_casefile.py`` recomputes from ``timeline.json``,
  and the dispute's latest signed head (``signed_head``, SPEC 13.4; docs/audit.md), which
  the script checks against the published key and the timeline.

Exporting is itself an event (``case_file_exported``, mediators only), appended through
the engine *before* the archive is built, so the archive's chain head is that event's hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from disputes.checkpoints import receipts_for
from disputes.choices import Visibility
from disputes.models import GENESIS_HASH, Appeal, Decision, Dispute, DisputeEvent
from disputes.services.engine import append_event
from evidence.models import Evidence

FORMAT = "dispute-casefile/1"
EXPORT_EVENT = "case_file_exported"
CHUNK = 1024 * 1024
# What the hash of an event covers, in the names of disputes.events.event_hash's payload.
HASHED_FIELDS = (
    "dispute",
    "seq",
    "kind",
    "actor",
    "actor_role",
    "from",
    "to",
    "details",
    "visibility",
    "at",
    "prev",
)


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
    # Events are append-only: the first ``event_count`` of them are fixed for good,
    # whatever is appended while the archive is written. Rows written with later
    # events (evidence, decisions, appeals) are left out the same way, by time: each
    # is written under the dispute's row lock before its event, so after the export.
    until = exported.created_at
    events = list(
        DisputeEvent.objects.filter(dispute_id=locked.pk, seq__lte=locked.event_count)
        .select_related("actor")
        .order_by("seq")
    )
    decisions = list(
        Decision.objects.filter(dispute_id=locked.pk, created_at__lte=until)
        .select_related("mediator")
        .prefetch_related("evidence")
        .order_by("id")
    )
    appeals = list(
        Appeal.objects.filter(dispute_id=locked.pk, created_at__lte=until)
        .select_related("appellant")
        .order_by("id")
    )
    evidence = list(
        Evidence.objects.filter(dispute_id=locked.pk, created_at__lte=until)
        .select_related("uploader")
        .order_by("id")
    )
    dispute = (
        Dispute.objects.select_related("order", "buyer", "seller", "assigned_mediator")
        .filter(pk=locked.pk)
        .get()
    )
    # The export event itself is not signed yet: the latest signed head is an
    # earlier one, which the exported chain must still pass through.
    signed_head = receipts_for([locked.pk]).get(locked.pk)
    writer = _ArchiveWriter(out)
    try:
        evidence_entries = [writer.add_evidence(item) for item in evidence]
        timeline = [timeline_entry(e) for e in events]
        writer.add_json("timeline.json", {"genesis": GENESIS_HASH, "events": timeline})
        writer.add_json("case.json", case_entry(dispute))
        writer.add_json("decisions.json", decisions_entry(decisions, appeals))
        writer.add_bytes(
            "timeline.html",
            render_to_string(
                "mediation/casefile_timeline.html",
                {
                    "dispute": dispute,
                    "events": timeline,
                    "decisions": decisions,
                    "appeals": appeals,
                    "evidence": evidence_entries,
                    "chain_head": locked.chain_head,
                    "exported_at": timezone.now(),
                    "exported_by": actor,
                },
            ).encode(),
        )
        manifest = {
            "format": FORMAT,
            "dispute": {"id": dispute.pk, "reference": dispute.reference},
            "exported_at": timezone.now().isoformat(),
            "exported_by": {"id": actor.pk, "email": actor.email},
            "chain": {
                "genesis": GENESIS_HASH,
                "head": locked.chain_head,
                "event_count": locked.event_count,
                "hash": "sha256 of canonical JSON, see docs/casefile.md",
            },
            "signed_head": signed_head,
            "evidence": evidence_entries,
            "files": writer.files,
        }
        writer.add_json("manifest.json", manifest, listed=False)
    finally:
        writer.close()
    return ExportSummary(
        reference=dispute.reference,
        event_count=locked.event_count,
        chain_head=locked.chain_head,
        files=len(writer.files),
        evidence_items=len(evidence),
    )


def timeline_entry(event: DisputeEvent) -> dict[str, Any]:
    """The hashed fields under the names of the hash payload, then the hash and some labels."""
    return {
        "dispute": event.dispute_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_role": event.actor_role,
        "from": event.from_state,
        "to": event.to_state,
        "details": event.details,
        "visibility": event.visibility,
        # Exactly the string the hash was computed over (datetime.isoformat of the stored time).
        "at": event.created_at.isoformat(),
        "prev": event.prev_hash,
        "hash": event.hash,
        # Not hashed: for the reader only.
        "actor_name": str(event.actor) if event.actor else "system",
    }


def case_entry(dispute: Dispute) -> dict[str, Any]:
    order = dispute.order
    return {
        "id": dispute.pk,
        "reference": dispute.reference,
        "type": dispute.type,
        "reason": dispute.reason,
        "description": dispute.description,
        "facts": dispute.facts,
        "claimed_amount": str(dispute.claimed_amount),
        "requested_outcome": dispute.requested_outcome,
        "state": dispute.state,
        "outcome": dispute.outcome,
        "refund_amount": None if dispute.refund_amount is None else str(dispute.refund_amount),
        "resolution_kind": dispute.resolution_kind,
        "created_at": _iso(dispute.created_at),
        "submitted_at": _iso(dispute.submitted_at),
        "resolved_at": _iso(dispute.resolved_at),
        "closed_at": _iso(dispute.closed_at),
        "buyer": _person(dispute.buyer),
        "seller": _person(dispute.seller),
        "assigned_mediator": _person(dispute.assigned_mediator),
        "order": {
            "reference": order.reference,
            "currency": order.currency,
            "total": str(order.total),
            "amount_paid": str(order.amount_paid),
        },
    }


def decisions_entry(decisions: list[Decision], appeals: list[Appeal]) -> dict[str, Any]:
    return {
        "decisions": [
            {
                "id": d.pk,
                "mediator": _person(d.mediator),
                "is_appeal": d.is_appeal,
                "appeal_result": d.appeal_result,
                "outcome": d.outcome,
                "refund_amount": str(d.refund_amount),
                "reason_code": d.reason_code,
                "rules_applied": d.rules_applied,
                "rationale": d.rationale,
                # The evidence the decision relied on, by id and hash (as in the manifest).
                "evidence_relied_on": [
                    {"id": e.pk, "sha256": e.sha256}
                    for e in sorted(d.evidence.all(), key=lambda e: e.pk)
                ],
                "created_at": _iso(d.created_at),
            }
            for d in decisions
        ],
        "appeals": [
            {
                "id": a.pk,
                "party": a.party,
                "appellant": _person(a.appellant),
                "explanation": a.explanation,
                "created_at": _iso(a.created_at),
            }
            for a in appeals
        ],
    }


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user), "email": user.email}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def safe_name(name: str) -> str:
    """A file name that is safe in any unzip tool: no folders, no control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:80] or "file"


class _ArchiveWriter:
    """Writes files into the zip and remembers each one's SHA-256 and size for the manifest."""

    def __init__(self, out: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict[str, Any]] = []

    def add_bytes(self, path: str, data: bytes, *, listed: bool = True) -> dict[str, Any]:
        self.zip.writestr(path, data)
        entry = {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        if listed:
            self.files.append(entry)
        return entry

    def add_json(self, path: str, value: Any, *, listed: bool = True) -> dict[str, Any]:
        data = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).encode()
        return self.add_bytes(path, data, listed=listed)

    def add_evidence(self, item: Evidence) -> dict[str, Any]:
        """Streams the stored file (local or S3) into the zip: a 200 MB video never sits in memory."""
        path = f"evidence/{item.pk}-{safe_name(item.original_name)}"
        digest = hashlib.sha256()
        size = 0
        with item.file.open("rb") as source, self.zip.open(path, "w", force_zip64=True) as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        self.files.append({"path": path, "sha256": digest.hexdigest(), "size": size})
        return {
            "id": item.pk,
            "path": path,
            "original_name": item.original_name,
            "kind": item.kind,
            "content_type": item.content_type,
            "uploader": _person(item.uploader),
            "uploader_role": item.uploader_role,
            "visibility": item.visibility,
            "description": item.description,
            "created_at": _iso(item.created_at),
            "hidden_at": _iso(item.hidden_at),
            "hidden_reason": item.hidden_reason,
            # The hash recorded at upload (also in its evidence_added event): the
            # verifier checks the stored file still matches it.
            "recorded_sha256": item.sha256,
        }

    def close(self) -> None:
        self.zip.close()
