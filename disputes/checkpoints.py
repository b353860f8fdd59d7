"""Signed checkpoints of the chain heads (SPEC 13.4; docs/audit.md, "Signed checkpoints").

Every ``AUDIT_CHECKPOINT_SECONDS`` beat signs the heads of the disputes that
changed since the previous checkpoint: a Merkle tree over one leaf per
dispute (reference, event count, head), its root in a statement chained to
the previous checkpoint's hash and signed with a key kept outside the
database. A party's email or case file carries its dispute's latest signed
head with the inclusion proof, checkable offline; ``verify_audit`` checks
every stored checkpoint against the recomputed chains. A chain rewritten
after its head was signed, every hash recomputed, no longer reaches that head.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from disputes import audit_key, merkle
from disputes.models import GENESIS_HASH, AuditCheckpoint, CheckpointLeaf, Dispute, DisputeEvent

log = logging.getLogger(__name__)

STATEMENT_FORMAT = "disputes-audit-checkpoint/1"
RECEIPT_FORMAT = "disputes-signed-head/1"
PUBLIC_KEY_PATH = "/.well-known/disputes-audit-key"
# Checkpoints one run makes at most: catching up on 1 000 000 disputes (the first
# run on an existing database) is spread over several beats instead of one long task.
MAX_CHECKPOINTS_PER_RUN = 200
# Event ids read per query while collecting a checkpoint's disputes.
EVENT_PAGE = 5000


def public_key_url() -> str:
    return f"{settings.SITE_URL.rstrip('/')}{PUBLIC_KEY_PATH}"


# --- Signing ----------------------------------------------------------------


def sign_pending(*, limit: int = MAX_CHECKPOINTS_PER_RUN) -> int:
    """Sign the heads of the disputes with events since the last checkpoint; how many checkpoints."""
    key = audit_key.current()
    if key is None:
        log.error(
            "no AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE: the chain heads are not being "
            "signed, and a rewrite of the record could go unnoticed (docs/audit.md)"
        )
        return 0
    through = committed_event_id()
    if through is None:
        return 0
    made = 0
    while made < limit:
        last = AuditCheckpoint.objects.order_by("-number").first()
        start = last.events_through if last else 0
        if start >= through:
            break
        end, dispute_ids = _window(start, through)
        try:
            _sign(key, last, end, dispute_ids)
        except IntegrityError:
            # Another run signed the same next number first: it carries on.
            log.warning("checkpoint #%s was made by another run", last.number + 1 if last else 1)
            break
        made += 1
    return made


def committed_event_id() -> int | None:
    """The highest event id below which every event is committed, or None if busy.

    Event ids are handed out at insert, not at commit: a transition that took
    id 100 may commit after one that took 101. Taking the table's SHARE lock
    waits for every transaction that is inserting events to end (and holds new
    ones back meanwhile), so the highest id then is a mark nothing will commit
    below. The lock is held for that one read; if it cannot be had within two
    seconds, this run signs nothing and the next one tries again.
    """
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                table = connection.ops.quote_name(DisputeEvent._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                    cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            # SQLite (the demo) has one writer at a time: what it reads is committed.
            return DisputeEvent.objects.aggregate(top=Max("id"))["top"] or 0
    except DatabaseError:
        log.warning("events are busy: no checkpoint this time", exc_info=True)
        return None


def _window(start: int, through: int) -> tuple[int, list[int]]:
    """The disputes of the events after ``start``, at most MAX_LEAVES of them, and the
    last event id they cover."""
    cap = settings.AUDIT_CHECKPOINT_MAX_LEAVES
    seen: dict[int, None] = {}
    end = start
    while end < through:
        page = list(
            DisputeEvent.objects.filter(id__gt=end, id__lte=through)
            .order_by("id")
            .values_list("id", "dispute_id")[:EVENT_PAGE]
        )
        if not page:
            return through, list(seen)
        for event_id, dispute_id in page:
            if dispute_id not in seen:
                if len(seen) == cap:
                    return end, list(seen)
                seen[dispute_id] = None
            end = event_id
    return through, list(seen)


def _sign(
    key: audit_key.AuditKey, last: AuditCheckpoint | None, end: int, dispute_ids: list[int]
) -> AuditCheckpoint:
    # The heads as committed now, which may be past ``end``: a head signed early
    # is still a head of the chain, and its later events come in a later checkpoint.
    heads = list(
        Dispute.objects.filter(pk__in=dispute_ids)
        .order_by("pk")
        .values_list("pk", "reference", "event_count", "chain_head")
    )
    hashes = [
        merkle.leaf_hash(merkle.leaf_bytes(reference=ref, event_count=count, head=head))
        for _, ref, count, head in heads
    ]
    number = last.number + 1 if last else 1
    previous = last.hash if last else GENESIS_HASH
    created_at = timezone.now()
    root = merkle.root(hashes).hex()
    statement = canonical(
        {
            "format": STATEMENT_FORMAT,
            "number": number,
            "created_at": created_at.isoformat(),
            "previous": previous,
            "events_through": end,
            "leaves": len(heads),
            "root": root,
            "key_id": key.key_id,
        }
    )
    with transaction.atomic():
        checkpoint = AuditCheckpoint.objects.create(
            number=number,
            created_at=created_at,
            previous=previous,
            events_through=end,
            leaf_count=len(heads),
            root=root,
            key_id=key.key_id,
            statement=statement,
            hash=hashlib.sha256(statement.encode()).hexdigest(),
            signature=key.sign(statement.encode()),
        )
        CheckpointLeaf.objects.bulk_create(
            CheckpointLeaf(
                checkpoint=checkpoint,
                dispute_id=pk,
                position=position,
                event_count=count,
                head=head,
            )
            for position, (pk, _, count, head) in enumerate(heads)
        )
    return checkpoint


def canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# --- Receipts: a dispute's latest signed head, checkable offline --------------


def receipts_for(dispute_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each dispute's latest signed head with its inclusion proof (none yet: left out).

    Two queries whatever the number of disputes: their leaves (newest first)
    with the checkpoints, then every leaf of the checkpoints chosen, for the
    proofs (at most AUDIT_CHECKPOINT_MAX_LEAVES each).
    """
    ids = sorted(set(dispute_ids))
    if not ids:
        return {}
    latest: dict[int, CheckpointLeaf] = {}
    for leaf in (
        CheckpointLeaf.objects.filter(dispute_id__in=ids)
        .select_related("checkpoint")
        .order_by("dispute_id", "-checkpoint_id")
    ):
        latest.setdefault(leaf.dispute_id, leaf)
    if not latest:
        return {}
    trees: dict[int, list[bytes]] = {}
    references: dict[int, str] = {}
    for checkpoint_id, dispute_id, reference, count, head in (
        CheckpointLeaf.objects.filter(
            checkpoint_id__in={leaf.checkpoint_id for leaf in latest.values()}
        )
        .order_by("checkpoint_id", "position")
        .values_list("checkpoint_id", "dispute_id", "dispute__reference", "event_count", "head")
    ):
        references[dispute_id] = reference
        trees.setdefault(checkpoint_id, []).append(
            merkle.leaf_hash(merkle.leaf_bytes(reference=reference, event_count=count, head=head))
        )
    return {
        pk: _receipt(leaf, references[pk], trees[leaf.checkpoint_id]) for pk, leaf in latest.items()
    }


def _receipt(leaf: CheckpointLeaf, reference: str, tree: list[bytes]) -> dict[str, Any]:
    checkpoint = leaf.checkpoint
    return {
        "format": RECEIPT_FORMAT,
        "dispute": reference,
        "event_count": leaf.event_count,
        "head": leaf.head,
        "checkpoint": {
            "number": checkpoint.number,
            "created_at": checkpoint.created_at.isoformat(),
            "key_id": checkpoint.key_id,
            "statement": checkpoint.statement,
            "signature": checkpoint.signature,
        },
        "leaf_index": leaf.position,
        "tree_size": len(tree),
        "proof": [sibling.hex() for sibling in merkle.inclusion_proof(leaf.position, tree)],
        "public_key_url": public_key_url(),
    }


# --- Verification (verify_audit) ----------------------------------------------


@dataclass(frozen=True)
class CheckpointProblem:
    number: int
    problem: str

    def __str__(self) -> str:
        return f"checkpoint #{self.number}: {self.problem}"


def verify_checkpoints(chunk: int = 100) -> Iterator[CheckpointProblem]:
    """Every stored checkpoint: its signature, its place in the checkpoint chain, its
    leaves against its root, and each leaf against the dispute's chain as it is now."""
    key = audit_key.current()
    expected_number, previous = 1, GENESIS_HASH
    last_number = 0
    while True:
        checkpoints = list(
            AuditCheckpoint.objects.filter(number__gt=last_number).order_by("number")[:chunk]
        )
        if not checkpoints:
            return
        leaves: dict[int, list[tuple[int, str, int, str]]] = {c.pk: [] for c in checkpoints}
        for checkpoint_id, dispute_id, reference, count, head in (
            CheckpointLeaf.objects.filter(checkpoint_id__in=leaves)
            .order_by("checkpoint_id", "position")
            .values_list("checkpoint_id", "dispute_id", "dispute__reference", "event_count", "head")
        ):
            leaves[checkpoint_id].append((dispute_id, reference, count, head))
        chains = _signed_events(leaf for rows in leaves.values() for leaf in rows)
        for checkpoint in checkpoints:
            if checkpoint.number != expected_number:
                yield CheckpointProblem(
                    checkpoint.number,
                    f"checkpoints #{expected_number} to #{checkpoint.number - 1} are missing (deleted)",
                )
            yield from _verify_one(checkpoint, previous, leaves[checkpoint.pk], chains, key)
            expected_number, previous = checkpoint.number + 1, checkpoint.hash
        last_number = checkpoints[-1].number


def _signed_events(rows: Iterable[tuple[int, str, int, str]]) -> dict[tuple[int, int], str]:
    """The stored hash of each event a leaf names as its head: (dispute id, seq) -> hash."""
    wanted = {(dispute_id, count) for dispute_id, _, count, _ in rows if count}
    if not wanted:
        return {}
    found = DisputeEvent.objects.filter(
        dispute_id__in={d for d, _ in wanted}, seq__in={s for _, s in wanted}
    ).values_list("dispute_id", "seq", "hash")
    return {(d, s): h for d, s, h in found if (d, s) in wanted}


def _verify_one(
    checkpoint: AuditCheckpoint,
    previous: str,
    leaves: list[tuple[int, str, int, str]],
    chains: dict[tuple[int, int], str],
    key: audit_key.AuditKey | None,
) -> Iterator[CheckpointProblem]:
    number = checkpoint.number
    try:
        statement = json.loads(checkpoint.statement)
    except ValueError:
        yield CheckpointProblem(number, "its statement is not JSON (edited)")
        return
    if hashlib.sha256(checkpoint.statement.encode()).hexdigest() != checkpoint.hash:
        yield CheckpointProblem(number, "its hash does not match its statement (edited)")
    if key is not None and statement.get("key_id") != key.key_id:
        yield CheckpointProblem(
            number, f"signed by key {statement.get('key_id')}, not this platform's key {key.key_id}"
        )
    elif key is not None and not audit_key.verify_signature(
        key.public_raw, checkpoint.signature, checkpoint.statement.encode()
    ):
        yield CheckpointProblem(number, "the signature does not match its statement (forged)")
    if statement.get("number") != number or statement.get("previous") != previous:
        yield CheckpointProblem(
            number, "does not follow the previous checkpoint (inserted, replaced or reordered)"
        )
    hashes = [
        merkle.leaf_hash(merkle.leaf_bytes(reference=ref, event_count=count, head=head))
        for _, ref, count, head in leaves
    ]
    if statement.get("leaves") != len(leaves) or statement.get("root") != merkle.root(hashes).hex():
        yield CheckpointProblem(
            number, "its stored heads do not match the signed root (leaves edited or deleted)"
        )
    for dispute_id, reference, count, head in leaves:
        if count == 0:
            continue
        now = chains.get((dispute_id, count))
        if now is None:
            yield CheckpointProblem(
                number,
                f"{reference}: signed with {count} events, event #{count} is no longer in the chain (deleted)",
            )
        elif now != head:
            yield CheckpointProblem(
                number,
                f"{reference}: signed head {head} at event #{count}, the chain now has {now} there (rewritten)",
            )
