"""The deadline sweep's batch: many due timeouts applied in a constant number of queries.

The same steps as ``engine.run_transition`` (ARCHITECTURE rule 2), with the
same code for each: the table check (``check_transition``), the change
(the timeout's batch build, which its single service calls with a batch of
one), the new values and the hash-chained events (``plan_transition``), the
notices (``apply_step``). Only the writes are grouped: one INSERT of the
events, one compare-and-set UPDATE per kind of change, one read of the
preferences and one INSERT of the notifications; the mediators are read and
locked once and chosen in memory (``MediatorPool``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field
from django.utils import timezone

from disputes.errors import Conflict
from disputes.models import Dispute, DisputeEvent
from disputes.notifications import Notice, notify_many
from disputes.services.engine import (
    Change,
    Step,
    apply_step,
    check_transition,
    plan_transition,
)
from disputes.services.transitions import BatchBuild
from disputes.workflow import Role
from mediation.assignment import OPEN_STATES, MediatorPool

# What differs from row to row of one UPDATE; everything else is set alike.
PER_ROW = ("event_count", "chain_head", "assigned_mediator_id")


def apply_timeouts(due: Sequence[tuple[Dispute, str, BatchBuild]]) -> int:
    """Apply each (locked dispute, timeout name, batch build), in the order given,
    at the batch's moment (as a transition takes its own, not the sweep's start).

    The caller holds the rows' locks (SELECT … FOR UPDATE), in a transaction
    that this either completes or leaves with an exception and nothing written
    worth keeping (the caller rolls back to its savepoint). Returns how many.
    """
    if not due:
        return 0
    now = timezone.now()
    changes: dict[int, Change] = {}
    by_name: dict[str, list[Dispute]] = {}
    builds: dict[str, BatchBuild] = {}
    for dispute, name, build in due:
        check_transition(dispute, None, name)
        by_name.setdefault(name, []).append(dispute)
        builds[name] = build
    for name, disputes in by_name.items():
        for dispute, change in zip(disputes, builds[name](disputes), strict=True):
            changes[dispute.pk] = change
    # Read (and lock) the roster once; every case of the batch that moves is
    # counted in memory, as the counting query would count it one at a time.
    pool = MediatorPool.locked()
    steps: list[Step] = []
    for dispute, name, _build in due:
        before = dispute.assigned_mediator_id
        step = plan_transition(
            dispute, None, Role.SYSTEM, name, changes[dispute.pk], now, pool.choose
        )
        pool.moved(
            before=before,
            after=step.values.get("assigned_mediator_id", before),
            was_open=step.from_state in OPEN_STATES,
            is_open=step.values["state"] in OPEN_STATES,
        )
        steps.append(step)
    _update_rows(steps)
    DisputeEvent.objects.bulk_create(
        [event for step in steps for event in (step.event, step.assigned) if event is not None]
    )
    notices: list[Notice] = []
    for step in steps:
        news, handover = apply_step(step)
        notices.append(news)
        if handover is not None:
            notices.append(handover)
    notify_many(notices)
    return len(steps)


def _update_rows(steps: list[Step]) -> None:
    """The compare-and-set of ``run_transition`` for many rows: one UPDATE per set of
    common values (a few per batch: one per kind of timeout, as a rule), each row
    checked against the state and version read under its lock."""
    groups: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Step]] = {}
    for step in steps:
        common = tuple(sorted((k, v) for k, v in step.values.items() if k not in PER_ROW))
        groups.setdefault((step.from_state, common), []).append(step)
    for (from_state, common), group in groups.items():
        _compare_and_set(from_state, dict(common), group)


def _compare_and_set(from_state: str, common: dict[str, Any], group: list[Step]) -> None:
    """``UPDATE … FROM (VALUES …)``, in SQL that PostgreSQL and SQLite (3.33 and later)
    both read: the ORM would spell the per-row values as a CASE per column, which
    costs more to build in Python than the whole batch's other work."""
    qn = connection.ops.quote_name
    table = qn(Dispute._meta.db_table)
    sets = [
        f"{qn('version')} = {table}.{qn('version')} + 1",
        f"{qn('event_count')} = v.column3",
        f"{qn('chain_head')} = v.column4",
        f"{qn('assigned_mediator_id')} = v.column5",
    ]
    params: list[Any] = []
    for name, value in common.items():
        field = Dispute._meta.get_field(name)
        assert isinstance(field, Field)
        assert field.column is not None
        sets.append(f"{qn(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    # Typed cells: a column of NULLs (nobody assigned) would otherwise be text.
    row = "(CAST(%s AS bigint), CAST(%s AS bigint), CAST(%s AS bigint), %s, CAST(%s AS bigint))"
    for step in group:
        params += [
            step.locked.pk,
            step.locked.version,
            step.values["event_count"],
            step.values["chain_head"],
            step.values.get("assigned_mediator_id", step.locked.assigned_mediator_id),
        ]
    params.append(from_state)
    # Only quoted model identifiers and placeholders are spliced in; every value
    # goes as a parameter.
    where = (
        f"{table}.{qn('id')} = v.column1 AND {table}.{qn('version')} = v.column2 "
        f"AND {table}.{qn('state')} = %s"
    )
    values = ", ".join([row] * len(group))
    sql = f"UPDATE {table} SET {', '.join(sets)} FROM (VALUES {values}) AS v WHERE {where}"  # noqa: S608  # nosec B608  # quoted model identifiers and placeholders only
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    if updated != len(group):
        raise Conflict("Someone else changed a swept dispute at the same moment.")
