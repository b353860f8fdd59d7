"""The dispute workflow of SPEC section 3, as data.

Every arrow is one ``Transition`` in ``TRANSITIONS``; every wait is one
``DeadlineRule`` in ``RULES``. Permission checks, ``allowed_actions``,
``waiting_on``, the deadline and its sentence, and the state diagram in
``docs/workflow.md`` all come from these two tables and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.choices import DisputeState as S
from disputes.choices import Party, Settlement
from disputes.errors import NotYourCase

if TYPE_CHECKING:
    from django.db.models import Q

    from accounts.models import User
    from disputes.models import Dispute


class Role(StrEnum):
    """Who takes a transition, relative to the case."""

    BUYER = "buyer"
    SELLER = "seller"
    MEDIATOR = "mediator"
    SENIOR = "senior"  # a mediator with the review_appeals permission
    SYSTEM = "system"  # the deadline sweep and background tasks


class WaitsOn(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    # Negotiation: whoever received the open offer, or either party when none is open.
    PARTIES = "parties"
    ASKED_PARTY = "asked_party"
    PLATFORM = "platform"
    NOBODY = "nobody"


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    waits_on: WaitsOn
    # The transition the sweep applies, as the system, when the wait ends.
    on_timeout: str
    # "the seller has 3 days to respond" and "then the platform steps in".
    who_has: str
    then: str

    @property
    def days(self) -> int:
        return int(settings.DISPUTE_DEADLINE_DAYS[self.key])

    @property
    def duration(self) -> timedelta:
        return timedelta(days=self.days)


RULES: dict[str, DeadlineRule] = {
    rule.key: rule
    for rule in [
        DeadlineRule(
            "seller_response",
            WaitsOn.SELLER,
            "seller_silence",
            "The seller has {days} days to respond",
            "then the platform steps in",
        ),
        DeadlineRule(
            "negotiation",
            WaitsOn.PARTIES,
            "negotiation_timeout",
            "The parties have {days} days to agree",
            "then the platform reviews the case",
        ),
        DeadlineRule(
            "mediator_review",
            WaitsOn.PLATFORM,
            "review_overdue",
            "The platform decides within {days} days",
            "then the case is flagged overdue and its review window starts again",
        ),
        DeadlineRule(
            "info_response",
            WaitsOn.ASKED_PARTY,
            "info_timeout",
            "The {party} has {days} days to answer the mediator",
            "then the review continues without the answer",
        ),
        DeadlineRule(
            "appeal_window",
            WaitsOn.NOBODY,
            "finalize",
            "Either party may appeal within {days} days",
            "then the decision is final",
        ),
        DeadlineRule(
            "appeal_review",
            WaitsOn.PLATFORM,
            "review_overdue",
            "A senior mediator decides the appeal within {days} days",
            "then the appeal is flagged overdue and its review window starts again",
        ),
        DeadlineRule(
            "return_shipment",
            WaitsOn.BUYER,
            "forfeit_return",
            "The buyer has {days} days to ship the goods back and enter the tracking number",
            "then the refund is forfeited",
        ),
        DeadlineRule(
            "return_receipt",
            WaitsOn.SELLER,
            "confirm_return",
            "The seller has {days} days to confirm receipt of the return or report a problem",
            "then receipt is confirmed automatically and the refund is paid",
        ),
        DeadlineRule(
            "replacement_shipment",
            WaitsOn.SELLER,
            "replacement_timeout",
            "The seller has {days} days to ship the replacement",
            "then the platform steps in",
        ),
    ]
}


# Guards: conditions beyond state and role, each a function of the dispute
# row, the actor's role in it and the actor (no queries, but for a lead's
# permissions, asked only of a mediator on another mediator's case).
def _offer_recipient(d: Dispute, role: Role, user: User | None) -> bool:
    return bool(d.open_offer_party) and d.open_offer_party != role.value


def _asked_party(d: Dispute, role: Role, user: User | None) -> bool:
    return d.info_requested_from == role.value


def _not_yet_appealed(d: Dispute, role: Role, user: User | None) -> bool:
    return not (d.buyer_appealed if role == Role.BUYER else d.seller_appealed)


def _seller_first(d: Dispute, role: Role, user: User | None) -> bool:
    # While the case awaits the seller, only the seller moves it.
    return d.state != S.AWAITING_SELLER or role == Role.SELLER


def _not_the_decider(d: Dispute, role: Role, user: User | None) -> bool:
    # Recusal: whoever decided the case never reviews its appeal.
    return d.decided_by_id is None or user is None or d.decided_by_id != user.pk


def _assignee(d: Dispute, role: Role, user: User | None) -> bool:
    # "The assigned mediator, or a lead" (issue 12; SPEC 13.6): a mediator acts
    # on or writes to a case only when it is assigned to them; others read it
    # and ask a lead, who may step in on it (or reassign it). An unassigned
    # case is nobody's, a lead's neither, until a mediator takes it: one
    # mediator answers for every case (reminders, overdue reassignment and
    # the workload figures follow the assignment). ``may_work`` asks this guard.
    if user is None or d.assigned_mediator_id is None:
        return False
    return d.assigned_mediator_id == user.pk or user.is_mediation_lead


def _deadline_passed(d: Dispute, role: Role, user: User | None) -> bool:
    return d.deadline_at is not None and d.deadline_at <= timezone.now()


GUARDS: dict[str, Callable[[Dispute, Role, User | None], bool]] = {
    "offer_recipient": _offer_recipient,
    "asked_party": _asked_party,
    "not_yet_appealed": _not_yet_appealed,
    "seller_first": _seller_first,
    "not_the_decider": _not_the_decider,
    "assignee": _assignee,
    "deadline_passed": _deadline_passed,
}


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    # Where it leads; ``None`` means the state stays (an action inside a state).
    target: str | None
    roles: frozenset[Role]
    # The deadline rule started on arrival; "settle" means the resolution's
    # settlement decides (refund, return, replacement, appeal window).
    starts: str | None = None
    # In ``resolved``: which settlement step the transition belongs to.
    settlements: frozenset[str] = field(default_factory=frozenset)
    guards: tuple[str, ...] = ()
    # Other states the service may lead to, by outcome (drawn in the diagram).
    alternatives: tuple[str, ...] = ()

    @property
    def is_timeout(self) -> bool:
        return any(rule.on_timeout == self.name for rule in RULES.values())

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.target, *self.alternatives) if t is not None)


def _t(
    name: str,
    label: str,
    sources: tuple[str, ...],
    target: str | None,
    roles: tuple[Role, ...],
    *,
    starts: str | None = None,
    settlements: tuple[str, ...] = (),
    guards: tuple[str, ...] = (),
    alternatives: tuple[str, ...] = (),
) -> Transition:
    return Transition(
        name,
        label,
        frozenset(sources),
        target,
        frozenset(roles),
        starts=starts,
        settlements=frozenset(settlements),
        guards=guards,
        alternatives=alternatives,
    )


BEFORE_RESOLVED = (S.DRAFT, S.AWAITING_SELLER, S.NEGOTIATING, S.UNDER_REVIEW, S.AWAITING_INFO)
SETTLE = "settle"

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t(
            "submit",
            "Submit",
            (S.DRAFT,),
            S.AWAITING_SELLER,
            (Role.BUYER,),
            starts="seller_response",
        ),
        _t(
            "accept_claim",
            "Accept the claim",
            (S.AWAITING_SELLER,),
            S.RESOLVED,
            (Role.SELLER,),
            starts=SETTLE,
        ),
        _t(
            "reject_claim",
            "Reject the claim",
            (S.AWAITING_SELLER,),
            S.NEGOTIATING,
            (Role.SELLER,),
            starts="negotiation",
        ),
        _t(
            "make_offer",
            "Make an offer",
            (S.AWAITING_SELLER, S.NEGOTIATING),
            S.NEGOTIATING,
            (Role.BUYER, Role.SELLER),
            starts="negotiation",
            guards=("seller_first",),
        ),
        _t("request_refund", "Request a refund", (S.NEGOTIATING,), S.NEGOTIATING, (Role.BUYER,)),
        _t(
            "decline_offer",
            "Decline the offer",
            (S.NEGOTIATING,),
            S.NEGOTIATING,
            (Role.BUYER, Role.SELLER),
            guards=("offer_recipient",),
        ),
        _t(
            "accept_offer",
            "Accept the offer",
            (S.NEGOTIATING,),
            S.RESOLVED,
            (Role.BUYER, Role.SELLER),
            starts=SETTLE,
            guards=("offer_recipient",),
        ),
        _t(
            "escalate",
            "Switch to a formal dispute",
            (S.NEGOTIATING,),
            S.UNDER_REVIEW,
            (Role.BUYER, Role.SELLER),
            starts="mediator_review",
        ),
        _t(
            "seller_silence",
            "The seller did not respond",
            (S.AWAITING_SELLER,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            guards=("deadline_passed",),
            alternatives=(S.RESOLVED,),
        ),
        _t(
            "negotiation_timeout",
            "The negotiation ran out of time",
            (S.NEGOTIATING,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            guards=("deadline_passed",),
        ),
        _t(
            "request_info",
            "Request information",
            (S.UNDER_REVIEW,),
            S.AWAITING_INFO,
            (Role.MEDIATOR, Role.SENIOR),
            starts="info_response",
            guards=("assignee",),
        ),
        _t(
            "provide_info",
            "Provide information",
            (S.AWAITING_INFO,),
            S.UNDER_REVIEW,
            (Role.BUYER, Role.SELLER),
            starts="mediator_review",
            guards=("asked_party",),
        ),
        _t(
            "info_timeout",
            "The information did not come",
            (S.AWAITING_INFO,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            guards=("deadline_passed",),
        ),
        _t(
            "review_overdue",
            "The review is overdue",
            (S.UNDER_REVIEW, S.APPEALED),
            None,
            (Role.SYSTEM,),
            guards=("deadline_passed",),
        ),
        _t(
            "decide",
            "Decide",
            (S.UNDER_REVIEW,),
            S.RESOLVED,
            (Role.MEDIATOR, Role.SENIOR),
            starts="appeal_window",
            guards=("assignee",),
        ),
        _t(
            "appeal",
            "Appeal the decision",
            (S.RESOLVED,),
            S.APPEALED,
            (Role.BUYER, Role.SELLER),
            starts="appeal_review",
            settlements=(Settlement.APPEAL_WINDOW,),
            guards=("not_yet_appealed",),
        ),
        _t(
            "finalize",
            "The decision became final",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            starts=SETTLE,
            settlements=(Settlement.APPEAL_WINDOW,),
            guards=("deadline_passed",),
            alternatives=(S.RESOLVED,),
        ),
        _t(
            "decide_appeal",
            "Decide the appeal",
            (S.APPEALED,),
            S.CLOSED,
            (Role.SENIOR,),
            starts=SETTLE,
            guards=("not_the_decider", "assignee"),
            alternatives=(S.RESOLVED,),
        ),
        _t(
            "ship_return",
            "Ship the return",
            (S.RESOLVED,),
            None,
            (Role.BUYER,),
            starts="return_receipt",
            settlements=(Settlement.RETURN_SHIPMENT,),
        ),
        _t(
            "confirm_return",
            "Confirm the return arrived",
            (S.RESOLVED,),
            None,
            (Role.SELLER, Role.SYSTEM),
            settlements=(Settlement.RETURN_RECEIPT,),
        ),
        _t(
            "report_return_problem",
            "Report a problem with the return",
            (S.RESOLVED,),
            S.UNDER_REVIEW,
            (Role.SELLER,),
            starts="mediator_review",
            settlements=(Settlement.RETURN_RECEIPT,),
        ),
        _t(
            "forfeit_return",
            "The return was not shipped in time",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            settlements=(Settlement.RETURN_SHIPMENT,),
            guards=("deadline_passed",),
        ),
        _t(
            "ship_replacement",
            "Ship the replacement",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SELLER,),
            settlements=(Settlement.REPLACEMENT,),
        ),
        _t(
            "replacement_timeout",
            "The replacement was not shipped in time",
            (S.RESOLVED,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            settlements=(Settlement.REPLACEMENT,),
            guards=("deadline_passed",),
        ),
        _t(
            "complete",
            "The refund was paid",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            settlements=(Settlement.REFUNDING,),
        ),
        _t("cancel", "Cancel dispute", BEFORE_RESOLVED, S.CANCELLED, (Role.BUYER,)),
    ]
}


def role_in(dispute: Dispute, user: User | None) -> Role | None:
    """The viewer's role in this case: a party, a mediator, the system (None user), or nothing."""
    if user is None:
        return Role.SYSTEM
    party = dispute.party_of(user)
    if party == Party.BUYER:
        return Role.BUYER
    if party == Party.SELLER:
        return Role.SELLER
    if getattr(user, "is_mediator", False):
        # Seniority (the review_appeals permission) is asked only where it
        # matters, in permits(): it costs a query the first time.
        return Role.MEDIATOR
    return None


def is_senior(user: User) -> bool:
    """Has the review_appeals permission (directly, through a group, or as superuser).

    The signed-in user of a page comes with the answer (``disputes_site.auth_backends``
    loads it with the user); anyone else costs one query, remembered on the
    user object for the rest of the request.
    """
    cached = getattr(user, "_is_senior", None)
    if cached is None:
        from accounts.seniority import SENIOR_PERMISSION, holds_permission

        cached = user.is_superuser or (
            type(user)
            ._default_manager.filter(holds_permission(SENIOR_PERMISSION, "pk"), pk=user.pk)
            .exists()
        )
        user._is_senior = cached  # type: ignore[attr-defined]
    return bool(cached)


def may_work(dispute: Dispute, user: User | None) -> bool:
    """Is ``dispute`` this mediator's to act on and write to (SPEC 13.6)?

    The ``assignee`` guard of the table, asked for writes that are not
    transitions too (messages, notes, evidence), so that pages, API, admin and
    commands give one answer. Reads the row only: no query.
    """
    return _assignee(dispute, Role.MEDIATOR, user)


def check_may_work(dispute: Dispute, user: User | None) -> None:
    """Refuse a mediator's write to a case that is not assigned to them."""
    if may_work(dispute, user):
        return
    if dispute.assigned_mediator_id is None:
        raise NotYourCase(_("Take the case before you act on it."))
    raise NotYourCase(_("This case is assigned to another mediator; ask a lead to reassign it."))


def failed_guards(
    transition: Transition, dispute: Dispute, role: Role | None, user: User | None = None
) -> tuple[str, ...] | None:
    """The guards that stop ``role`` (``user``; None for the system) taking
    ``transition`` now: () when it may, None when the state, the role or the
    settlement already rules it out."""
    if role is None or dispute.state not in transition.sources:
        return None
    if role not in transition.roles:
        # A senior mediator may do everything a mediator may, and decide appeals.
        senior_only = role == Role.MEDIATOR and Role.SENIOR in transition.roles
        if not (senior_only and user is not None and is_senior(user)):
            return None
    if transition.settlements and dispute.settlement not in transition.settlements:
        return None
    # The sweep's timeouts need their deadline passed; a system action that a
    # service triggers (confirm_return by the sweep, complete by the refund
    # task) has no such guard.
    guards = transition.guards
    if role != Role.SYSTEM:
        guards = tuple(g for g in guards if g != "deadline_passed")
    return tuple(g for g in guards if not GUARDS[g](dispute, role, user))


def permits(
    transition: Transition, dispute: Dispute, role: Role | None, user: User | None = None
) -> bool:
    """May ``role`` (``user``; None for the system) take ``transition`` on ``dispute`` now?"""
    return failed_guards(transition, dispute, role, user) == ()


def allowed_actions(dispute: Dispute, user: User) -> list[str]:
    """The transitions this viewer may take now, in table order (never system ones)."""
    role = role_in(dispute, user)
    if role in (None, Role.SYSTEM):
        return []
    return [t.name for t in TRANSITIONS.values() if permits(t, dispute, role, user)]


def waiting_party(dispute: Dispute) -> str:
    """Who must act next: ``buyer``, ``seller``, ``parties``, ``platform`` or ``nobody``."""
    state = dispute.state
    if state in (S.CLOSED, S.CANCELLED):
        return "nobody"
    if state == S.DRAFT:
        return Party.BUYER
    if state == S.RESOLVED and dispute.settlement == Settlement.REFUNDING:
        return "platform"
    rule = RULES.get(dispute.deadline_rule)
    if rule is None:
        return "platform" if state in (S.UNDER_REVIEW, S.APPEALED) else "nobody"
    if rule.waits_on == WaitsOn.PARTIES:
        if dispute.open_offer_party == Party.BUYER:
            return Party.SELLER
        if dispute.open_offer_party == Party.SELLER:
            return Party.BUYER
        return "parties"
    if rule.waits_on == WaitsOn.ASKED_PARTY:
        return dispute.info_requested_from or "nobody"
    return rule.waits_on.value


def waiting_on(dispute: Dispute, user: User) -> str:
    """SPEC section 9's ``waiting_on`` for this viewer: you, other_party, platform, nobody."""
    party = waiting_party(dispute)
    role = role_in(dispute, user)
    if party == "nobody":
        return "nobody"
    if party == "platform":
        # The platform's move is the assigned mediator's: another mediator waits
        # for them (a lead may step in, but the case does not wait on the lead),
        # and an unassigned case for whoever takes it.
        mine = dispute.assigned_mediator_id == user.pk and may_work(dispute, user)
        # A refund being paid is the gateway's, then the leads' (SPEC 13.4), not the mediator's.
        mine = mine and dispute.settlement != Settlement.REFUNDING
        return "you" if role == Role.MEDIATOR and mine else "platform"
    if role in (Role.BUYER, Role.SELLER):
        if party == "parties" or party == role.value:
            return "you"
        return "other_party"
    return "other_party"


def your_move_q(user: User) -> Q:
    """SQL for ``waiting_on(dispute, user) == "you"``, so lists can sort by it.

    Built from ``RULES`` like ``waiting_party``; a test checks the two agree.
    Only parties and mediators have moves; anyone else gets a Q matching nothing.
    """
    from django.db.models import Q

    def rules(waits_on: WaitsOn) -> list[str]:
        return [key for key, rule in RULES.items() if rule.waits_on == waits_on]

    ended = Q(state__in=(S.CLOSED, S.CANCELLED)) | Q(settlement=Settlement.REFUNDING)
    role = getattr(user, "role", None)
    if role == "mediator":
        platform = Q(deadline_rule__in=rules(WaitsOn.PLATFORM)) | (
            Q(state__in=(S.UNDER_REVIEW, S.APPEALED)) & ~Q(deadline_rule__in=list(RULES))
        )
        waits = (platform & ~Q(state__in=(S.CLOSED, S.CANCELLED))) | Q(
            state=S.RESOLVED, settlement=Settlement.REFUNDING
        )
        return waits & Q(assigned_mediator=user)
    if role not in (Party.BUYER, Party.SELLER):
        return Q(pk__in=[])
    own = Q(buyer=user) if role == Party.BUYER else Q(seller=user)
    move = (
        Q(deadline_rule__in=rules(WaitsOn(role)))
        | (Q(deadline_rule__in=rules(WaitsOn.PARTIES)) & ~Q(open_offer_party=role))
        | Q(deadline_rule__in=rules(WaitsOn.ASKED_PARTY), info_requested_from=role)
    )
    if role == Party.BUYER:
        move |= Q(state=S.DRAFT)
    return own & move & ~ended


def deadline_sentence(dispute: Dispute) -> str:
    """The rule of the current wait in words: "The seller has 3 days to respond; then …"."""
    rule = RULES.get(dispute.deadline_rule)
    if rule is None:
        return ""
    then = rule.then
    if rule.key == "seller_response" and settings.SELLER_SILENCE_POLICY == "grant_claim":
        then = "then the buyer's claim is granted"
    party = dispute.info_requested_from or "party"
    days = rule.days
    if dispute.deadline_at and dispute.deadline_started_at:
        # A mediator may set their own time to answer: say the wait as it is.
        days = round((dispute.deadline_at - dispute.deadline_started_at) / timedelta(days=1))
    return _(rule.who_has).format(days=days, party=party) + "; " + _(then) + "."


def deadline_for(
    rule_key: str, start: datetime, duration: timedelta | None = None
) -> tuple[datetime, datetime | None]:
    """When a wait that starts at ``start`` ends (after the rule's time, or ``duration``
    when a mediator set their own), and when its first reminder is due."""
    rule = RULES[rule_key]
    end = start + (duration or rule.duration)
    # Reminders go to whoever must act; a wait on nobody (the appeal window) has none.
    if rule.waits_on == WaitsOn.NOBODY:
        return end, None
    return end, next_reminder_at(start, end, sent=0)


def next_reminder_at(start: datetime, end: datetime, *, sent: int) -> datetime | None:
    percents = sorted(settings.DISPUTE_REMINDER_PERCENTS)
    if sent >= len(percents):
        return None
    return start + (end - start) * percents[sent] / 100


def mermaid() -> str:
    """The state diagram, drawn from the table (docs/workflow.md is kept equal to it by a test)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for t in TRANSITIONS.values():
        who = "/".join(sorted(r.value for r in t.roles))
        for source in sorted(t.sources):
            for target in t.targets or (source,):
                lines.append(f"    {source} --> {target}: {t.name} ({who})")
    lines += ["    closed --> [*]", "    cancelled --> [*]"]
    return "\n".join(lines)


def workflow_markdown() -> str:
    """docs/workflow.md: the diagram and both tables, all drawn from the data above."""
    lines = [
        "# The dispute workflow",
        "",
        "Generated from `disputes/workflow.py` by `manage.py workflow_doc`; a test fails",
        "when this file and the table disagree. Deadlines use the default settings",
        "(`DISPUTE_DEADLINE_DAYS`).",
        "",
        "```mermaid",
        mermaid(),
        "```",
        "",
        "## Transitions",
        "",
        "| transition | from | to | who | starts |",
        "|---|---|---|---|---|",
    ]
    for t in TRANSITIONS.values():
        sources = ", ".join(sorted(t.sources))
        if t.settlements:
            sources += " (" + ", ".join(sorted(t.settlements)) + ")"
        targets = ", ".join(t.targets) or "(same state)"
        who = ", ".join(sorted(r.value for r in t.roles))
        lines.append(f"| `{t.name}` | {sources} | {targets} | {who} | {t.starts or ''} |")
    lines += [
        "",
        "## Deadlines",
        "",
        "| rule | default | waits on | the parties read | when it passes |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES.values():
        text = rule.who_has.format(days=rule.days, party="party") + "; " + rule.then + "."
        lines.append(
            f"| `{rule.key}` | {rule.days} days | {rule.waits_on.value} | {text} | `{rule.on_timeout}` |"
        )
    return "\n".join(lines) + "\n"
