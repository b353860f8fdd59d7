"""The mediation dashboard's figures, aggregated in the database in a constant number of queries.

Definitions (docs/dashboard.md explains them to operators):

- *open cases*: every state between submission and the end (drafts are the buyer's,
  closed and cancelled cases are over); *overdue*: ``Dispute.is_overdue``, a missed
  review deadline.
- *resolved in the period*: cases now ``resolved`` or ``closed`` whose resolution
  (``resolved_at``, the final one after an appeal) falls in the period. Their median
  *time to resolution* runs from submission to that resolution; their median *time per
  stage* is the median of every completed stay in a state, read from the hash-chained
  event timeline (from the event that entered the state to the one that left it).
- *side*: ``seller`` when the claim was rejected; ``split`` for a partial refund below
  the amount claimed; ``buyer`` for a full refund, a return and refund, a replacement, or
  a partial refund of at least the amount claimed.
- *decisions by mediator*: every decision made in the period (first decisions and appeal
  decisions), by ``Decision.mediator``, with the side its outcome favours.
- *workload*: cases the platform works now (under review, awaiting information,
  appealed) assigned to each active mediator, and how many of them are overdue.

Leads see every mediator's figures; a mediator sees the team's figures and only their
own row of the per-mediator ones.

PostgreSQL computes the medians with ``percentile_cont``; SQLite (the demo) has no such
aggregate, so there the durations are read and the medians taken in Python.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from disputes.choices import DisputeState, DisputeType, Outcome, Phase, states_in
from disputes.models import Decision, Dispute, DisputeEvent
from disputes.selectors import PLATFORM_STATES
from disputes_site.db import planned_with_values

# The states a case is open in, in the order a case passes through them.
OPEN_STATES = states_in(Phase.PARTIES, Phase.PLATFORM, Phase.SETTLEMENT)
# A case's current resolution: resolved (settling or in the appeal window) or closed.
RESOLVED_STATES = (DisputeState.RESOLVED, DisputeState.CLOSED)
# Stays measured in "time per stage" (the draft is the buyer's own time).
STAGES = OPEN_STATES

BUYER, SPLIT, SELLER = "buyer", "split", "seller"
SIDES = ((BUYER, _("Buyer won")), (SPLIT, _("Split")), (SELLER, _("Seller won")))
BUYER_OUTCOMES = (Outcome.FULL_REFUND, Outcome.RETURN_AND_REFUND, Outcome.REPLACEMENT)

PERIODS = {
    "7": (7, _("Last 7 days")),
    "30": (30, _("Last 30 days")),
    "90": (90, _("Last 90 days")),
    "365": (365, _("Last 12 months")),
    "all": (None, _("All time")),
}
DEFAULT_PERIOD = "30"


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median, interpolated like statistics.median."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def side_of(claimed: F) -> Case:
    """The side the row's ``outcome`` and ``refund_amount`` favour, as an SQL expression
    (definitions above); ``claimed`` is the amount the buyer claimed."""
    return Case(
        When(outcome=Outcome.CLAIM_REJECTED, then=Value(SELLER)),
        When(outcome__in=BUYER_OUTCOMES, then=Value(BUYER)),
        # Only partial refunds depend on the amount claimed.
        When(Q(outcome=Outcome.PARTIAL_REFUND) & Q(refund_amount__lt=claimed), then=Value(SPLIT)),
        When(outcome=Outcome.PARTIAL_REFUND, then=Value(BUYER)),
        default=Value(""),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime | None
    end: datetime

    @classmethod
    def named(cls, key: str, now: datetime | None = None) -> Period:
        days, label = PERIODS[key]
        end = now or timezone.now()
        return cls(key, str(label), end - timedelta(days=days) if days else None, end)

    def filter(self, queryset: QuerySet[Any], column: str) -> QuerySet[Any]:
        queryset = queryset.filter(**{f"{column}__lt": self.end})
        if self.start is not None:
            queryset = queryset.filter(**{f"{column}__gte": self.start})
        return queryset


@dataclass
class MediatorFigures:
    user_id: int
    name: str
    open_cases: int = 0
    overdue: int = 0
    decisions: dict[str, int] = field(default_factory=lambda: {s: 0 for s, _label in SIDES})

    @property
    def decided(self) -> int:
        return sum(self.decisions.values())


@dataclass
class Figures:
    period: Period
    all_mediators: bool
    computed_at: datetime
    open_by_state: dict[str, int]
    overdue: int
    unassigned: int
    resolved: int
    median_resolution: timedelta | None
    stage_medians: dict[str, tuple[timedelta | None, int]]
    outcomes_by_type: dict[str, dict[str, int]]
    mediators: list[MediatorFigures]

    @property
    def open_total(self) -> int:
        return sum(self.open_by_state.values())

    @property
    def outcomes_by_side(self) -> dict[str, int]:
        return {
            side: sum(counts[side] for counts in self.outcomes_by_type.values())
            for side, _label in SIDES
        }


def figures_for(user: User, period_key: str) -> Figures:
    """The figures as ``user`` may see them: leads every mediator's rows, a mediator
    their own (see the module's docstring)."""
    figures = cached_figures(period_key)
    if user.is_mediation_lead:
        return figures
    own = next((m for m in figures.mediators if m.user_id == user.pk), None)
    return replace(
        figures, all_mediators=False, mediators=[own or MediatorFigures(user.pk, str(user))]
    )


def cached_figures(period_key: str) -> Figures:
    """The period's figures from the cache, computed at most once every
    ``MEDIATION_DASHBOARD_CACHE_SECONDS`` for everyone who looks.

    A dashboard is a summary: figures a minute old serve an operator as well as fresh
    ones, and they keep the page fast however large the case load (docs/dashboard.md).
    """
    seconds = settings.MEDIATION_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return dashboard_figures(Period.named(period_key))
    key = f"mediation:dashboard:v2:{period_key}"
    figures = cache.get(key)
    if figures is None:
        figures = dashboard_figures(Period.named(period_key))
        cache.set(key, figures, seconds)
    return figures


def dashboard_figures(period: Period) -> Figures:
    """Every figure of the period, every mediator's included: seven queries, however
    many cases and mediators there are (and, on PostgreSQL, one to ask for plans made
    with the period's dates: see ``planned_with_values``)."""
    with planned_with_values():
        open_by_state, overdue, unassigned = _open_cases()
        resolved, median_resolution = _resolution_time(period)
        return Figures(
            period=period,
            all_mediators=True,
            computed_at=timezone.now(),
            open_by_state=open_by_state,
            overdue=overdue,
            unassigned=unassigned,
            resolved=resolved,
            median_resolution=median_resolution,
            stage_medians=_stage_medians(period),
            outcomes_by_type=_outcomes_by_type(period),
            mediators=_mediators(period),
        )


def _open_cases() -> tuple[dict[str, int], int, int]:
    """Query 1: open cases by state, with the overdue and the unassigned platform cases."""
    counts = {state.value: 0 for state in OPEN_STATES}
    overdue = unassigned = 0
    rows = (
        Dispute.objects.filter(state__in=OPEN_STATES)
        .values("state")
        # Counting a column of the index (not the id) lets PostgreSQL read the index alone.
        .annotate(
            n=Count("state"),
            overdue=Count("state", filter=Q(is_overdue=True)),
            unassigned=Count(
                "state", filter=Q(assigned_mediator__isnull=True, state__in=PLATFORM_STATES)
            ),
        )
        .order_by()
    )
    for row in rows:
        counts[row["state"]] = row["n"]
        overdue += row["overdue"]
        unassigned += row["unassigned"]
    return counts, overdue, unassigned


def _resolved(period: Period) -> QuerySet[Dispute]:
    # The state filter is served by the (state, deadline_at) index and keeps the
    # many open cases out of every period query.
    return period.filter(Dispute.objects.filter(state__in=RESOLVED_STATES), "resolved_at")


def _resolution_time(period: Period) -> tuple[int, timedelta | None]:
    """Query 2: how many were resolved in the period, and the median time from submission."""
    cases = _resolved(period).filter(submitted_at__isnull=False)
    if connection.vendor == "postgresql":
        row = cases.aggregate(
            n=Count("id"),
            median=Median(F("resolved_at") - F("submitted_at"), output_field=DurationField()),
        )
        return row["n"], row["median"]
    spans = [
        (done - start).total_seconds()
        for start, done in cases.values_list("submitted_at", "resolved_at")
        if start is not None and done is not None
    ]
    return len(spans), timedelta(seconds=statistics.median(spans)) if spans else None


def _outcomes_by_type(period: Period) -> dict[str, dict[str, int]]:
    """Query 3: the resolved cases of the period by type and by the side the outcome favours."""
    table = {t.value: {side: 0 for side, _label in SIDES} for t in DisputeType}
    rows = (
        _resolved(period)
        .exclude(outcome="")
        .annotate(side=side_of(F("claimed_amount")))
        .values("type", "side")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        if row["side"] in table.get(row["type"], {}):
            table[row["type"]][row["side"]] += row["n"]
    return table


STAGE_SQL = """
WITH moves AS (
    SELECT e.from_state AS state, {spent} AS seconds
    FROM {events} e
    JOIN {disputes} d ON d.id = e.dispute_id
    WHERE d.state IN ({resolved}) AND d.resolved_at < %s {since}
      AND (e.from_state <> e.to_state)
)
SELECT {select} FROM moves
WHERE seconds IS NOT NULL AND state IN ({stages})
{group}
"""


def _stage_medians(period: Period) -> dict[str, tuple[timedelta | None, int]]:
    """Query 4: the median stay in each state of the cases resolved in the period.

    Only state-changing events are kept; for each, LAG over the same dispute's
    previous state change is when the state it leaves was entered.
    """
    postgres = connection.vendor == "postgresql"
    window = "OVER (PARTITION BY e.dispute_id ORDER BY e.seq)"
    if postgres:
        spent = f"EXTRACT(EPOCH FROM e.created_at - LAG(e.created_at) {window})"
        select = "state, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), COUNT(*)"
        group = "GROUP BY state"
    else:
        # SQLite has no percentile aggregate: the demo's few stays are read and medianed here.
        spent = f"(julianday(e.created_at) - julianday(LAG(e.created_at) {window})) * 86400.0"
        select, group = "state, seconds", ""
    sql = STAGE_SQL.format(
        spent=spent,
        select=select,
        group=group,
        events=DisputeEvent._meta.db_table,
        disputes=Dispute._meta.db_table,
        resolved=", ".join(["%s"] * len(RESOLVED_STATES)),
        since="AND d.resolved_at >= %s" if period.start is not None else "",
        stages=", ".join(["%s"] * len(STAGES)),
    )
    params: list[Any] = [*RESOLVED_STATES, period.end]
    if period.start is not None:
        params.append(period.start)
    params += list(STAGES)
    result: dict[str, tuple[timedelta | None, int]] = {s.value: (None, 0) for s in STAGES}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if postgres:
            for state, seconds, n in cursor.fetchall():
                result[state] = (timedelta(seconds=float(seconds)), n)
        else:
            stays: dict[str, list[float]] = {}
            for state, seconds in cursor.fetchall():
                stays.setdefault(state, []).append(float(seconds))
            for state, values in stays.items():
                result[state] = (timedelta(seconds=statistics.median(values)), len(values))
    return result


def _mediators(period: Period) -> list[MediatorFigures]:
    """Query 5: open assigned cases per mediator (from the index alone); query 6: the
    active mediators and anyone else who holds cases; query 7: decisions by side."""
    workload = Dispute.objects.filter(state__in=PLATFORM_STATES, assigned_mediator__isnull=False)
    decisions = period.filter(Decision.objects.all(), "created_at")
    load = {
        row["assigned_mediator"]: (row["n"], row["overdue"])
        for row in workload.values("assigned_mediator")
        .annotate(n=Count("state"), overdue=Count("state", filter=Q(is_overdue=True)))
        .order_by()
    }
    # Cases held by someone who left the roster show under their name, not nowhere.
    people = User.objects.filter(Q(role=Role.MEDIATOR, is_active=True) | Q(pk__in=list(load)))
    rows = {
        person.pk: MediatorFigures(person.pk, str(person), *load.get(person.pk, (0, 0)))
        for person in people.only("pk", "name", "email")
    }
    for row in (
        decisions.annotate(side=side_of(F("dispute__claimed_amount")))
        .values("mediator_id", "mediator__name", "mediator__email", "side")
        .annotate(n=Count("id"))
        .order_by()
    ):
        figures = rows.get(row["mediator_id"])
        if figures is None:
            # A former mediator (now inactive, or another role) who decided in the period.
            name = row["mediator__name"] or row["mediator__email"]
            figures = rows[row["mediator_id"]] = MediatorFigures(row["mediator_id"], name)
        if row["side"] in figures.decisions:
            figures.decisions[row["side"]] += row["n"]
    return sorted(rows.values(), key=lambda m: m.name.lower())
