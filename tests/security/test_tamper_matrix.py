"""The tamper matrix of SPEC 13.4: every record that decides money or is shown as the
record x {edit, delete, insert} through raw SQL.

With the database's triggers on (docs/audit.md, "The database refuses"), the edits
and deletes are refused. With them off, as a database superuser can
(``session_replication_role = replica``), ``manage.py verify_audit`` fails naming
the row and, for an edit, the field. An insert is a statement the workflow itself
makes, so the database lets it through; the audit names the row no event sealed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from disputes import services
from disputes.models import Decision, Dispute
from evidence.models import Evidence
from evidence.services import evidence_add
from tests.conftest import open_dispute
from tests.evidence.conftest import upload
from tests.evidence.corpus import jpeg
from tests.factories import full_order

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Record:
    """A covered table: how to find the case's row, and one column to edit."""

    name: str  # as verify_audit names it
    table: str
    where: str  # SQL selecting the case's row (%s: the dispute id)
    column: str  # the column edited (the field verify_audit names)
    value: str  # SQL expression of the forged value
    field: str | None = None  # the field named, when not the column


RECORDS = [
    Record("message", "disputes_message", "dispute_id = %s", "body", "'I never complained.'"),
    Record("note", "disputes_mediatornote", "dispute_id = %s", "body", "'All fine.'"),
    Record("offer", "disputes_offer", "dispute_id = %s", "amount", "119.00"),
    Record(
        "decision", "disputes_decision", "dispute_id = %s", "rationale", "'The seller is right.'"
    ),
    Record("decision", "disputes_decision", "dispute_id = %s", "refund_amount", "120.00"),
    Record("appeal", "disputes_appeal", "dispute_id = %s", "explanation", "'Nothing to add here.'"),
    Record("evidence", "evidence_evidence", "dispute_id = %s", "sha256", "repeat('0', 64)"),
    Record("evidence", "evidence_evidence", "dispute_id = %s", "description", "'Forged'"),
    Record("refund", "disputes_refund", "dispute_id = %s", "amount", "1.00"),
    Record("dispute", "disputes_dispute", "id = %s", "outcome", "'full_refund'"),
    Record("dispute", "disputes_dispute", "id = %s", "refund_amount", "120.00"),
    Record(
        "order",
        "orders_order",
        "id = (SELECT order_id FROM disputes_dispute WHERE id = %s)",
        "amount_paid",
        "100.00",
    ),
    Record(
        "decision",
        "disputes_decision_evidence",
        "decision_id IN (SELECT id FROM disputes_decision WHERE dispute_id = %s)",
        "evidence_id",
        "(SELECT max(id) FROM evidence_evidence)",
        field="evidence",
    ),
]
# Where an edit of the column is refused with the triggers on (the rest: see below).
REFUSED_EDITS = {
    "disputes_message",
    "disputes_mediatornote",
    "disputes_offer",  # an answered offer; an open one changes only its status
    "disputes_decision",
    "disputes_appeal",
    "evidence_evidence",
    "disputes_refund",
    "disputes_decision_evidence",
}
# A dispute row changes at every transition and an order's price may be corrected
# (the correction service): their edits are caught by the audit, not refused.
DELETABLE_WITHOUT_TRIGGERS = {"orders_order"}


@pytest.fixture
def worked(buyer, seller, mediator, senior):
    """A case with a row in every covered table: an offer, a message, evidence, a
    note, a decision citing the evidence, an appeal, the appeal's decision and its
    refund."""
    order = full_order(buyer=buyer, seller=seller)
    d = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    d = services.dispute_make_offer(
        dispute=d, actor=seller, outcome="partial_refund", amount="20.00", note="20 back"
    )
    services.message_post(dispute=d, actor=buyer, body="Six of the twelve mugs broke.")
    d = services.dispute_decline_offer(dispute=d, actor=buyer, offer=d.offers.get().pk)
    d = services.dispute_escalate(dispute=d, actor=buyer, justification="No fair offer came.")
    Dispute.objects.filter(pk=d.pk).update(assigned_mediator=mediator)
    item = evidence_add(
        dispute=d, actor=buyer, upload=upload("mugs.jpg", jpeg()), description="Broken mugs"
    )
    # A second item, for the citation to be moved to.
    evidence_add(dispute=d, actor=seller, upload=upload("label.jpg", jpeg()))
    services.note_add(dispute=d, actor=mediator, body="Photos are convincing.")
    d = services.dispute_decide(
        dispute=Dispute.objects.get(pk=d.pk),
        actor=mediator,
        outcome="partial_refund",
        refund_amount="40.00",
        reason_code="shared_fault",
        rationale="Packing was thin and the carrier was rough.",
        evidence_ids=[item.pk],
    )
    d = services.dispute_appeal(
        dispute=d, actor=seller, explanation="The packing met the carrier's standard."
    )
    Dispute.objects.filter(pk=d.pk).update(assigned_mediator=senior)
    d = services.dispute_decide_appeal(
        dispute=Dispute.objects.get(pk=d.pk),
        actor=senior,
        result="upheld",
        rationale="The first decision weighed the photos fairly.",
    )
    assert d.refunds.count() == 1
    assert Decision.objects.filter(dispute=d).count() == 2
    _verifies()
    return d


def _sql(statement: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _triggers(on: bool) -> None:
    _sql("SELECT set_config('session_replication_role', %s, true)", ["origin" if on else "replica"])


@contextmanager
def _undone() -> Iterator[None]:
    """Rows deleted with the foreign keys off are put back before the test ends: the
    test's final constraint check would fail on the rows that pointed at them."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _verifies() -> None:
    call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def _report() -> str:
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue()


def _row_id(record: Record, dispute: Dispute) -> int:
    key = "decision_id" if record.table == "disputes_decision_evidence" else "id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key} FROM {record.table} WHERE {record.where} ORDER BY {key} LIMIT 1",  # noqa: S608
            [dispute.pk],
        )
        return cursor.fetchone()[0]


def _edit(record: Record, dispute: Dispute) -> int:
    key = "decision_id" if record.table == "disputes_decision_evidence" else "id"
    return _sql(
        f"UPDATE {record.table} SET {record.column} = {record.value} "  # noqa: S608
        f"WHERE {key} = %s",
        [_row_id(record, dispute)],
    )


def _refused(statement) -> str:
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        statement()
    return str(refused.value)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r.table}.{r.column}")
def test_an_edit_is_refused_or_caught_and_named(worked, record):
    if record.table in REFUSED_EDITS:
        assert "refused" in _refused(lambda: _edit(record, worked))
    _triggers(on=False)
    assert _edit(record, worked) >= 1
    report = _report()
    assert (
        f"{record.name} {_row_id(record, worked)}, field {record.field or record.column}: differs from its seal"
        in report
    )
    assert worked.reference in report


DELETES = [
    Record("message", "disputes_message", "dispute_id = %s", "", ""),
    Record("note", "disputes_mediatornote", "dispute_id = %s", "", ""),
    Record("offer", "disputes_offer", "dispute_id = %s", "", ""),
    Record("decision", "disputes_decision", "dispute_id = %s", "", ""),
    Record("appeal", "disputes_appeal", "dispute_id = %s", "", ""),
    Record("evidence", "evidence_evidence", "dispute_id = %s", "", ""),
    Record("refund", "disputes_refund", "dispute_id = %s", "", ""),
]


@pytest.mark.parametrize("record", DELETES, ids=lambda r: r.table)
def test_a_delete_is_refused_or_caught_and_named(worked, record):
    pk = _row_id(record, worked)
    delete = f"DELETE FROM {record.table} WHERE id = %s"  # noqa: S608
    assert "refused" in _refused(lambda: _sql(delete, [pk]))
    with _undone():
        _triggers(on=False)
        if record.table == "disputes_decision":
            _sql("DELETE FROM disputes_decision_evidence WHERE decision_id = %s", [pk])
        if record.table == "evidence_evidence":
            _sql("DELETE FROM disputes_decision_evidence WHERE evidence_id = %s", [pk])
        assert _sql(delete, [pk]) == 1
        report = _report()
    assert f"{worked.reference}: {record.name} {pk}: sealed in event #" in report
    assert "no longer in its table (deleted)" in report


def test_deleting_the_citation_is_refused_or_caught(worked):
    decision = Decision.objects.filter(dispute=worked, is_appeal=False).get()
    delete = "DELETE FROM disputes_decision_evidence WHERE decision_id = %s"
    assert "refused" in _refused(lambda: _sql(delete, [decision.pk]))
    _triggers(on=False)
    _sql(delete, [decision.pk])
    assert f"decision {decision.pk}, field evidence: differs from its seal" in _report()


def test_deleting_the_dispute_is_refused_or_caught(worked):
    delete = "DELETE FROM disputes_dispute WHERE id = %s"
    assert "refused" in _refused(lambda: _sql(delete, [worked.pk]))
    with _undone():
        _triggers(on=False)
        _sql(delete, [worked.pk])
        report = _report()
    assert f"dispute id {worked.pk}: its events remain, the dispute row is gone (deleted)" in report


def test_deleting_the_order_is_caught(worked):
    # The order's foreign keys refuse it with the triggers on; a superuser without them:
    with _undone():
        _triggers(on=False)
        _sql("DELETE FROM orders_order WHERE id = %s", [worked.order_id])
        report = _report()
    assert (
        f"order {worked.order_id}: sealed in event #1, no longer in its table (deleted)" in report
    )


INSERTS = [
    ("message", "disputes_message", "dispute_id, author_id, body, visibility, created_at"),
    ("note", "disputes_mediatornote", "dispute_id, author_id, body, created_at"),
    (
        "offer",
        "disputes_offer",
        "dispute_id, made_by_id, party, outcome, amount, note, is_refund_request, status, "
        "created_at",
    ),
    (
        "decision",
        "disputes_decision",
        "dispute_id, mediator_id, is_appeal, appeal_result, outcome, refund_amount, "
        "reason_code, rules_applied, rationale, created_at",
    ),
    (
        "evidence",
        "evidence_evidence",
        "dispute_id, uploader_id, uploader_role, kind, original_name, content_type, size, "
        "sha256, width, height, thumbnail, thumbnail_status, description, visibility, "
        "created_at, hidden_reason",
    ),
    (
        "refund",
        "disputes_refund",
        "order_id, dispute_id, currency, status, provider_reference, attempts, last_error, "
        "created_at, updated_at",
    ),
]


@pytest.mark.parametrize(("name", "table", "columns"), INSERTS, ids=[i[1] for i in INSERTS])
def test_an_inserted_row_is_caught_and_named(worked, name, table, columns):
    # Copied from the case's own row, so nothing but the missing seal gives it away.
    extra_columns, extra_values = "", ""
    if table == "evidence_evidence":
        extra_columns, extra_values = ", file", ", file || '.copy'"
    if table == "disputes_refund":
        extra_columns, extra_values = ", amount, idempotency_key", ", 1.00, 'forged'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}{extra_columns}) "  # noqa: S608
            f"SELECT {columns}{extra_values} FROM {table} WHERE dispute_id = %s "
            "ORDER BY id LIMIT 1 RETURNING id",
            [worked.pk],
        )
        (pk,) = cursor.fetchone()
    assert f"{worked.reference}: {name} {pk}: no event of the chain seals it (inserted)" in (
        _report()
    )


def test_an_inserted_citation_is_caught(worked):
    # The first decision is made to rely on an item it never cited.
    decision = Decision.objects.filter(dispute=worked, is_appeal=False).get()
    other = Evidence.objects.filter(dispute=worked).exclude(cited_by=decision).first()
    _sql(
        "INSERT INTO disputes_decision_evidence (decision_id, evidence_id) VALUES (%s, %s)",
        [decision.pk, other.pk],
    )
    assert f"decision {decision.pk}, field evidence: differs from its seal" in _report()


def test_an_inserted_appeal_is_caught(worked):
    # One appeal per party: the forger appeals for the buyer, who never did.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO disputes_appeal (dispute_id, appellant_id, party, explanation, "
            "created_at) VALUES (%s, %s, 'buyer', 'Forged appeal text here.', now()) "
            "RETURNING id",
            [worked.pk, worked.buyer_id],
        )
        (pk,) = cursor.fetchone()
    assert f"appeal {pk}: no event of the chain seals it (inserted)" in _report()


def test_a_dispute_inserted_outside_the_platform_is_caught(worked):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO disputes_dispute (reference, order_id, buyer_id, seller_id, type, "
            "reason, description, facts, claimed_amount, requested_outcome, state, settlement, "
            "deadline_rule, reminders_sent, info_requested_from, seller_silent, is_overdue, "
            "open_offer_party, buyer_appealed, seller_appealed, outcome, refund_amount, "
            "resolution_kind, created_at, updated_at, version, event_count, chain_head) "
            "SELECT 'DSP-FORGED01', order_id, buyer_id, seller_id, type, reason, description, "
            "facts, claimed_amount, requested_outcome, 'closed', '', '', 0, '', false, false, "
            "'', false, false, 'full_refund', 120.00, 'decision', now(), now(), 0, 0, %s "
            "FROM disputes_dispute WHERE id = %s RETURNING id",
            ["0" * 64, worked.pk],
        )
        (pk,) = cursor.fetchone()
    assert f"DSP-FORGED01: dispute {pk}: no event of the chain seals it (inserted)" in _report()


def test_an_event_edit_or_delete_is_refused(worked):
    edit = "UPDATE disputes_disputeevent SET details = '{}'::jsonb WHERE dispute_id = %s"
    delete = "DELETE FROM disputes_disputeevent WHERE dispute_id = %s"
    assert "refused" in _refused(lambda: _sql(edit, [worked.pk]))
    assert "refused" in _refused(lambda: _sql(delete, [worked.pk]))


def test_an_open_offer_is_answered_once_and_nothing_else_changes(buyer, seller):
    d = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    d = services.dispute_make_offer(
        dispute=d, actor=seller, outcome="partial_refund", amount="20.00"
    )
    offer = d.offers.get()
    # The amount of an open offer: refused; its answer (the workflow's): allowed once.
    assert "refused" in _refused(
        lambda: _sql("UPDATE disputes_offer SET amount = 1 WHERE id = %s", [offer.pk])
    )
    services.dispute_decline_offer(dispute=d, actor=buyer, offer=offer.pk)
    assert "refused" in _refused(
        lambda: _sql("UPDATE disputes_offer SET status = 'accepted' WHERE id = %s", [offer.pk])
    )
    _verifies()


def test_a_hidden_items_hiding_cannot_be_rewritten(worked):
    item = Evidence.objects.filter(dispute=worked).first()
    staff = worked.buyer.__class__.objects.create_user(
        email="ops@example.com", password="x" * 12, is_staff=True
    )
    from evidence.services import evidence_hide

    evidence_hide(evidence=item, actor=staff, reason="Shows a card number.")
    assert "refused" in _refused(
        lambda: _sql("UPDATE evidence_evidence SET hidden_reason = 'Spam' WHERE id = %s", [item.pk])
    )
    _verifies()
