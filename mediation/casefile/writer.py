"""The files of a case file and their hashes (docs/casefile.md): evidence streamed as
stored, the timeline as JSON and HTML, the decisions, the case, and the manifest."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from disputes.models import GENESIS_HASH, Appeal, Decision, Dispute, DisputeEvent, Message
from evidence.models import Evidence
from mediation.casefile.selectors import CaseContents

FORMAT = "dispute-casefile/1"
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


def write_archive(
    out: IO[bytes], contents: CaseContents, *, chain_head: str, event_count: int, actor: User
) -> int:
    """Write the zip of ``contents`` to ``out``; returns how many files the manifest lists."""
    dispute = contents.dispute
    party = contents.party
    # A party's copy names people without their addresses: the other side's email
    # is not theirs to hand on.
    person = _person if party is None else _name_only
    writer = _ArchiveWriter(out, person)
    try:
        evidence_entries = [writer.add_evidence(item) for item in contents.evidence]
        timeline = [
            timeline_entry(e) if contents.shows(e) else withheld_entry(e) for e in contents.events
        ]
        writer.add_json("timeline.json", {"genesis": GENESIS_HASH, "events": timeline})
        writer.add_json("case.json", case_entry(dispute, person))
        shown = {item.pk for item in contents.evidence} if party else None
        writer.add_json(
            "decisions.json", decisions_entry(contents.decisions, contents.appeals, person, shown)
        )
        if party is not None:
            writer.add_json("messages.json", messages_entry(contents.messages, person))
        writer.add_bytes(
            "timeline.html",
            render_to_string(
                "mediation/casefile_timeline.html",
                {
                    "dispute": dispute,
                    "events": timeline,
                    "decisions": contents.decisions,
                    "appeals": contents.appeals,
                    "evidence": evidence_entries,
                    "chain_head": chain_head,
                    "exported_at": timezone.now(),
                    "exported_by": actor,
                    "party": party,
                    "messages": contents.messages,
                    "withheld_events": sum(1 for e in timeline if e.get("withheld")),
                },
            ).encode(),
        )
        manifest = {
            "format": FORMAT,
            # Whose view: the platform's whole file, or one party's copy.
            "scope": party or "platform",
            "dispute": {"id": dispute.pk, "reference": dispute.reference},
            "exported_at": timezone.now().isoformat(),
            "exported_by": {"id": actor.pk, "email": actor.email},
            "chain": {
                "genesis": GENESIS_HASH,
                "head": chain_head,
                "event_count": event_count,
                "hash": "sha256 of canonical JSON, see docs/casefile.md",
            },
            "signed_head": contents.signed_head,
            "evidence": evidence_entries,
            "files": writer.files,
        }
        writer.add_json("manifest.json", manifest, listed=False)
    finally:
        writer.close()
    return len(writer.files)


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


def withheld_entry(event: DisputeEvent) -> dict[str, Any]:
    """An event a party may not see, in their copy: its number, the previous hash and its
    own hash, nothing of its content. The next event's hash covers this one's, so the
    chain still checks from end to end (docs/casefile.md, "A party's copy")."""
    return {"seq": event.seq, "prev": event.prev_hash, "hash": event.hash, "withheld": True}


def messages_entry(messages: list[Message], person: Person) -> list[dict[str, Any]]:
    return [
        {
            "id": m.pk,
            "author": person(m.author),
            "body": m.body,
            "visibility": m.visibility,
            "created_at": _iso(m.created_at),
            # A text removed by court order or on request (docs/audit.md, "Redaction").
            "redacted_at": _iso(m.redacted_at),
        }
        for m in messages
    ]


def case_entry(dispute: Dispute, person: Person | None = None) -> dict[str, Any]:
    person = person or _person
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
        "buyer": person(dispute.buyer),
        "seller": person(dispute.seller),
        "assigned_mediator": person(dispute.assigned_mediator),
        "order": {
            "reference": order.reference,
            "currency": order.currency,
            "total": str(order.total),
            "amount_paid": str(order.amount_paid),
        },
    }


def decisions_entry(
    decisions: list[Decision],
    appeals: list[Appeal],
    person: Person | None = None,
    shown: set[int] | None = None,
) -> dict[str, Any]:
    """``shown``: in a party's copy, the evidence they may see; a cited item kept from
    them is counted, not named (as on the case page)."""
    person = person or _person
    return {
        "decisions": [
            {
                "id": d.pk,
                "mediator": person(d.mediator),
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
                    if shown is None or e.pk in shown
                ],
                **(
                    {}
                    if shown is None
                    else {
                        "evidence_withheld": sum(1 for e in d.evidence.all() if e.pk not in shown)
                    }
                ),
                "created_at": _iso(d.created_at),
            }
            for d in decisions
        ],
        "appeals": [
            {
                "id": a.pk,
                "party": a.party,
                "appellant": person(a.appellant),
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


def _name_only(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user)}


Person = Callable[[User | None], dict[str, Any] | None]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def safe_name(name: str) -> str:
    """A file name that is safe in any unzip tool: no folders, no control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:80] or "file"


class _ArchiveWriter:
    """Writes files into the zip and remembers each one's SHA-256 and size for the manifest."""

    def __init__(self, out: IO[bytes], person: Person = _person) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict[str, Any]] = []
        self.person = person

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
            "uploader": self.person(item.uploader),
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
