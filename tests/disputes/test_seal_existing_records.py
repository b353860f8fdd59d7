"""Upgrading a database from before the seals: ``manage.py seal_existing_records``
seals the rows no event seals, once, and never seals over a change."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from disputes.events import hash_of
from disputes.models import Dispute, DisputeEvent, Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("triggers_off")]


def _as_before_the_seals(dispute: Dispute) -> None:
    """The chain as the first release wrote it: no seals in the events (every hash
    recomputed, as a database of that release holds it)."""
    prev = "0" * 64
    with connection.cursor() as cursor:
        for event in DisputeEvent.objects.filter(dispute=dispute).order_by("seq"):
            event.details.pop("sealed", None)
            event.prev_hash = prev
            new = hash_of(event)
            cursor.execute(
                "UPDATE disputes_disputeevent SET details = %s::jsonb, prev_hash = %s, "
                "hash = %s WHERE id = %s",
                [json.dumps(event.details), prev, new, event.pk],
            )
            prev = new
        cursor.execute(
            "UPDATE disputes_dispute SET chain_head = %s WHERE id = %s", [prev, dispute.pk]
        )


def _audit() -> str:
    stderr = io.StringIO()
    try:
        call_command("verify_audit", stdout=io.StringIO(), stderr=stderr)
    except CommandError:
        return stderr.getvalue()
    return ""


def _seal() -> str:
    out = io.StringIO()
    call_command("seal_existing_records", stdout=out)
    return out.getvalue()


def test_the_rows_of_an_old_database_are_sealed_once(negotiated):
    _as_before_the_seals(negotiated)
    assert "no event of the chain seals it (inserted)" in _audit()

    assert "Sealed 5 row(s) of 1 dispute(s)." in _seal()  # dispute, order, message, 2 offers
    assert _audit() == ""
    event = DisputeEvent.objects.filter(dispute=negotiated).latest("seq")
    assert (event.kind, event.actor_id, event.visibility) == ("records_sealed", None, "mediator")
    assert "Sealed 0 row(s) of 0 dispute(s)." in _seal()


def test_a_changed_row_is_never_sealed_over(negotiated):
    message = Message.objects.get(dispute=negotiated)
    Message.objects.filter(pk=message.pk).update(body="I am happy with the mugs.")
    assert "Sealed 0 row(s)" in _seal()
    assert f"message {message.pk}, field body: differs from its seal" in _audit()


def test_a_row_inserted_after_the_upgrade_is_not_sealed(negotiated):
    _as_before_the_seals(negotiated)
    _seal()
    # A row slipped in afterwards, around the services: no event sealed it, and the
    # command does not either (it came after the chain's first seal).
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO disputes_message (dispute_id, author_id, body, visibility, created_at) "
            "VALUES (%s, %s, 'Forged', 'all', clock_timestamp()) RETURNING id",
            [negotiated.pk, negotiated.buyer_id],
        )
        (pk,) = cursor.fetchone()
    assert "Sealed 0 row(s)" in _seal()
    assert f"message {pk}: no event of the chain seals it (inserted)" in _audit()
