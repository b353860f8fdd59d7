"""The timeline and audit spine: append-only events, hash-chained per dispute (SPEC section 6)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from disputes.choices import Visibility
from disputes.models import GENESIS_HASH, Dispute, DisputeEvent
from disputes.records import RecordBreak, verify_records


def jsonable(value: Any) -> Any:
    """Details are stored as JSON and hashed: only str, int, bool, None, lists and dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def event_hash(
    *,
    dispute_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_role: str,
    from_state: str,
    to_state: str,
    details: dict[str, Any],
    visibility: str,
    created_at: datetime,
    prev_hash: str,
) -> str:
    payload = {
        "dispute": dispute_id,
        "seq": seq,
        "kind": kind,
        "actor": actor_id,
        "actor_role": actor_role,
        "from": from_state,
        "to": to_state,
        "details": details,
        "visibility": visibility,
        "at": created_at.isoformat(),
        "prev": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def hash_of(event: DisputeEvent) -> str:
    return event_hash(
        dispute_id=event.dispute_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        from_state=event.from_state,
        to_state=event.to_state,
        details=event.details,
        visibility=event.visibility,
        created_at=event.created_at,
        prev_hash=event.prev_hash,
    )


def next_event(
    dispute: Dispute,
    *,
    kind: str,
    actor_id: int | None,
    actor_role: str,
    created_at: datetime,
    from_state: str = "",
    to_state: str = "",
    details: dict[str, Any] | None = None,
    visibility: str = Visibility.ALL,
    sealed: list[dict[str, Any]] | None = None,
) -> DisputeEvent:
    """The dispute's next event, chained to its head (unsaved).

    The caller holds the dispute's row lock and writes the event and the new
    head (``event_count``, ``chain_head``) in the same transaction. ``sealed``:
    the seals of the rows the event wrote (``disputes.records``), kept in its
    details under ``sealed``, so that the event's hash covers them.
    """
    details = jsonable(details or {})
    if sealed:
        details["sealed"] = sealed
    seq = dispute.event_count + 1
    event = DisputeEvent(
        dispute_id=dispute.pk,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        actor_role=actor_role,
        from_state=from_state,
        to_state=to_state,
        details=details,
        visibility=visibility,
        created_at=created_at,
        prev_hash=dispute.chain_head,
    )
    event.hash = hash_of(event)
    return event


@dataclass(frozen=True)
class ChainBreak:
    dispute_reference: str
    seq: int | None
    event_id: int | None
    problem: str
    # The whole dispute, not one place in its chain (its row deleted).
    whole: bool = False

    def __str__(self) -> str:
        if self.whole:
            return f"{self.dispute_reference}: {self.problem}"
        where = f"event #{self.seq} (id {self.event_id})" if self.seq is not None else "chain head"
        return f"{self.dispute_reference}: {where}: {self.problem}"


def verify_chain(dispute: Dispute, events: list[DisputeEvent]) -> ChainBreak | None:
    """The first place where the stored chain differs from a recomputed one, or None."""
    prev = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problem = (
                f"event #{expected_seq} is missing (deleted)"
                if event.seq > expected_seq
                else "sequence repeats (inserted)"
            )
            return ChainBreak(dispute.reference, event.seq, event.pk, problem)
        if event.prev_hash != prev:
            return ChainBreak(
                dispute.reference,
                event.seq,
                event.pk,
                "does not point at the previous event (inserted or reordered)",
            )
        if hash_of(event) != event.hash:
            return ChainBreak(
                dispute.reference, event.seq, event.pk, "content does not match its hash (edited)"
            )
        prev = event.hash
    if len(events) < dispute.event_count:
        return ChainBreak(
            dispute.reference,
            len(events) + 1,
            None,
            f"missing (deleted): the dispute records {dispute.event_count} events, the table holds {len(events)}",
        )
    if len(events) > dispute.event_count:
        extra = events[dispute.event_count]
        return ChainBreak(
            dispute.reference,
            extra.seq,
            extra.pk,
            f"appended after the recorded head (the dispute records {dispute.event_count} events)",
        )
    if prev != dispute.chain_head:
        return ChainBreak(
            dispute.reference,
            len(events),
            events[-1].pk if events else None,
            "the last event is not the recorded chain head (replaced)",
        )
    return None


def verify_all(chunk: int = 500, *, records: bool = True) -> Iterator[ChainBreak | RecordBreak]:
    """Every broken chain in the database, one dispute at a time in batches, and
    (``records``) every covered row that differs from its seals (``disputes.records``)."""
    last_id = 0
    while True:
        disputes = list(Dispute.objects.filter(pk__gt=last_id).order_by("pk")[:chunk])
        if not disputes:
            yield from _orphaned_events()
            return
        by_dispute: dict[int, list[DisputeEvent]] = {d.pk: [] for d in disputes}
        for event in DisputeEvent.objects.filter(dispute_id__in=by_dispute).order_by(
            "dispute_id", "seq"
        ):
            by_dispute[event.dispute_id].append(event)
        intact = []
        for dispute in disputes:
            problem = verify_chain(dispute, by_dispute[dispute.pk])
            if problem is not None:
                yield problem
            else:
                intact.append(dispute)
        if records:
            # A broken chain's seals prove nothing: its rows are checked once it verifies.
            yield from verify_records(intact, by_dispute)
        last_id = disputes[-1].pk


def _orphaned_events() -> Iterator[ChainBreak]:
    """Events whose dispute row is gone (deleted with the foreign keys off): the loop
    above walks the disputes, so it would never meet them."""
    orphaned = (
        DisputeEvent.objects.exclude(dispute_id__in=Dispute.objects.values("pk"))
        .values_list("dispute_id", flat=True)
        .distinct()
        .order_by("dispute_id")
    )
    for dispute_id in orphaned:
        yield ChainBreak(
            f"dispute id {dispute_id}",
            None,
            None,
            "its events remain, the dispute row is gone (deleted)",
            whole=True,
        )
