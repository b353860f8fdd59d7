"""Tampering with the audit trail through raw SQL is caught by ``manage.py verify_audit``.

SPEC section 6: every event carries the hash of the previous event of its
dispute, "so that any later edit of the history is detectable; a management
command verifies every chain". These tests go around the ORM, as someone with
database access would, edit the ``disputes_disputeevent`` table, and expect
the command to fail, naming the dispute and the event.
"""

from __future__ import annotations

import io
import json
import secrets

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from disputes import services
from disputes.events import event_hash
from disputes.models import Dispute, DisputeEvent
from tests.disputes.conftest import open_dispute
from tests.factories import full_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("triggers_off")]


@pytest.fixture
def bystander(buyer, seller):
    """A second, untouched dispute: the report must not blame it."""
    d = open_dispute(full_order(buyer=buyer, seller=seller))
    return services.dispute_submit(dispute=d, actor=buyer)


def verify_audit_fails() -> str:
    """Run the command, expect it to fail, and return what it wrote to stderr."""
    stderr = io.StringIO()
    with pytest.raises(CommandError, match=r"broken chain"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue()


def sql(statement: str, params: tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def delete_event(dispute: Dispute, seq: int) -> None:
    # A tamperer removes the event's notifications too: the foreign key from
    # disputes_notification would otherwise refuse the delete at commit.
    sql(
        "DELETE FROM disputes_notification WHERE event_id IN "
        "(SELECT id FROM disputes_disputeevent WHERE dispute_id = %s AND seq = %s)",
        (dispute.pk, seq),
    )
    deleted = sql(
        "DELETE FROM disputes_disputeevent WHERE dispute_id = %s AND seq = %s", (dispute.pk, seq)
    )
    assert deleted == 1


def make_room_at(dispute: Dispute, seq: int) -> None:
    """Renumber events ``seq`` and later one up, leaving ``seq`` free for an inserted row.

    Two steps, because (dispute, seq) is unique and PostgreSQL checks it row by row.
    """
    sql(
        "UPDATE disputes_disputeevent SET seq = seq + 1000 WHERE dispute_id = %s AND seq >= %s",
        (dispute.pk, seq),
    )
    sql(
        "UPDATE disputes_disputeevent SET seq = seq - 999 WHERE dispute_id = %s AND seq > 1000",
        (dispute.pk,),
    )


def forged_hash(
    source: DisputeEvent, *, seq: int, prev_hash: str, details: dict | None = None
) -> str:
    """The hash a careful forger computes for a copy of ``source`` at ``seq``,
    with the algorithm from the source code: the row on its own looks genuine."""
    return event_hash(
        dispute_id=source.dispute_id,
        seq=seq,
        kind=source.kind,
        actor_id=source.actor_id,
        actor_role=source.actor_role,
        from_state=source.from_state,
        to_state=source.to_state,
        details=source.details if details is None else details,
        visibility=source.visibility,
        created_at=source.created_at,
        prev_hash=prev_hash,
    )


def copy_event(
    source: DisputeEvent, *, seq: int, prev_hash: str, hash: str, details: dict | None = None
) -> None:
    """Insert a copy of ``source``'s columns (``details`` changed, if given) as event
    ``seq`` of the same dispute."""
    sql(
        "INSERT INTO disputes_disputeevent (dispute_id, seq, kind, actor_id, actor_role, "
        "from_state, to_state, details, visibility, created_at, prev_hash, hash) "
        "SELECT dispute_id, %s, kind, actor_id, actor_role, from_state, to_state, "
        "COALESCE(%s::jsonb, details), visibility, created_at, %s, %s "
        "FROM disputes_disputeevent WHERE id = %s",
        (seq, None if details is None else json.dumps(details), prev_hash, hash, source.pk),
    )


def event(dispute: Dispute, seq: int) -> DisputeEvent:
    return DisputeEvent.objects.get(dispute=dispute, seq=seq)


# --- a clean history -------------------------------------------------------


def test_an_untouched_history_verifies(negotiated, bystander):
    stdout = io.StringIO()
    call_command("verify_audit", stdout=stdout, stderr=io.StringIO())
    # Five events on the negotiated dispute, two on the bystander.
    assert "All chains verify: 2 disputes, 7 events." in stdout.getvalue()


# --- UPDATE ----------------------------------------------------------------


def test_editing_an_events_details_is_caught_and_named(negotiated, bystander):
    # The seller's offer of 30.00 becomes an offer of 120.00.
    changed = sql(
        "UPDATE disputes_disputeevent SET details = jsonb_set(details, '{amount}', '\"120.00\"') "
        "WHERE dispute_id = %s AND seq = 3",
        (negotiated.pk,),
    )
    assert changed == 1
    assert event(negotiated, 3).details["amount"] == "120.00"

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #3 " in report
    assert "content does not match its hash (edited)" in report
    assert bystander.reference not in report


def test_editing_an_events_kind_is_caught_and_named(negotiated, bystander):
    # The buyer's refund request is passed off as the seller accepting an offer.
    sql(
        "UPDATE disputes_disputeevent SET kind = 'accept_offer' WHERE dispute_id = %s AND seq = 5",
        (negotiated.pk,),
    )

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #5 " in report
    assert "(edited)" in report
    assert bystander.reference not in report


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(negotiated):
    # A forger who also rewrites the edited row's hash makes that row look
    # consistent, but the next event still carries the old hash as prev_hash.
    offer = event(negotiated, 3)
    offer.details = {**offer.details, "amount": "120.00"}
    new_hash = forged_hash(offer, seq=3, prev_hash=offer.prev_hash)
    sql(
        "UPDATE disputes_disputeevent SET details = %s::jsonb, hash = %s WHERE id = %s",
        (json.dumps(offer.details), new_hash, offer.pk),
    )

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #4 " in report
    assert "does not point at the previous event" in report


# --- DELETE ----------------------------------------------------------------


def test_deleting_an_event_in_the_middle_is_caught_and_named(negotiated, bystander):
    delete_event(negotiated, 3)

    report = verify_audit_fails()

    # The break is found at the next surviving event (#4), which says #3 is gone.
    assert f"{negotiated.reference}: event #4 " in report
    assert "event #3 is missing (deleted)" in report
    assert bystander.reference not in report


def test_deleting_the_last_event_is_caught_by_the_disputes_chain_head(negotiated, bystander):
    # What is left is a perfectly valid chain of four events: only the
    # dispute's own record of its head (event_count, chain_head) shows that a
    # fifth existed.
    delete_event(negotiated, 5)

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #5 " in report
    assert "missing (deleted)" in report
    assert "the dispute records 5 events, the table holds 4" in report
    assert bystander.reference not in report


# --- INSERT ----------------------------------------------------------------


def test_inserting_an_event_at_the_end_is_caught_and_named(negotiated, bystander):
    # A plausible row: a copy of the seller's offer, chained to the real head,
    # with a made-up hash.
    head = event(negotiated, 5)
    copy_event(event(negotiated, 3), seq=6, prev_hash=head.hash, hash=secrets.token_hex(32))
    assert DisputeEvent.objects.filter(dispute=negotiated).count() == 6

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #6 " in report
    assert "content does not match its hash" in report
    assert bystander.reference not in report


def test_inserting_an_event_with_a_genuine_looking_hash_at_the_end_is_caught(negotiated):
    # This time the forger computes a correct hash: every link checks out, and
    # only the dispute's recorded head (five events) gives the sixth away.
    head = event(negotiated, 5)
    source = event(negotiated, 3)
    copy_event(
        source, seq=6, prev_hash=head.hash, hash=forged_hash(source, seq=6, prev_hash=head.hash)
    )

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #6 " in report
    assert "appended after the recorded head (the dispute records 5 events)" in report


def test_inserting_an_event_in_the_middle_is_caught_and_named(negotiated, bystander):
    # A full-refund offer by the seller slipped in after the submission: the
    # later events are renumbered to make room, and the forged row is chained
    # to #2 with a correct hash. The event after it still points at the real #2.
    submit = event(negotiated, 2)
    source = event(negotiated, 3)
    forged = {**source.details, "outcome": "full_refund", "amount": "120.00"}
    make_room_at(negotiated, 3)
    copy_event(
        source,
        seq=3,
        prev_hash=submit.hash,
        hash=forged_hash(source, seq=3, prev_hash=submit.hash, details=forged),
        details=forged,
    )
    assert list(DisputeEvent.objects.filter(dispute=negotiated).values_list("seq", "kind")) == [
        (1, "created"),
        (2, "submit"),
        (3, "make_offer"),
        (4, "make_offer"),
        (5, "message"),
        (6, "request_refund"),
    ]
    assert event(negotiated, 3).details["amount"] == "120.00"

    report = verify_audit_fails()

    assert f"{negotiated.reference}: event #4 " in report
    assert "does not point at the previous event (inserted or reordered)" in report
    assert bystander.reference not in report


def test_every_tampered_dispute_is_reported_not_only_the_first(negotiated, bystander):
    # This time the bystander's history is edited too: both must be named.
    sql(
        "UPDATE disputes_disputeevent SET details = jsonb_set(details, '{amount}', '\"120.00\"') "
        "WHERE dispute_id = %s AND seq = 3",
        (negotiated.pk,),
    )
    sql(
        "UPDATE disputes_disputeevent SET details = '{}'::jsonb WHERE dispute_id = %s AND seq = 1",
        (bystander.pk,),
    )

    stderr = io.StringIO()
    with pytest.raises(CommandError, match=r"^2 broken chain\(s\)\.$"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=stderr)

    assert f"{negotiated.reference}: event #3 " in stderr.getvalue()
    assert f"{bystander.reference}: event #1 " in stderr.getvalue()
