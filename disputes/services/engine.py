"""How every transition runs (ARCHITECTURE rule 2), and how other events are appended.

1. open ``transaction.atomic()``; 2. re-read the row ``select_for_update()``;
3. check the workflow table and the actor; 4. write with a compare-and-set on
(state, version), so that anything but one updated row is a conflict (SQLite
ignores row locks); 5. append the event, chained to the dispute's head;
6. write the notifications; side effects go out with ``on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from disputes.choices import PLATFORM_STATES, TERMINAL_STATES, DisputeState, Visibility
from disputes.errors import Conflict, NotAllowedNow, NotYours
from disputes.events import next_event
from disputes.models import Dispute, DisputeEvent
from disputes.notifications import Notice, notify, notify_many, recipients_of
from disputes.permissions import GUARD_REFUSALS, check_may_work, failed_guards, role_in
from disputes.records import dispute_seal, seal
from disputes.workflow import TRANSITIONS, Role, deadline_for, next_reminder_at

REVIEW_STATES = (DisputeState.UNDER_REVIEW, DisputeState.APPEALED)
# The platform's phase: a case arriving in review from anywhere else (the
# parties' phase: escalation, silence, timeouts, a return problem, an appeal)
# gets a mediator; moving inside it (information asked and given) keeps one.
PLATFORM_PHASE = PLATFORM_STATES
# Columns only the engine writes (from the table and the rule): a service's
# free-form ``Change.fields`` naming one is a programming error.
ENGINE_COLUMNS = frozenset(
    {
        "state",
        "settlement",
        "version",
        "event_count",
        "chain_head",
        "assigned_mediator",
        "assigned_mediator_id",
        "deadline_at",
        "deadline_rule",
        "deadline_started_at",
        "reminder_at",
        "reminders_sent",
        "deadline_extended",
    }
)


@dataclass
class Change:
    """What a transition writes besides the state: built by its service under the lock."""

    target: str | None = None  # None: the table's target (or the same state)
    # The wait that follows. By default the table's: arriving in another state
    # starts the transition's ``starts`` rule; staying keeps the current deadline.
    start: str | None = None  # this rule instead (a settlement's, a new review window)
    no_wait: bool = False  # nothing to wait for: the deadline is cleared
    settlement: str | None = None  # None: unchanged
    fields: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    visibility: str = Visibility.ALL
    notify_body: str = ""
    recipients: Iterable[int] | None = None
    # A wait shorter or longer than the rule's default (a mediator's own deadline).
    duration: timedelta | None = None
    # The current wait moved by this much, once (a party's extension, SPEC 13.2).
    extend: timedelta | None = None
    # The seals of the rows the transition wrote besides the dispute (an offer, a
    # decision, a refund): ``disputes.records``. The dispute's own come from ``fields``.
    sealed: list[dict[str, Any]] = field(default_factory=list)


def deadline_fields(
    rule: str | None, now: datetime, duration: timedelta | None = None
) -> dict[str, Any]:
    # Every new wait starts without an extension (SPEC 13.2: once per stage).
    if rule is None:
        return {
            "deadline_at": None,
            "deadline_rule": "",
            "deadline_started_at": None,
            "reminder_at": None,
            "reminders_sent": 0,
            "deadline_extended": False,
        }
    end, reminder = deadline_for(rule, now, duration)
    return {
        "deadline_at": end,
        "deadline_rule": rule,
        "deadline_started_at": now,
        "reminder_at": reminder,
        "reminders_sent": 0,
        "deadline_extended": False,
    }


def extended_fields(locked: Dispute, by: timedelta) -> dict[str, Any]:
    """The current wait, ``by`` longer: its reminders follow the new end."""
    assert locked.deadline_at is not None
    assert locked.deadline_started_at is not None
    end = locked.deadline_at + by
    reminder = next_reminder_at(locked.deadline_started_at, end, sent=locked.reminders_sent)
    return {"deadline_at": end, "reminder_at": reminder, "deadline_extended": True}


def lock(dispute_id: int) -> Dispute:
    """The dispute row and its order's row, locked until the transaction ends, with
    the order's shipment and payment (which the eligibility check of ``submit`` reads).

    Locking the order too serialises every refund of the order (the ledger
    invariant) without a second round trip.
    """
    return (
        Dispute.objects.select_for_update(of=("self", "order"))
        .select_related("order", "order__shipment", "order__payment")
        .get(pk=dispute_id)
    )


@dataclass
class Step:
    """One transition worked out under the row lock, not yet written: the row's new
    values, its event and, when the case changes hands, the ``assigned`` event."""

    locked: Dispute
    from_state: str
    values: dict[str, Any]
    event: DisputeEvent
    assigned: DisputeEvent | None
    change: Change


# Who takes a case arriving in review: ``choose_mediator`` for one transition, a
# ``MediatorPool`` for the sweep's batch (mediation.assignment).
Chooser = Callable[..., int | None]


def run_transition(
    dispute: Dispute,
    actor: User | None,
    name: str,
    build: Callable[[Dispute, Role], Change],
) -> Dispute:
    """Apply transition ``name`` for ``actor`` (None: the system); returns the updated dispute."""
    from mediation.assignment import choose_mediator

    with transaction.atomic():
        locked = lock(dispute.pk)
        role = check_transition(locked, actor, name)
        change = build(locked, role)
        step = plan_transition(locked, actor, role, name, change, timezone.now(), choose_mediator)
        updated = Dispute.objects.filter(
            pk=locked.pk, state=step.from_state, version=locked.version
        ).update(version=F("version") + 1, **step.values)
        if updated != 1:
            raise Conflict("Someone else changed this dispute at the same moment; reload it.")
        step.event.save(force_insert=True)
        news, handover = apply_step(step)
        notify_many([news])
        if handover is not None:
            assert step.assigned is not None
            step.assigned.save(force_insert=True)
            notify_many([handover])
    return locked


def check_transition(locked: Dispute, actor: User | None, name: str) -> Role:
    """The actor's role in the locked dispute, if the table lets it take ``name`` now."""
    transition = TRANSITIONS[name]
    role = role_in(locked, actor)
    if role is None:
        raise NotYours("You have no part in this dispute.")
    failed = failed_guards(transition, locked, role, actor)
    if failed == ("assignee",):
        # Allowed now, but not to this mediator: the case is taken or reassigned first.
        check_may_work(locked, actor)
    if failed:
        # The state allows it, a guard does not: say which rule refuses.
        raise NotAllowedNow(f"“{transition.label}” is not possible: {GUARD_REFUSALS[failed[0]]}.")
    if failed is None:
        raise NotAllowedNow(_refusal(transition.label, locked))
    return role


def plan_transition(
    locked: Dispute,
    actor: User | None,
    role: Role,
    name: str,
    change: Change,
    now: datetime,
    choose: Chooser,
) -> Step:
    """What transition ``name`` writes: the row's new values and its event(s), chained
    to the dispute's head. No writes (``choose`` may lock the roster)."""
    transition = TRANSITIONS[name]
    from_state = locked.state
    target = change.target or transition.target or from_state
    # The declaration says where a transition may lead; a service cannot go elsewhere,
    # nor write what only the engine writes.
    allowed = (*transition.targets, *((from_state,) if transition.target is None else ()))
    if target not in allowed:
        raise ValueError(f"{name} cannot lead to {target} (its declaration: {allowed}).")
    forbidden = ENGINE_COLUMNS & set(change.fields)
    if forbidden:
        raise ValueError(f"{name} cannot write {sorted(forbidden)} itself: the engine does.")
    values: dict[str, Any] = {"state": target, **change.fields}
    if change.settlement is not None:
        values["settlement"] = change.settlement
    if target in TERMINAL_STATES:
        values.setdefault("closed_at", now)
    if locked.is_overdue and target not in REVIEW_STATES:
        # "Overdue" is about a review; a case that left review is not.
        values.setdefault("is_overdue", False)
    if change.no_wait or target in TERMINAL_STATES:
        values.update(deadline_fields(None, now))
    elif change.start is not None:
        values.update(deadline_fields(change.start, now, change.duration))
    elif target != from_state and transition.starts is not None:
        values.update(deadline_fields(transition.starts, now, change.duration))
    elif change.extend is not None:
        values.update(extended_fields(locked, change.extend))
    own = dispute_seal(locked.pk, values)
    event = next_event(
        locked,
        kind=name,
        actor_id=actor.pk if actor else None,
        actor_role=role.value,
        created_at=now,
        from_state=from_state,
        to_state=target,
        details=change.details,
        visibility=change.visibility,
        sealed=[*change.sealed, *([own] if own else [])],
    )
    values.update(event_count=event.seq, chain_head=event.hash)
    assigned = _assignment(name, locked, from_state, target, event, now, choose)
    if assigned is not None:
        values.update(
            assigned_mediator_id=assigned.details["mediator"],
            event_count=assigned.seq,
            chain_head=assigned.hash,
        )
    return Step(locked, from_state, values, event, assigned, change)


def apply_step(step: Step) -> tuple[Notice, Notice | None]:
    """Set a written step's values on its locked instance; who hears of the
    transition, and (when the case changed hands) of the assignment."""
    locked = step.locked
    previous_mediator = locked.assigned_mediator_id
    for key, value in step.values.items():
        setattr(locked, key, value)
    locked.version += 1
    # The transition's news goes to whoever had the case; the new mediator
    # hears of it through the assignment.
    locked.assigned_mediator_id = previous_mediator
    news = Notice(
        locked,
        step.event,
        recipients_of(locked, step.event, step.change.recipients),
        step.change.notify_body,
    )
    if step.assigned is None:
        return news, None
    locked.assigned_mediator_id = step.assigned.details["mediator"]
    people = {step.assigned.details["mediator"], previous_mediator} - {None}
    return news, Notice(locked, step.assigned, sorted(people))


def _assignment(
    name: str,
    locked: Dispute,
    from_state: str,
    target: str,
    after: DisputeEvent,
    now: datetime,
    choose: Chooser,
) -> DisputeEvent | None:
    """The ``assigned`` event that follows ``after`` in the same transaction, or None.

    A case arriving in review from the parties' phase goes to the least-loaded
    mediator who is not a party (an appeal: to a senior mediator who did not
    decide it); an overdue review goes to the least-loaded *other* mediator.
    When nobody is free the case waits unassigned in the queue (an overdue one
    stays with its mediator, and the leads hear about it).
    """
    current = locked.assigned_mediator_id
    if name == "review_overdue":
        chosen = choose(
            locked,
            appeal=locked.state == DisputeState.APPEALED,
            exclude=[current] if current is not None else [],
        )
        if chosen is None:
            return None
    elif target in REVIEW_STATES and from_state not in PLATFORM_PHASE:
        chosen = choose(locked, appeal=target == DisputeState.APPEALED)
        if chosen == current:
            # Back to the mediator who already has it (or still nobody): nothing moves.
            return None
    else:
        return None
    return next_event(
        # The chain as it stands after ``after``, which is not saved yet.
        _Head(locked.pk, after.seq, after.hash),  # type: ignore[arg-type]
        kind="assigned",
        actor_id=None,
        actor_role=Role.SYSTEM.value,
        created_at=now,
        from_state=target,
        to_state=target,
        details={"mediator": chosen, "previous": current, "why": name},
        visibility=Visibility.MEDIATOR,
    )


@dataclass
class _Head:
    """What ``next_event`` reads of a dispute: its id and the head of its chain."""

    pk: int
    event_count: int
    chain_head: str


def assignment_event(
    dispute_id: int,
    *,
    mediator: User,
    actor: User,
    why: str,
    check: Callable[[Dispute], None],
) -> Dispute:
    """Assign a case by hand (a lead's reassignment, a mediator taking a case): an
    ``assigned`` event in the chain, the new mediator (and the previous one) told.

    ``check`` runs under the row lock and refuses what is not allowed.
    """
    previous: list[int | None] = []
    # Filled under the lock, read by notify() in the same transaction.
    recipients: list[int] = []

    def before(locked: Dispute) -> None:
        check(locked)
        previous.append(locked.assigned_mediator_id)
        recipients.extend(p for p in {mediator.pk, locked.assigned_mediator_id} if p is not None)

    locked, _event = append_event(
        dispute_id,
        kind="assigned",
        actor=actor,
        before=before,
        details=lambda d: {"mediator": mediator.pk, "previous": previous[0], "why": why},
        visibility=Visibility.MEDIATOR,
        recipients=recipients,
        extra_fields={"assigned_mediator_id": mediator.pk},
    )
    locked.assigned_mediator = mediator
    return locked


def append_event(
    dispute_id: int,
    *,
    kind: str,
    actor: User | None,
    details: dict[str, Any] | Callable[[Dispute], dict[str, Any]] | None = None,
    visibility: str = Visibility.ALL,
    recipients: Iterable[int] | None = None,
    notify_body: str = "",
    extra_fields: dict[str, Any] | None = None,
    before: Callable[[Dispute], None] | None = None,
    sealed: list[dict[str, Any]] | Callable[[Dispute], list[dict[str, Any]]] | None = None,
) -> tuple[Dispute, DisputeEvent]:
    """An event that is not a transition (message, note, reminder, refund paid, …).

    Takes the dispute's row lock too: the chain has one writer at a time.
    ``before`` runs under the lock (to check the state, or write a row);
    ``sealed`` (or a function of the locked dispute, called after ``before``)
    seals the rows it wrote; the dispute's own sealed ``extra_fields`` are added.
    """
    with transaction.atomic():
        locked = lock(dispute_id)
        if before is not None:
            before(locked)
        if callable(details):
            details = details(locked)
        if callable(sealed):
            sealed = sealed(locked)
        own = dispute_seal(locked.pk, extra_fields or {})
        role = role_in(locked, actor)
        event = next_event(
            locked,
            kind=kind,
            actor_id=actor.pk if actor else None,
            actor_role=_role_or_refuse(role).value,
            created_at=timezone.now(),
            from_state=locked.state,
            to_state=locked.state,
            details=details,
            visibility=visibility,
            sealed=[*(sealed or ()), *([own] if own else [])],
        )
        values = {"event_count": event.seq, "chain_head": event.hash, **(extra_fields or {})}
        Dispute.objects.filter(pk=locked.pk).update(**values)
        event.save(force_insert=True)
        for key, value in values.items():
            setattr(locked, key, value)
        notify(locked, event, recipients=recipients, body=notify_body)
    return locked, event


def _refusal(label: str, dispute: Dispute) -> str:
    return f"“{label}” is not possible now: the dispute is {dispute.get_state_display().lower()}."


def _role_or_refuse(role: Role | None) -> Role:
    if role is None:
        raise NotYours("You have no part in this dispute.")
    return role


def record_creation(
    dispute: Dispute, *, actor: User, created_at: datetime, details: dict[str, Any]
) -> DisputeEvent:
    """The first event of a new dispute (``created``), which starts its chain: it
    seals the dispute and its order's parties and money as they are now."""
    event = next_event(
        dispute,
        kind="created",
        actor_id=actor.pk,
        actor_role=Role.BUYER.value,
        created_at=created_at,
        to_state=dispute.state,
        details=details,
        visibility=Visibility.ALL,
        sealed=[seal(dispute), seal(dispute.order)],
    )
    event.save(force_insert=True)
    Dispute.objects.filter(pk=dispute.pk).update(event_count=event.seq, chain_head=event.hash)
    dispute.event_count, dispute.chain_head = event.seq, event.hash
    return event
