"""Seals: the content hashes of the records that decide money or are shown as the record,
kept inside the events that wrote them (SPEC 13.4, docs/audit.md "Sealed records").

A seal names one row and holds a SHA-256 per field of what the row held when the
event was written: ``{"record": "message", "id": 12, "fields": {"body": "9f…", …}}``,
in the event's ``details["sealed"]``. The event's own hash covers its details, so
a seal cannot change without breaking the chain, and ``verify_records`` compares
every covered row with the last seal of each of its fields: an edited field, a
deleted row or a row inserted outside the platform is named with the event that
sealed it. Per-field digests (not one per row) are what lets it name the field.

Only hashes go into the chain, never the content: a message redacted by court
order loses its text, and the chain keeps the hash that proves what it was.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Model

from disputes.choices import RefundStatus


def _refund_status(status: str) -> str:
    # Pending and processing are the gateway handshake (a worker claims a refund,
    # gives it back to retry): operational, not the record. The seal says "on its
    # way"; paid, failed and paid outside are sealed as they are.
    if status in (RefundStatus.PENDING, RefundStatus.PROCESSING):
        return RefundStatus.PENDING
    return status


@dataclass(frozen=True)
class Covered:
    """A table of the record: the fields its seals hash, and how a value is read for it."""

    record: str
    model: str  # app_label.Model
    fields: tuple[str, ...]
    # How a row reaches its dispute (the column, on the row's own table).
    dispute_column: str = "dispute_id"
    # Values normalised before hashing (the refund's status classes).
    readers: Mapping[str, Callable[[Any], Any]] | None = None

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)


# The dispute's own sealed fields: what it is about and what it came to. ``state``
# is sealed by every transition; the rest when they are written.
DISPUTE_FIELDS = (
    "order_id",
    "buyer_id",
    "seller_id",
    "type",
    "reason",
    "description",
    "claimed_amount",
    "requested_outcome",
    "state",
    "settlement",
    "outcome",
    "refund_amount",
    "resolution_kind",
    "decided_by_id",
    "proposal_accepted_by",
)
# The order, once it has a dispute: its parties and money.
ORDER_FIELDS = ("buyer_id", "seller_id", "currency", "total", "amount_paid")

COVERED: dict[str, Covered] = {
    c.record: c
    for c in (
        Covered("dispute", "disputes.Dispute", DISPUTE_FIELDS, dispute_column="id"),
        Covered("order", "orders.Order", ORDER_FIELDS, dispute_column=""),
        Covered(
            "message",
            "disputes.Message",
            ("dispute_id", "author_id", "body", "visibility", "created_at", "redacted_at"),
        ),
        Covered(
            "note",
            "disputes.MediatorNote",
            ("dispute_id", "author_id", "body", "created_at", "redacted_at"),
        ),
        Covered(
            "offer",
            "disputes.Offer",
            (
                "dispute_id",
                "made_by_id",
                "party",
                "outcome",
                "amount",
                "note",
                "is_refund_request",
                "created_at",
                "status",
                "responded_at",
            ),
        ),
        Covered(
            "decision",
            "disputes.Decision",
            (
                "dispute_id",
                "mediator_id",
                "is_appeal",
                "appeal_result",
                "outcome",
                "refund_amount",
                "reason_code",
                "rules_applied",
                "rationale",
                "created_at",
                "evidence",  # the ids of the items it relied on, sorted
            ),
        ),
        Covered(
            "appeal",
            "disputes.Appeal",
            ("dispute_id", "appellant_id", "party", "explanation", "created_at"),
        ),
        Covered(
            "evidence",
            "evidence.Evidence",
            (
                "dispute_id",
                "uploader_id",
                "uploader_role",
                "kind",
                "file",
                "original_name",
                "content_type",
                "size",
                "sha256",
                "description",
                "visibility",
                "created_at",
                "hidden_at",
                "hidden_reason",
            ),
        ),
        Covered(
            "refund",
            "disputes.Refund",
            (
                "dispute_id",
                "order_id",
                "amount",
                "currency",
                "idempotency_key",
                "status",
                "provider_reference",
            ),
            readers={"status": _refund_status},
        ),
    )
}
RECORD_OF_MODEL = {c.model.lower(): c.record for c in COVERED.values()}


def canonical(value: Any) -> Any:
    """One spelling per value, whichever way it was read (Python or the database)."""
    if isinstance(value, Decimal):
        # Money: every amount column has two decimal places.
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # a stored file
        return value.name or ""
    if isinstance(value, list | tuple | set):
        return sorted(canonical(v) for v in value)
    return value


def digest(value: Any) -> str:
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def record_of(obj: Model) -> Covered:
    return COVERED[RECORD_OF_MODEL[obj._meta.label_lower]]


def _read(covered: Covered, obj: Any, name: str) -> Any:
    if name == "evidence" and covered.record == "decision":
        # Under the row lock, just written: the cited ids the caller set.
        value = getattr(obj, "_cited_ids", None)
        if value is None:
            value = list(obj.evidence.values_list("pk", flat=True))
    else:
        value = getattr(obj, name)
    reader = (covered.readers or {}).get(name)
    return reader(value) if reader else value


def seal(obj: Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The seal of ``obj`` as it is now: every covered field, or only ``fields``."""
    covered = record_of(obj)
    names = covered.fields if fields is None else tuple(fields)
    return seal_values(covered.record, obj.pk, {n: _read(covered, obj, n) for n in names})


def seal_values(record: str, pk: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """A seal from values written without an instance (a bulk update's new values)."""
    covered = COVERED[record]
    unknown = set(values) - set(covered.fields)
    if unknown:
        raise ValueError(f"{record} does not seal {sorted(unknown)}")
    readers = covered.readers or {}
    return {
        "record": record,
        "id": pk,
        "fields": {
            name: digest(readers[name](v) if name in readers else v)
            for name, v in sorted(values.items())
        },
    }


def dispute_seal(dispute_id: int, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dispute's sealed fields among ``values`` (a transition's writes), or None."""
    written = {}
    for name in DISPUTE_FIELDS:
        # A transition may write a foreign key as the object ("decided_by").
        plain = name.removesuffix("_id")
        if name in values:
            written[name] = values[name]
        elif plain != name and plain in values:
            value = values[plain]
            written[name] = getattr(value, "pk", value)
    return seal_values("dispute", dispute_id, written) if written else None


# --- Verification (verify_audit) ----------------------------------------------


@dataclass(frozen=True)
class RecordBreak:
    dispute_reference: str
    record: str
    record_id: int
    field: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.record} {self.record_id}"
        if self.field:
            where += f", field {self.field}"
        return f"{self.dispute_reference}: {where}: {self.problem}"


def expected_from(events: Sequence[Any]) -> dict[tuple[str, int], dict[str, tuple[str, int]]]:
    """Each sealed row's fields as the chain last sealed them, with the sealing event's number."""
    expected: dict[tuple[str, int], dict[str, tuple[str, int]]] = defaultdict(dict)
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        for item in details.get("sealed") or ():
            if not isinstance(item, dict) or item.get("record") not in COVERED:
                continue
            key = (str(item["record"]), int(item.get("id") or 0))
            for name, value in (item.get("fields") or {}).items():
                expected[key][name] = (value, event.seq)
    return expected


def _rows(covered: Covered, ids: Sequence[int], by: str) -> list[dict[str, Any]]:
    model = covered.model_class()
    columns = [f for f in covered.fields if f != "evidence"]
    rows = list(model._default_manager.filter(**{f"{by}__in": ids}).values("pk", *columns))
    if covered.record == "decision" and rows:
        through = model._meta.get_field("evidence").remote_field.through  # type: ignore[union-attr]
        cited: dict[int, list[int]] = defaultdict(list)
        for decision_id, evidence_id in through.objects.filter(
            decision_id__in=[r["pk"] for r in rows]
        ).values_list("decision_id", "evidence_id"):
            cited[decision_id].append(evidence_id)
        for row in rows:
            row["evidence"] = cited[row["pk"]]
    return rows


def rows_of(disputes: Sequence[Any]) -> dict[int, dict[tuple[str, int], dict[str, Any]]]:
    """Every covered row of these disputes, by dispute and (record, id): one query per
    covered table for the whole batch (two for decisions)."""
    ids = [d.pk for d in disputes]
    actual: dict[int, dict[tuple[str, int], dict[str, Any]]] = {pk: {} for pk in ids}
    for covered in COVERED.values():
        if covered.record == "order":
            continue
        by = "pk" if covered.record == "dispute" else "dispute_id"
        for row in _rows(covered, ids, by):
            owner = row["pk"] if covered.record == "dispute" else row["dispute_id"]
            actual[owner][(covered.record, row["pk"])] = row
    order_of = {d.pk: d.order_id for d in disputes}
    orders = {row["pk"]: row for row in _rows(COVERED["order"], list(set(order_of.values())), "pk")}
    for dispute_id, order_id in order_of.items():
        if order_id in orders:
            actual[dispute_id][("order", order_id)] = orders[order_id]
    return actual


def verify_records(
    disputes: Sequence[Any], events_of: Mapping[int, Sequence[Any]]
) -> Iterator[RecordBreak]:
    """Every covered row of these disputes against the seals in their chains."""
    actual = rows_of(disputes)
    for dispute in disputes:
        expected = expected_from(events_of.get(dispute.pk, ()))
        yield from _compare(dispute.reference, expected, actual[dispute.pk])


def unsealed(
    disputes: Sequence[Any], events_of: Mapping[int, Sequence[Any]]
) -> dict[int, list[dict[str, Any]]]:
    """The seals of the rows no event of their chain seals at all (a database from
    before the seals), by dispute. Not among them: a row with seals that differ (a
    change, for ``verify_audit`` to report, never to seal over), and a row that came
    after the seals did, which its own event would have sealed (an insertion): once
    a chain has a seal, only rows written before its first sealed event qualify, and
    only those that carry their time (a refund, the dispute and the order are sealed
    by their first event since the upgrade)."""
    actual = rows_of(disputes)
    found: dict[int, list[dict[str, Any]]] = {}
    for dispute in disputes:
        events = events_of.get(dispute.pk, ())
        expected = expected_from(events)
        since = next((e.created_at for e in events if (e.details or {}).get("sealed")), None)
        seals = [
            seal_values(record, pk, {name: row[name] for name in COVERED[record].fields})
            for (record, pk), row in sorted(actual[dispute.pk].items())
            if (record, pk) not in expected
            and (since is None or ("created_at" in row and row["created_at"] < since))
        ]
        if seals:
            found[dispute.pk] = seals
    return found


def _compare(
    reference: str,
    expected: Mapping[tuple[str, int], dict[str, tuple[str, int]]],
    actual: Mapping[tuple[str, int], dict[str, Any]],
) -> Iterator[RecordBreak]:
    for key, row in sorted(actual.items(), key=lambda item: (item[0][0], item[0][1])):
        record, pk = key
        covered = COVERED[record]
        sealed = expected.get(key)
        if not sealed:
            yield RecordBreak(
                reference, record, pk, None, "no event of the chain seals it (inserted)"
            )
            continue
        readers = covered.readers or {}
        for name in covered.fields:
            if name not in sealed:
                continue
            value = row[name]
            if name in readers:
                value = readers[name](value)
            if digest(value) != sealed[name][0]:
                yield RecordBreak(
                    reference,
                    record,
                    pk,
                    name,
                    f"differs from its seal in event #{sealed[name][1]} (edited)",
                )
    for key, fields in sorted(expected.items(), key=lambda item: (item[0][0], item[0][1])):
        if key not in actual:
            seq = min(s for _d, s in fields.values())
            yield RecordBreak(
                reference,
                key[0],
                key[1],
                None,
                f"sealed in event #{seq}, no longer in its table (deleted)",
            )
