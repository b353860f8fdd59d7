"""The dispute workflow of SPEC section 3, as data.

Every arrow is one ``Transition`` in ``TRANSITIONS``; every wait is one
``DeadlineRule`` in ``RULES``. Permission checks (``disputes.permissions``), who
the case waits on (``disputes.waiting``), the deadline and its sentence (here),
and the state diagram in ``docs/workflow.md`` (``disputes.workflow_doc``) all
come from these two tables and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from disputes import inputs as i
from disputes.choices import (
    REQUESTED_OUTCOMES,
    AppealResult,
    DecisionReason,
    Outcome,
    Party,
    Phase,
    ReturnProblem,
    Settlement,
    ShippingPayer,
    states_in,
)
from disputes.choices import DisputeState as S
from disputes.inputs import Field as In

if TYPE_CHECKING:
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
    # "the seller has {time} to respond" and "then the platform steps in": {time}
    # is the whole wait ("3 days") in the rule, what is left in a reminder.
    who_has: str
    then: str
    # The party the wait is on may take ``extend_deadline`` once (SPEC 13.2).
    extendable: bool = False

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
            "The seller has {time} to respond",
            "then the platform steps in",
            extendable=True,
        ),
        DeadlineRule(
            "negotiation",
            WaitsOn.PARTIES,
            "negotiation_timeout",
            "The parties have {time} to agree",
            "then the platform reviews the case",
        ),
        DeadlineRule(
            "mediator_review",
            WaitsOn.PLATFORM,
            "review_overdue",
            "The platform has {time} to decide",
            "then the case is flagged overdue and its review window starts again",
        ),
        DeadlineRule(
            "info_response",
            WaitsOn.ASKED_PARTY,
            "info_timeout",
            "The {party} has {time} to answer the mediator",
            "then the review continues without the answer",
            extendable=True,
        ),
        DeadlineRule(
            "appeal_window",
            WaitsOn.NOBODY,
            "finalize",
            "Either party has {time} to appeal",
            "then the decision is final",
        ),
        DeadlineRule(
            "appeal_review",
            WaitsOn.PLATFORM,
            "review_overdue",
            "A senior mediator has {time} to decide the appeal",
            "then the appeal is flagged overdue and its review window starts again",
        ),
        DeadlineRule(
            "return_shipment",
            WaitsOn.BUYER,
            "forfeit_return",
            "The buyer has {time} to ship the goods back and enter the tracking number",
            "then the refund is forfeited",
            extendable=True,
        ),
        DeadlineRule(
            "return_receipt",
            WaitsOn.SELLER,
            "confirm_return",
            "The seller has {time} to confirm receipt of the return or report a problem",
            "then receipt is confirmed automatically and the refund is paid",
        ),
        DeadlineRule(
            "replacement_shipment",
            WaitsOn.SELLER,
            "replacement_timeout",
            "The seller has {time} to ship the replacement",
            "then the platform steps in",
        ),
        DeadlineRule(
            "replacement_receipt",
            WaitsOn.BUYER,
            "replacement_unconfirmed",
            "The buyer has {time} to confirm the replacement arrived or say what is wrong",
            "then, if the carrier reported it delivered, it counts as arrived and the case"
            " closes; if not, the platform steps in",
        ),
        DeadlineRule(
            "draft_expiry",
            WaitsOn.BUYER,
            "expire_draft",
            "The buyer has {time} to submit the draft",
            "then it is cancelled, and this order cannot be disputed again",
        ),
        DeadlineRule(
            "proposal_response",
            WaitsOn.PARTIES,
            "proposal_timeout",
            "The parties have {time} to accept or reject the platform's proposal",
            "then the mediator decides",
        ),
    ]
}


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    # Where it leads; ``None`` means the state stays (an action inside a state).
    target: str | None
    roles: frozenset[Role]
    # The deadline rule started on arrival in another state.
    starts: str | None = None
    # It resolves the case: what follows (a refund, a return, a replacement, no
    # wait) is the resolution's settlement, which its service works out.
    settles: bool = False
    # In ``resolved``: which settlement step the transition belongs to.
    settlements: frozenset[str] = field(default_factory=frozenset)
    guards: tuple[str, ...] = ()
    # Other states the service may lead to, by outcome (drawn in the diagram).
    alternatives: tuple[str, ...] = ()
    # Its words: the page's button (the label when empty), the API action's summary
    # (transitions a person takes), the notification's title ({ref}: the reference).
    button: str = ""
    summary: str = ""
    notice: str = ""
    # What a person enters to take it (the page's form and the API's input both
    # come from these: ``disputes.inputs``); empty for a bare button.
    inputs: tuple[In, ...] = ()

    @property
    def button_label(self) -> str:
        return self.button or self.label

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
    settles: bool = False,
    settlements: tuple[str, ...] = (),
    guards: tuple[str, ...] = (),
    alternatives: tuple[str, ...] = (),
    button: str = "",
    summary: str = "",
    notice: str = "",
    inputs: tuple[In, ...] = (),
) -> Transition:
    return Transition(
        name,
        label,
        frozenset(sources),
        target,
        frozenset(roles),
        starts=starts,
        settles=settles,
        settlements=frozenset(settlements),
        guards=guards,
        alternatives=alternatives,
        button=button,
        summary=summary,
        notice=notice,
        inputs=inputs,
    )


# Before a resolution (an appeal comes after one).
BEFORE_RESOLVED = tuple(
    s for s in states_in(Phase.DRAFT, Phase.PARTIES, Phase.PLATFORM) if s != S.APPEALED
)

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
            button="Submit dispute",
            summary="Submit the draft: the seller sees the case from now on (buyer).",
            notice="{ref}: a new dispute was opened",
        ),
        _t(
            "accept_claim",
            "Accept the claim",
            (S.AWAITING_SELLER,),
            S.RESOLVED,
            (Role.SELLER,),
            settles=True,
            summary="Accept the buyer's claim as asked (seller).",
            notice="{ref}: the seller accepted the claim",
        ),
        _t(
            "reject_claim",
            "Reject the claim",
            (S.AWAITING_SELLER,),
            S.NEGOTIATING,
            (Role.SELLER,),
            starts="negotiation",
            summary="Reject the claim and negotiate (seller).",
            notice="{ref}: the seller rejected the claim",
            inputs=(i.text("note", "Note for the buyer", required=False),),
        ),
        _t(
            "make_offer",
            "Make an offer",
            (S.AWAITING_SELLER, S.NEGOTIATING),
            S.NEGOTIATING,
            (Role.BUYER, Role.SELLER),
            starts="negotiation",
            guards=("seller_first",),
            summary="Offer a refund, a return and refund, or a replacement.",
            notice="{ref}: a new offer",
            inputs=(
                i.choice("outcome", "What you offer", REQUESTED_OUTCOMES),
                i.money(
                    "amount",
                    "Refund amount",
                    required=False,
                    help="The refund offered; 0 for a replacement.",
                ),
                i.text("note", "Message with the offer", required=False),
            ),
        ),
        _t(
            "request_refund",
            "Request a refund",
            (S.NEGOTIATING,),
            S.NEGOTIATING,
            (Role.BUYER,),
            summary="Request a refund with an amount and a rationale (buyer).",
            notice="{ref}: the buyer requested a refund",
            inputs=(i.money("amount", "Amount"), i.text("rationale", "Rationale", rows=3)),
        ),
        _t(
            "decline_offer",
            "Decline the offer",
            (S.NEGOTIATING,),
            S.NEGOTIATING,
            (Role.BUYER, Role.SELLER),
            guards=("offer_recipient",),
            summary="Decline the open offer (the side it was made to).",
            notice="{ref}: the offer was declined",
            inputs=(
                i.ref("offer", "The open offer's id."),
                i.text("note", "Message", required=False),
            ),
        ),
        _t(
            "accept_offer",
            "Accept the offer",
            (S.NEGOTIATING,),
            S.RESOLVED,
            (Role.BUYER, Role.SELLER),
            settles=True,
            guards=("offer_recipient",),
            summary="Accept the open offer: amicable and final (the side it was made to).",
            notice="{ref}: the offer was accepted",
            inputs=(i.ref("offer", "The open offer's id."),),
        ),
        _t(
            "escalate",
            "Switch to a formal dispute",
            (S.NEGOTIATING,),
            S.UNDER_REVIEW,
            (Role.BUYER, Role.SELLER),
            starts="mediator_review",
            summary="Switch to a formal dispute: the platform decides (either party).",
            notice="{ref}: switched to a formal dispute",
            inputs=(
                i.text(
                    "justification",
                    "Why the platform should decide",
                    min_length=10,
                    rows=3,
                    help="At least 10 characters. Say what you tried and where you disagree.",
                ),
                i.confirm(
                    "confirm",
                    "I understand that a mediator will review the case and decide, and that open offers end now.",
                ),
            ),
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
            notice="{ref}: the seller did not respond in time",
        ),
        _t(
            "negotiation_timeout",
            "The negotiation ran out of time",
            (S.NEGOTIATING,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            guards=("deadline_passed",),
            notice="{ref}: the negotiation ran out of time; the platform reviews the case",
        ),
        _t(
            "request_info",
            "Request information",
            (S.UNDER_REVIEW,),
            S.AWAITING_INFO,
            (Role.MEDIATOR, Role.SENIOR),
            starts="info_response",
            guards=("assignee",),
            summary="Ask one party a question, with a deadline (mediator).",
            notice="{ref}: the mediator asks for information",
            inputs=(
                i.choice("party", "Ask", Party.choices),
                i.text("question", "Question"),
                i.days(
                    "respond_within_days",
                    "Days to answer",
                    minimum=1,
                    maximum=30,
                    help="Leave empty for the usual time.",
                ),
            ),
        ),
        _t(
            "provide_info",
            "Provide information",
            (S.AWAITING_INFO,),
            S.UNDER_REVIEW,
            (Role.BUYER, Role.SELLER),
            starts="mediator_review",
            guards=("asked_party",),
            summary="Answer the mediator's question (the party asked).",
            notice="{ref}: information provided to the mediator",
            inputs=(i.text("answer", "Your answer", rows=3),),
        ),
        _t(
            "info_timeout",
            "The information did not come",
            (S.AWAITING_INFO,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            guards=("deadline_passed",),
            notice="{ref}: the requested information did not come in time",
        ),
        _t(
            "review_overdue",
            "The review is overdue",
            (S.UNDER_REVIEW, S.APPEALED),
            None,
            (Role.SYSTEM,),
            guards=("deadline_passed",),
            notice="{ref}: the review is overdue",
        ),
        _t(
            "decide",
            "Decide",
            (S.UNDER_REVIEW,),
            S.RESOLVED,
            (Role.MEDIATOR, Role.SENIOR),
            starts="appeal_window",
            guards=("assignee",),
            summary="Decide the case with a rationale both parties see (mediator).",
            notice="{ref}: the platform decided",
            inputs=(
                i.choice("outcome", "Outcome", Outcome.choices),
                i.money("refund_amount", "Refund amount", required=False),
                i.choice("reason_code", "Reason", DecisionReason.choices),
                i.choice(
                    "return_shipping_paid_by",
                    "Who pays to ship the return",
                    ShippingPayer.choices,
                    required=False,
                    help="For a return and refund. Leave empty: the buyer when the evidence"
                    " supports the seller or the buyer did not respond, otherwise the seller.",
                ),
                i.text("rules_applied", "Rules applied", required=False),
                i.evidence(),
                i.text(
                    "rationale",
                    "Rationale (both parties read it)",
                    min_length=20,
                    max_length=10000,
                    rows=4,
                    help="At least 20 characters.",
                ),
            ),
        ),
        _t(
            "propose",
            "Propose a resolution",
            (S.UNDER_REVIEW,),
            S.PROPOSED,
            (Role.MEDIATOR, Role.SENIOR),
            starts="proposal_response",
            guards=("assignee",),
            summary="Propose a resolution with reasons; both parties accept it or not (mediator).",
            notice="{ref}: the platform proposes a resolution",
            inputs=(
                i.choice("outcome", "Outcome", Outcome.choices),
                i.money("refund_amount", "Refund amount", required=False),
                i.text(
                    "rationale",
                    "Reasons (both parties read them)",
                    min_length=20,
                    max_length=10000,
                    rows=4,
                    help="At least 20 characters.",
                ),
            ),
        ),
        _t(
            "accept_proposal",
            "Accept the proposal",
            (S.PROPOSED,),
            None,
            (Role.BUYER, Role.SELLER),
            settles=True,
            guards=("not_yet_accepted",),
            # Once both parties have accepted: resolved, amicably (or closed).
            alternatives=(S.RESOLVED, S.CLOSED),
            summary="Accept the platform's proposal; when both parties have, it is final (a party).",
            notice="{ref}: the platform's proposal was accepted",
        ),
        _t(
            "reject_proposal",
            "Reject the proposal",
            (S.PROPOSED,),
            S.UNDER_REVIEW,
            (Role.BUYER, Role.SELLER),
            starts="mediator_review",
            summary="Reject the platform's proposal with a reason: the mediator decides (a party).",
            notice="{ref}: the platform's proposal was rejected",
            inputs=(
                i.text(
                    "reason",
                    "Why you reject it",
                    min_length=10,
                    rows=3,
                    help="At least 10 characters. The mediator reads it before deciding.",
                ),
            ),
        ),
        _t(
            "proposal_timeout",
            "The proposal was not accepted in time",
            (S.PROPOSED,),
            S.UNDER_REVIEW,
            (Role.SYSTEM,),
            starts="mediator_review",
            guards=("deadline_passed",),
            notice="{ref}: the proposal was not accepted in time; the mediator decides",
        ),
        _t(
            "expire_draft",
            "The draft was not submitted in time",
            (S.DRAFT,),
            S.CANCELLED,
            (Role.SYSTEM,),
            guards=("deadline_passed",),
            notice="{ref}: your draft was not submitted in time and is cancelled",
        ),
        _t(
            "extend_deadline",
            "More time taken",
            (S.AWAITING_SELLER, S.AWAITING_INFO, S.RESOLVED),
            None,
            (Role.BUYER, Role.SELLER),
            guards=("must_act", "not_yet_extended"),
            button="Take more time",
            summary="Move your deadline by a few days, once per stage, with a reason (the party that must act).",
            notice="{ref}: the deadline was extended",
            inputs=(
                i.text(
                    "reason",
                    "Why you need more time",
                    min_length=10,
                    rows=2,
                    help="At least 10 characters. The other side reads it.",
                ),
            ),
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
            summary="Appeal the decision, once, with new information (a party).",
            notice="{ref}: the decision was appealed",
            inputs=(
                i.text(
                    "explanation",
                    "Why the decision should change",
                    min_length=20,
                    max_length=10000,
                    rows=4,
                    help="At least 20 characters. Bring new information; add new evidence above.",
                ),
            ),
        ),
        _t(
            "finalize",
            "The decision became final",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            settles=True,
            settlements=(Settlement.APPEAL_WINDOW,),
            guards=("deadline_passed",),
            alternatives=(S.RESOLVED,),
            notice="{ref}: the decision is final",
        ),
        _t(
            "decide_appeal",
            "Decide the appeal",
            (S.APPEALED,),
            S.CLOSED,
            (Role.SENIOR,),
            settles=True,
            guards=("not_the_decider", "assignee"),
            alternatives=(S.RESOLVED,),
            summary="Uphold or overturn the decision (senior mediator, not the first decider).",
            notice="{ref}: the appeal was decided",
            inputs=(
                i.choice("result", "Result", AppealResult.choices),
                i.choice(
                    "outcome",
                    "New outcome (when overturned)",
                    Outcome.choices,
                    required=False,
                    help="The new outcome when the decision is overturned.",
                ),
                i.money("refund_amount", "Refund amount", required=False),
                i.choice(
                    "return_shipping_paid_by",
                    "Who pays to ship the return",
                    ShippingPayer.choices,
                    required=False,
                    help="For a return and refund. Leave empty: the buyer when the evidence"
                    " supports the seller or the buyer did not respond, otherwise the seller.",
                ),
                i.evidence(),
                i.text("rationale", "Rationale", min_length=20, max_length=10000, rows=4),
            ),
        ),
        _t(
            "ship_return",
            "Ship the return",
            (S.RESOLVED,),
            None,
            (Role.BUYER,),
            starts="return_receipt",
            settlements=(Settlement.RETURN_SHIPMENT,),
            summary="Enter the return's carrier and tracking number (buyer).",
            notice="{ref}: the return was shipped",
            inputs=(i.line("carrier", "Carrier"), i.line("tracking_number", "Tracking number")),
        ),
        _t(
            "confirm_return",
            "Confirm the return arrived",
            (S.RESOLVED,),
            None,
            (Role.SELLER, Role.SYSTEM),
            settlements=(Settlement.RETURN_RECEIPT,),
            summary="Confirm the return arrived: the refund is issued (seller).",
            notice="{ref}: the return arrived",
        ),
        _t(
            "report_return_problem",
            "Report a problem with the return",
            (S.RESOLVED,),
            S.UNDER_REVIEW,
            (Role.SELLER,),
            starts="mediator_review",
            settlements=(Settlement.RETURN_RECEIPT,),
            summary="Report a problem with what came back (seller).",
            notice="{ref}: a problem with the return was reported",
            inputs=(
                i.choice("problem", "What came back", ReturnProblem.choices),
                i.text("note", "Details", required=False),
            ),
        ),
        _t(
            "forfeit_return",
            "The return was not shipped in time",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            settlements=(Settlement.RETURN_SHIPMENT,),
            guards=("deadline_passed",),
            notice="{ref}: the return was not shipped in time",
        ),
        _t(
            "ship_replacement",
            "Ship the replacement",
            (S.RESOLVED,),
            None,
            (Role.SELLER,),
            # Not closed yet (issue 15 item 6): the buyer confirms it arrived.
            starts="replacement_receipt",
            settlements=(Settlement.REPLACEMENT,),
            summary="Enter the replacement's carrier and tracking number (seller).",
            notice="{ref}: the replacement was shipped",
            inputs=(i.line("carrier", "Carrier"), i.line("tracking_number", "Tracking number")),
        ),
        _t(
            "carrier_delivered",
            "Delivered by the carrier",
            (S.RESOLVED,),
            None,
            (Role.SYSTEM,),
            # The receipt wait starts again from the delivery (its rule: the
            # return's or the replacement's; the service picks by settlement).
            settlements=(Settlement.RETURN_RECEIPT, Settlement.REPLACEMENT_RECEIPT),
            notice="{ref}: the carrier delivered the parcel",
        ),
        _t(
            "confirm_replacement",
            "Confirm the replacement arrived",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.BUYER,),
            settlements=(Settlement.REPLACEMENT_RECEIPT,),
            summary="Confirm the replacement arrived: the case closes (buyer).",
            notice="{ref}: the replacement arrived",
        ),
        _t(
            "object_replacement",
            "Report a problem with the replacement",
            (S.RESOLVED,),
            S.UNDER_REVIEW,
            (Role.BUYER,),
            starts="mediator_review",
            settlements=(Settlement.REPLACEMENT_RECEIPT,),
            summary="Say the replacement did not arrive or is wrong: the platform decides (buyer).",
            notice="{ref}: the buyer reported a problem with the replacement",
            inputs=(
                i.text(
                    "reason",
                    "What is wrong",
                    min_length=10,
                    rows=3,
                    help="At least 10 characters: not arrived, damaged, not what was agreed.",
                ),
            ),
        ),
        _t(
            "replacement_unconfirmed",
            "The replacement was not confirmed in time",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            # Closed when the carrier delivered it; otherwise the platform steps in.
            starts="mediator_review",
            settlements=(Settlement.REPLACEMENT_RECEIPT,),
            guards=("deadline_passed",),
            alternatives=(S.UNDER_REVIEW,),
            notice="{ref}: the buyer's time to confirm the replacement has passed",
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
            notice="{ref}: the replacement was not shipped in time",
        ),
        _t(
            "complete",
            "The refund was paid",
            (S.RESOLVED,),
            S.CLOSED,
            (Role.SYSTEM,),
            settlements=(Settlement.REFUNDING,),
            notice="{ref}: the refund was paid and the case is closed",
        ),
        _t(
            "cancel",
            "Cancel dispute",
            BEFORE_RESOLVED,
            S.CANCELLED,
            (Role.BUYER,),
            summary="Cancel the dispute; final (buyer, before resolution).",
            notice="{ref}: the dispute was cancelled",
            inputs=(
                i.text("reason", "Reason (optional)", required=False),
                i.confirm(
                    "confirm",
                    "I understand that a cancelled dispute cannot be reopened and this order cannot be disputed again.",
                ),
            ),
        ),
    ]
}


# The transitions a person takes (a page form and an API action each).
BY_PEOPLE = tuple(name for name, t in TRANSITIONS.items() if t.roles - {Role.SYSTEM})
# The transitions a mediator takes (from the case view): derived from the roles.
MEDIATOR_ACTIONS = tuple(
    t.name for t in TRANSITIONS.values() if t.roles & {Role.MEDIATOR, Role.SENIOR}
)


def deadline_sentence(dispute: Dispute) -> str:
    """The rule of the current wait in words: "The seller has 3 days to respond; then …"."""
    rule = RULES.get(dispute.deadline_rule)
    if rule is None:
        return ""
    days = rule.days
    if dispute.deadline_at and dispute.deadline_started_at:
        # A mediator may set their own time to answer: say the wait as it is.
        days = round((dispute.deadline_at - dispute.deadline_started_at) / timedelta(days=1))
    return _rule_words(dispute, rule, ngettext("%(n)d day", "%(n)d days", days) % {"n": days})


def reminder_sentence(dispute: Dispute, now: datetime) -> str:
    """A reminder's words: the time left, not the whole wait ("The seller has
    1 day, 4 hours left to respond; then …"), and when the wait ends."""
    rule = RULES.get(dispute.deadline_rule)
    if rule is None or dispute.deadline_at is None:
        return ""
    left = _("%(time)s left") % {"time": time_left(dispute.deadline_at - now)}
    ends = _("It ends on %(date)s UTC.") % {
        "date": date_format(dispute.deadline_at.astimezone(UTC), "DATETIME_FORMAT")
    }
    return _rule_words(dispute, rule, left) + " " + ends


def time_left(left: timedelta) -> str:
    """ "14 days, 23 hours", "5 hours, 12 minutes": days and hours, never weeks
    (Django's timeuntil says "2 weeks" for 14 days 23 hours, and deadlines are
    counted in days)."""
    minutes = max(int(left.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        ngettext("%(n)d day", "%(n)d days", days) % {"n": days} if days else "",
        ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else "",
        ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        if minutes and not days
        else "",
    ]
    return ", ".join(p for p in parts if p) or _("less than a minute")


def _rule_words(dispute: Dispute, rule: DeadlineRule, time: str) -> str:
    then = rule.then
    if rule.key == "seller_response" and settings.SELLER_SILENCE_POLICY == "grant_claim":
        then = "then the buyer's claim is granted, which either party may appeal"
    party = dispute.info_requested_from or "party"
    return _(rule.who_has).format(time=time, party=party) + "; " + _(then) + "."


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
