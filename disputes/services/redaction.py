"""Redaction: the one way a message's or a note's text leaves the record (SPEC 13.4).

A court order or a request to erase personal data can require that a text go.
The record must still show that something was said, when, by whom, and what it
was: the body is emptied, ``redacted_at`` set, and a ``redacted`` event names who
redacted it and why. The chain keeps the SHA-256 of the text from the event that
wrote it, so a party holding the original can still prove it. Messages and
notes are never deleted: a database trigger refuses both a DELETE and any
UPDATE outside this function (docs/audit.md, "The database refuses").
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from accounts.models import User
from disputes.choices import Visibility
from disputes.errors import Conflict
from disputes.models import Dispute, MediatorNote, Message
from disputes.records import digest, record_of, seal_values
from disputes.services.engine import append_event
from disputes.services.staff_reasons import staff_reason


def redact(*, record: Message | MediatorNote, actor: User, reason: str) -> Message | MediatorNote:
    """Remove the text of ``record`` for ``reason``; administrators only, once."""
    reason = staff_reason(
        actor,
        reason,
        refusal="Only administrators can redact a message or a note.",
        ask="Say why the text is removed, such as the court order or the erasure request",
    )
    model = type(record)
    kind = record_of(record).record
    now = timezone.now()
    removed: list[str] = []

    def remove(locked: Dispute) -> None:
        current = model.objects.filter(pk=record.pk).values_list("body", "redacted_at").first()
        if current is None or current[1] is not None:
            raise Conflict("This text was already redacted.")
        removed.append(current[0])
        with connection.cursor() as cursor:
            _redaction_mode(cursor, True)
            try:
                model.objects.filter(pk=record.pk).update(body="", redacted_at=now)
            finally:
                _redaction_mode(cursor, False)

    visibility = record.visibility if isinstance(record, Message) else Visibility.MEDIATOR
    append_event(
        record.dispute_id,
        kind="redacted",
        actor=None,
        before=remove,
        visibility=visibility,
        details=lambda _locked: {
            "record": kind,
            "id": record.pk,
            "reason": reason,
            "by": actor.pk,
            # The text's hash, as the event that wrote it sealed it.
            "body_sha256": digest(removed[0]),
        },
        sealed=[seal_values(kind, record.pk, {"body": "", "redacted_at": now})],
        recipients=(),
    )
    record.refresh_from_db()
    return record


def _redaction_mode(cursor: object, on: bool) -> None:
    # For this transaction only (SET LOCAL), and switched off again at once: the
    # trigger lets exactly the one UPDATE above through.
    if connection.vendor == "postgresql":
        cursor.execute(  # type: ignore[attr-defined]
            "SELECT set_config('disputes.redaction', %s, true)", ["on" if on else "off"]
        )
