"""Who gets a case: the least-loaded active mediator who is not a party (recusal).

Pure choice, no writes: the engine calls ``choose_mediator`` under the
dispute's row lock and writes the assignment and its event itself; the
deadline sweep, which assigns a whole batch at once, asks a ``MediatorPool``
(the roster and its counts read once, then kept in memory) the same question.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from accounts.models import Role, User
from accounts.seniority import senior_q
from disputes.choices import PLATFORM_STATES
from disputes.models import Dispute
from mediation.models import MediatorProfile

# A mediator's open cases: the ones the platform is working on.
OPEN_STATES = PLATFORM_STATES


def roster(*, seniors_only: bool = False) -> QuerySet[MediatorProfile]:
    """Active profiles of active mediators (seniors only: review_appeals or superuser)."""
    profiles = MediatorProfile.objects.filter(
        active=True, user__is_active=True, user__role=Role.MEDIATOR
    )
    if seniors_only:
        profiles = profiles.filter(senior_q("user"))
    return profiles


def open_case_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Open cases per mediator, one query (mediators with none are absent)."""
    rows = (
        Dispute.objects.filter(assigned_mediator_id__in=list(user_ids), state__in=OPEN_STATES)
        .values("assigned_mediator_id")
        # COUNT(*), not of a column: the partial index dispute_open_by_mediator
        # answers it alone (an index-only scan).
        .annotate(n=Count("*"))
    )
    return {row["assigned_mediator_id"]: row["n"] for row in rows}


def _barred(dispute: Dispute, *, appeal: bool, exclude: Iterable[int]) -> set[int]:
    """Who may not take ``dispute``: its parties, for an appeal whoever decided it,
    and anyone in ``exclude`` (the mediator who let the review run late)."""
    barred = {dispute.buyer_id, dispute.seller_id, *exclude}
    if appeal and dispute.decided_by_id is not None:
        barred.add(dispute.decided_by_id)
    return barred


def _least_loaded(candidates: Iterable[tuple[int, int]], load: dict[int, int]) -> int | None:
    """Among (user id, capacity) pairs, the one below capacity with the fewest open
    cases; ties go to the lowest id, so the choice is repeatable."""
    free = [
        (load.get(user_id, 0), user_id)
        for user_id, capacity in candidates
        if load.get(user_id, 0) < capacity
    ]
    return min(free)[1] if free else None


def choose_mediator(dispute: Dispute, *, appeal: bool, exclude: Iterable[int] = ()) -> int | None:
    """The id of the mediator who should take ``dispute`` now, or None when nobody can.

    Never a party to the case; for an appeal a senior mediator who did not
    decide it; never anyone in ``exclude`` (the mediator who let the review
    run late). Among those below capacity, the fewest open cases wins; ties go
    to the lowest user id, so the choice is repeatable.

    Two queries. The candidates' profile rows are locked, in id order, until
    the caller's transaction ends: two escalations at the same moment queue
    here, and the second one counts the first one's case.
    """
    barred = _barred(dispute, appeal=appeal, exclude=exclude)
    candidates = list(
        roster(seniors_only=appeal)
        .exclude(user_id__in=barred)
        .order_by("user_id")
        .select_for_update(of=("self",))
        .values_list("user_id", "capacity")
    )
    if not candidates:
        return None
    load = open_case_counts(user_id for user_id, _capacity in candidates)
    return _least_loaded(candidates, load)


@dataclass
class MediatorPool:
    """The whole roster and its open-case counts, read once for a batch of assignments
    (the deadline sweep), then kept up to date in memory as the batch assigns.

    ``choose`` answers exactly what ``choose_mediator`` would answer at that point
    of the batch (the least-loaded non-barred mediator below capacity, ties to the
    lowest id): ``moved`` must be told of every case of the batch that enters or
    leaves the open states, or changes hands, as the counting query would see it.
    The candidates wait in heaps ordered as ``_least_loaded`` orders them, so a
    choice costs a few pops rather than a pass over the roster (500 mediators at
    1 000 000 disputes, 500 cases a batch).
    """

    capacity: dict[int, int]
    seniors: set[int]
    load: dict[int, int]
    _everyone: list[tuple[int, int]] = field(default_factory=list)
    _seniors: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for user_id in self.capacity:
            self._push(user_id)

    @classmethod
    def locked(cls) -> MediatorPool:
        """Two queries. Every active profile row is locked, in id order, until the
        transaction ends, as ``choose_mediator`` locks its candidates: a transition
        assigning at the same moment waits, and counts the batch's cases after it."""
        rows = list(
            roster()
            .annotate(
                senior=ExpressionWrapper(
                    senior_q("user"),
                    output_field=BooleanField(),
                )
            )
            .order_by("user_id")
            .select_for_update(of=("self",))
            .values_list("user_id", "capacity", "senior")
        )
        capacity = {user_id: cap for user_id, cap, _senior in rows}
        return cls(
            capacity=capacity,
            seniors={user_id for user_id, _cap, senior in rows if senior},
            load=open_case_counts(capacity) if capacity else {},
        )

    def choose(self, dispute: Dispute, *, appeal: bool, exclude: Iterable[int] = ()) -> int | None:
        barred = _barred(dispute, appeal=appeal, exclude=exclude)
        heap = self._seniors if appeal else self._everyone
        passed: list[tuple[int, int]] = []
        chosen = None
        while heap:
            entry = heapq.heappop(heap)
            load, user_id = entry
            if load != self.load.get(user_id, 0) or load >= self.capacity[user_id]:
                # Stale (``moved`` pushed the current count), or full: ``moved``
                # pushes it again when one of its cases leaves.
                continue
            passed.append(entry)
            if user_id not in barred:
                chosen = user_id
                break
        for entry in passed:
            heapq.heappush(heap, entry)
        return chosen

    def moved(
        self, *, before: int | None, after: int | None, was_open: bool, is_open: bool
    ) -> None:
        """A case of the batch went from mediator ``before`` (in an open state or not)
        to ``after``: the counts change as ``open_case_counts`` would see it."""
        if was_open and before is not None and before in self.capacity:
            self.load[before] = self.load.get(before, 0) - 1
            self._push(before)
        if is_open and after is not None and after in self.capacity:
            self.load[after] = self.load.get(after, 0) + 1
            self._push(after)

    def _push(self, user_id: int) -> None:
        entry = (self.load.get(user_id, 0), user_id)
        heapq.heappush(self._everyone, entry)
        if user_id in self.seniors:
            heapq.heappush(self._seniors, entry)


def leads() -> list[int]:
    """Who hears about overdue reviews: active mediation leads and superusers."""
    people = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True)
        | Q(
            role=Role.MEDIATOR,
            user_permissions__codename="lead_mediation",
            user_permissions__content_type__app_label="accounts",
        )
        | Q(
            role=Role.MEDIATOR,
            groups__permissions__codename="lead_mediation",
            groups__permissions__content_type__app_label="accounts",
        )
    )
    return sorted(set(people.values_list("pk", flat=True)))
