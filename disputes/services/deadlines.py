"""The deadline sweep (ARCHITECTURE rule 5): due waits get their timeout transition,
near ones a reminder. Safe to run twice at once: rows are taken with SKIP LOCKED
and every step re-checks under the row lock.

Timeouts go a batch at a time (disputes.services.timeouts: the same steps as a
single transition, in a constant number of queries); the ones that issue a
refund, and a batch that fails, go one dispute at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from disputes.errors import DisputeError
from disputes.models import Dispute
from disputes.notifications import concerned
from disputes.services.engine import append_event, check_transition
from disputes.services.timeouts import apply_timeouts
from disputes.services.transitions import BatchBuild, batch_build
from disputes.waiting import waiting_party
from disputes.workflow import RULES, next_reminder_at, reminder_sentence

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    timeouts: int = 0
    reminders: int = 0
    skipped: list[int] = field(default_factory=list)


def sweep(*, now: datetime | None = None, batch: int = 500) -> SweepResult:
    """Apply every due timeout, then send every due reminder, in batches."""
    now = now or timezone.now()
    result = SweepResult()
    _sweep_column("deadline_at", now, batch, result, _apply_timeout, _apply_timeouts)
    _sweep_column("reminder_at", now, batch, result, _send_reminder, None)
    return result


# One due row: its id, and, for a timeout the batch can apply, the locked row and
# the timeout's name and batch build (else None: the row goes one at a time).
Due = tuple[int, tuple[Dispute, str, BatchBuild] | None]


def _sweep_column(
    column: str,
    now: datetime,
    batch: int,
    result: SweepResult,
    step: Callable[[int, datetime], bool],
    apply_batch: Callable[[list[Dispute], datetime], list[Due]] | None,
) -> None:
    # The usual case, beat every minute with nothing due: one read on the
    # column's partial index and no transaction (three round trips fewer; the
    # probe's budget is 5 ms, docs/benchmarks.md). Ordered by the column, so
    # that even a plan made without ``now`` (a prepared statement's generic
    # plan) reads the index from its start and stops at once, where unordered
    # it may scan the whole table.
    first_due = Dispute.objects.filter(**{f"{column}__lte": now}).order_by(column)
    if not first_due.values_list(column, flat=True)[:1]:
        return
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            # SKIP LOCKED: a concurrent sweep (or a user's transition) holds those
            # rows; they are someone else's to handle now.
            locked = (
                Dispute.objects.filter(**{f"{column}__lte": now})
                .exclude(pk__in=failed)
                .order_by(column)
                .select_for_update(skip_locked=True)
            )
            if apply_batch is None:
                # One at a time (reminders): each step locks and reads its row
                # again; here only the ids are needed.
                locked = locked.only("pk")
            rows = list(locked[:batch])
            if not rows:
                return
            pending: list[int] = [row.pk for row in rows]
            if apply_batch is not None:
                # Most timeouts of the batch at once, in a savepoint: should that
                # fail, the batch goes one dispute at a time below, so that one
                # bad case costs the others nothing.
                try:
                    with transaction.atomic():
                        due = apply_batch(rows, now)
                except Exception:
                    log.exception("sweep: a batch of %s failed; one at a time", len(rows))
                else:
                    result.timeouts += sum(1 for _pk, batched in due if batched is not None)
                    pending = [pk for pk, batched in due if batched is None]
            for pk in pending:
                _one_by_one(pk, now, column, step, result, failed)


def _one_by_one(
    pk: int,
    now: datetime,
    column: str,
    step: Callable[[int, datetime], bool],
    result: SweepResult,
    failed: set[int],
) -> None:
    try:
        with transaction.atomic():
            done = step(pk, now)
    except DisputeError as exc:
        # Not due any more (a user moved it first): nothing to do.
        log.info("sweep: dispute %s: %s", pk, exc)
        done = False
    except Exception:
        log.exception("sweep: dispute %s failed", pk)
        failed.add(pk)
        result.skipped.append(pk)
        return
    if done:
        if column == "deadline_at":
            result.timeouts += 1
        else:
            result.reminders += 1
    else:
        failed.add(pk)


def _apply_timeouts(rows: list[Dispute], now: datetime) -> list[Due]:
    """The batch's timeouts that have a batch build, applied together; the others
    (refunds, and any the table refuses now) are left to go one at a time."""
    due: list[Due] = []
    for row in rows:
        name = RULES[row.deadline_rule].on_timeout if row.deadline_rule else ""
        build = batch_build(name) if name else None
        if build is None or row.deadline_at is None or row.deadline_at > now:
            due.append((row.pk, None))
            continue
        try:
            check_transition(row, None, name)
        except DisputeError:
            due.append((row.pk, None))
            continue
        due.append((row.pk, (row, name, build)))
    apply_timeouts([batched for _pk, batched in due if batched is not None])
    return due


def _apply_timeout(pk: int, now: datetime) -> bool:
    dispute = Dispute.objects.get(pk=pk)
    if dispute.deadline_at is None or dispute.deadline_at > now:
        return False
    rule = RULES[dispute.deadline_rule]
    # Imported here: the package imports this module to offer ``sweep``.
    from disputes.services import TIMEOUT_SERVICES

    TIMEOUT_SERVICES[rule.on_timeout](dispute=dispute)
    return True


def _send_reminder(pk: int, now: datetime) -> bool:
    """A reminder to whoever must act, once per threshold: under the row lock,
    ``reminders_sent`` moves on with the event, so a second sweep finds nothing due."""
    dispute = Dispute.objects.select_for_update().get(pk=pk)
    if dispute.reminder_at is None or dispute.reminder_at > now or dispute.deadline_at is None:
        return False
    party = waiting_party(dispute)
    started = dispute.deadline_started_at or now
    # A sweep that comes late (a stopped beat) sends one reminder, for the
    # latest threshold passed, not one per missed threshold.
    sent = dispute.reminders_sent + 1
    while (
        following := next_reminder_at(started, dispute.deadline_at, sent=sent)
    ) is not None and following <= now:
        sent += 1
    append_event(
        pk,
        kind="reminder",
        actor=None,
        details={
            "rule": dispute.deadline_rule,
            "percent": _percent(sent - 1),
            "deadline_at": dispute.deadline_at,
            "waiting_on": party,
        },
        visibility=_visibility_for(party),
        recipients=_who_must_act(dispute, party),
        notify_body=reminder_sentence(dispute, now),
        extra_fields={"reminders_sent": sent, "reminder_at": following},
    )
    return True


def _percent(index: int) -> int:
    percents = sorted(settings.DISPUTE_REMINDER_PERCENTS)
    return percents[min(index, len(percents) - 1)] if percents else 0


def _who_must_act(dispute: Dispute, party: str) -> list[int]:
    if party == "buyer":
        return [dispute.buyer_id]
    if party == "seller":
        return [dispute.seller_id]
    if party == "parties":
        return [dispute.buyer_id, dispute.seller_id]
    if party == "platform":
        return sorted(concerned(dispute, "mediator"))
    return []


def _visibility_for(party: str) -> str:
    return party if party in ("buyer", "seller") else ("mediator" if party == "platform" else "all")
