"""One function per arrow of SPEC section 3 (ARCHITECTURE rule 1).

Each names its rule in its docstring, validates its input, and hands the
engine a ``Change``; views, API views, admin actions, commands and tasks all
call these and nothing else writes a dispute's state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from disputes.choices import (
    COMMITTED_REFUND_STATES,
    AppealResult,
    CarrierStatus,
    DecisionReason,
    DisputeState,
    OfferStatus,
    Outcome,
    Party,
    ResolutionKind,
    ReturnProblem,
    Settlement,
    ShippingPayer,
    Visibility,
)
from disputes.errors import BadAmount, Conflict, InvalidInput, NotAllowedNow, WindowClosed
from disputes.models import Appeal, Decision, Dispute, Offer, Refund, ReturnShipment
from disputes.notifications import concerned
from disputes.records import seal, seal_values
from disputes.selectors import current_proposal
from disputes.services.amounts import amount_from
from disputes.services.engine import Change, run_transition
from disputes.services.refunds import issue_refund
from disputes.workflow import RULES, Role
from integrations.models import CarrierShipment

# A timeout's changes for a batch of locked disputes, in their order.
BatchBuild = Callable[[Sequence[Dispute]], list[Change]]

REFUND_OUTCOMES = (Outcome.FULL_REFUND, Outcome.PARTIAL_REFUND)
OFFER_OUTCOMES = (
    Outcome.FULL_REFUND,
    Outcome.PARTIAL_REFUND,
    Outcome.RETURN_AND_REFUND,
    Outcome.REPLACEMENT,
)


# --- helpers ---------------------------------------------------------------


def _text(value: str | None, field: str, what: str, *, min_length: int = 1) -> str:
    value = (value or "").strip()
    if len(value) < min_length:
        if min_length > 1:
            raise InvalidInput(f"{what} needs at least {min_length} characters.", field=field)
        raise InvalidInput(f"{what} is required.", field=field)
    return value


def _refundable(dispute: Dispute) -> Decimal:
    committed = Refund.objects.filter(
        order_id=dispute.order_id, status__in=COMMITTED_REFUND_STATES
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return dispute.order.amount_paid - committed


def _check_money(dispute: Dispute, outcome: str, amount: Decimal, field: str = "amount") -> Decimal:
    """Refund outcomes need an amount above zero and within what is refundable; others none."""
    if outcome in (*REFUND_OUTCOMES, Outcome.RETURN_AND_REFUND):
        if amount <= 0:
            raise BadAmount("A refund must be more than zero.", field=field)
        available = _refundable(dispute)
        if amount > available:
            raise BadAmount(
                f"At most {available} {dispute.order.currency} can be refunded on this order.",
                field=field,
            )
        return amount
    return Decimal(0)


def _party(role: Role) -> str:
    return Party.BUYER if role == Role.BUYER else Party.SELLER


def _expire_open_offers(
    dispute: Dispute, status: str = OfferStatus.EXPIRED
) -> list[dict[str, Any]]:
    return _expire_open_offers_of([dispute], status)[dispute.pk]


def _expire_open_offers_of(
    disputes: Sequence[Dispute], status: str = OfferStatus.EXPIRED
) -> dict[int, list[dict[str, Any]]]:
    """Close the disputes' open offers: the seals of what changed, per dispute.

    One query, whatever the number of disputes (the sweep expires a batch's at
    once): an UPDATE … RETURNING names the offers it closed, for their seals.
    """
    sealed: dict[int, list[dict[str, Any]]] = {d.pk: [] for d in disputes}
    if not disputes:
        return sealed
    now = timezone.now()
    table = connection.ops.quote_name(Offer._meta.db_table)
    marks = ", ".join(["%s"] * len(disputes))
    # A quoted model identifier and placeholders only.
    sql = f"UPDATE {table} SET status = %s, responded_at = %s WHERE status = %s AND dispute_id IN ({marks}) RETURNING id, dispute_id"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                status,
                connection.ops.adapt_datetimefield_value(now),
                OfferStatus.OPEN,
                *[d.pk for d in disputes],
            ],
        )
        for offer_id, dispute_id in cursor.fetchall():
            sealed[dispute_id].append(
                seal_values("offer", offer_id, {"status": status, "responded_at": now})
            )
    return sealed


def _settle(
    dispute: Dispute, outcome: str, amount: Decimal, *, final: bool, kind: str | None = None
) -> Change:
    """What a resolution leads to (SPEC section 3, "Return and refund", "Refunds").

    ``final`` is a platform decision that can no longer be appealed: a plain
    refund or a rejection closes the case at once (the refund is paid in the
    background); a return or a replacement keeps it resolved until done. An
    amicable refund keeps the case resolved until the refund is paid.
    """
    fields: dict[str, Any] = {"outcome": outcome, "refund_amount": amount}
    if kind is not None:
        fields.update(resolution_kind=kind, resolved_at=timezone.now())
    key = f"{dispute.reference}-{dispute.event_count + 1}"
    if outcome in REFUND_OUTCOMES:
        refund = issue_refund(dispute, amount, key=key, order_locked=True)
        if final:
            return Change(
                target=DisputeState.CLOSED,
                no_wait=True,
                settlement=Settlement.NONE,
                fields=fields,
                sealed=[seal(refund)],
            )
        return Change(
            target=DisputeState.RESOLVED,
            no_wait=True,
            settlement=Settlement.REFUNDING,
            fields=fields,
            sealed=[seal(refund)],
        )
    if outcome == Outcome.RETURN_AND_REFUND:
        # A fresh return: a case can come back here after a problem with an
        # earlier one (the timeline keeps that history).
        ReturnShipment.objects.update_or_create(
            dispute=dispute,
            defaults={
                "carrier": "",
                "tracking_number": "",
                "shipped_at": None,
                "received_at": None,
                "auto_confirmed": False,
                "problem": "",
                "problem_note": "",
                "forfeited": False,
            },
        )
        return Change(
            target=DisputeState.RESOLVED,
            start="return_shipment",
            settlement=Settlement.RETURN_SHIPMENT,
            fields=fields,
        )
    if outcome == Outcome.REPLACEMENT:
        return Change(
            target=DisputeState.RESOLVED,
            start="replacement_shipment",
            settlement=Settlement.REPLACEMENT,
            fields=fields,
        )
    # Claim rejected: nothing to carry out.
    return Change(
        target=DisputeState.CLOSED, no_wait=True, settlement=Settlement.NONE, fields=fields
    )


def _evidence_ids(values: Sequence[Any]) -> list[int]:
    try:
        return sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise InvalidInput("Cite evidence items by their number.", field="evidence_ids") from None


def _cite(
    dispute: Dispute, decision: Decision, evidence_ids: Sequence[Any]
) -> list[dict[str, Any]]:
    """Link the evidence a decision relied on: items of this case only, not hidden.

    Returns what the event records, so the chain holds each item's SHA-256: a
    decision stays tied to the very files it cited. No query without citations.
    """
    wanted = _evidence_ids(evidence_ids)
    decision._cited_ids = []  # type: ignore[attr-defined]
    if not wanted:
        return []
    from evidence.models import Evidence

    items = list(
        Evidence.objects.filter(dispute=dispute, pk__in=wanted, hidden_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "sha256")
    )
    if len(items) != len(wanted):
        # Another case's item, a hidden one or a made-up number: never cited.
        raise InvalidInput("Cite evidence from this case only.", field="evidence_ids")
    Decision.evidence.through.objects.bulk_create(
        Decision.evidence.through(decision_id=decision.pk, evidence_id=pk) for pk, _sha in items
    )
    decision._cited_ids = [pk for pk, _sha in items]  # type: ignore[attr-defined]
    return [{"id": pk, "sha256": sha} for pk, sha in items]


def _default_payer(reason_code: str) -> str:
    """Who ships a return back when the decision does not say: the buyer when the
    evidence supports the seller or the buyer did not respond, otherwise the seller
    (whose goods or silence brought the case)."""
    if reason_code in (DecisionReason.EVIDENCE_SUPPORTS_SELLER, DecisionReason.BUYER_NO_RESPONSE):
        return ShippingPayer.BUYER
    return ShippingPayer.SELLER


def _shipping_payer(outcome: str, chosen: str | None, default: str) -> dict[str, str]:
    """The decision's ``return_shipping_paid_by`` (in its event, so in the chain): only
    a return has one; any other outcome ignores the field."""
    chosen = (chosen or "").strip()
    if chosen and chosen not in ShippingPayer.values:
        raise InvalidInput("Choose who pays to ship the return.", field="return_shipping_paid_by")
    if outcome != Outcome.RETURN_AND_REFUND:
        return {}
    return {"return_shipping_paid_by": chosen or default}


def _answer_offer(offer: Offer, status: str) -> dict[str, Any]:
    """Accept or decline the open offer: the seal of its new status."""
    now = timezone.now()
    Offer.objects.filter(pk=offer.pk).update(status=status, responded_at=now)
    return seal_values("offer", offer.pk, {"status": status, "responded_at": now})


def _must_be_open_offer(dispute: Dispute, offer_id: Any) -> Offer:
    offer = Offer.objects.filter(dispute=dispute, status=OfferStatus.OPEN).first()
    if offer is None or str(offer.pk) != str(offer_id):
        raise Conflict(
            "That offer is no longer open; a newer one may have replaced it.", field="offer"
        )
    return offer


# --- the arrows ------------------------------------------------------------


def dispute_submit(*, dispute: Dispute, actor: User) -> Dispute:
    """draft → awaiting_seller (buyer). The seller sees the case from now on and has
    the seller_response time to answer."""
    from orders.eligibility import dispute_eligibility

    def build(d: Dispute, role: Role) -> Change:
        eligibility = dispute_eligibility(d.order, d.type, exclude_dispute=d.pk)
        if not eligibility.allowed:
            error = WindowClosed if eligibility.code == "window_closed" else NotAllowedNow
            raise error(eligibility.reason)
        if d.claimed_amount > _refundable(d):
            raise BadAmount(
                "The amount claimed is more than can be refunded.", field="claimed_amount"
            )
        return Change(fields={"submitted_at": timezone.now()})

    return run_transition(dispute, actor, "submit", build)


def dispute_accept_claim(*, dispute: Dispute, actor: User) -> Dispute:
    """awaiting_seller → resolved (seller): the buyer gets the outcome they asked for."""

    def build(d: Dispute, role: Role) -> Change:
        amount = d.claimed_amount if d.requested_outcome != Outcome.REPLACEMENT else Decimal(0)
        change = _settle(
            d, d.requested_outcome, amount, final=False, kind=ResolutionKind.CLAIM_ACCEPTED
        )
        change.details = {"outcome": d.requested_outcome, "amount": amount}
        return change

    return run_transition(dispute, actor, "accept_claim", build)


def dispute_reject_claim(*, dispute: Dispute, actor: User, note: str = "") -> Dispute:
    """awaiting_seller → negotiating (seller): the parties negotiate, or escalate."""

    def build(d: Dispute, role: Role) -> Change:
        return Change(details={"note": (note or "").strip()})

    return run_transition(dispute, actor, "reject_claim", build)


def dispute_make_offer(
    *, dispute: Dispute, actor: User, outcome: str, amount: Any = 0, note: str = ""
) -> Dispute:
    """awaiting_seller / negotiating → negotiating (the seller first, then either side).
    A new offer supersedes the open one; the other side accepts or declines."""
    if outcome not in OFFER_OUTCOMES:
        raise InvalidInput(
            "Choose what you offer: a refund, a return and refund, or a replacement.",
            field="outcome",
        )
    value = amount_from(amount)

    def build(d: Dispute, role: Role) -> Change:
        money = _check_money(d, outcome, value)
        return _new_offer(d, actor, role, outcome, money, note, is_refund_request=False)

    return run_transition(dispute, actor, "make_offer", build)


def dispute_request_refund(
    *, dispute: Dispute, actor: User, amount: Any, rationale: str
) -> Dispute:
    """negotiating → negotiating (buyer): "Request a refund" is the buyer's offer of a
    refund with an amount and a rationale."""
    value = amount_from(amount)
    reason = _text(rationale, "rationale", "The rationale")

    def build(d: Dispute, role: Role) -> Change:
        money = _check_money(d, Outcome.PARTIAL_REFUND, value)
        outcome = Outcome.FULL_REFUND if money == d.order.amount_paid else Outcome.PARTIAL_REFUND
        return _new_offer(d, actor, role, outcome, money, reason, is_refund_request=True)

    return run_transition(dispute, actor, "request_refund", build)


def _new_offer(
    d: Dispute,
    actor: User,
    role: Role,
    outcome: str,
    amount: Decimal,
    note: str,
    *,
    is_refund_request: bool,
) -> Change:
    superseded = _expire_open_offers(d, OfferStatus.SUPERSEDED)
    offer = Offer.objects.create(
        dispute=d,
        made_by=actor,
        party=_party(role),
        outcome=outcome,
        amount=amount,
        note=(note or "").strip(),
        is_refund_request=is_refund_request,
    )
    return Change(
        fields={"open_offer_party": offer.party},
        details={"offer": offer.pk, "outcome": outcome, "amount": amount, "note": offer.note},
        sealed=[*superseded, seal(offer)],
    )


def dispute_decline_offer(*, dispute: Dispute, actor: User, offer: Any, note: str = "") -> Dispute:
    """negotiating → negotiating (the side the open offer was made to)."""

    def build(d: Dispute, role: Role) -> Change:
        open_offer = _must_be_open_offer(d, offer)
        closed = _answer_offer(open_offer, OfferStatus.DECLINED)
        return Change(
            fields={"open_offer_party": ""},
            details={"offer": open_offer.pk, "note": (note or "").strip()},
            sealed=[closed],
        )

    return run_transition(dispute, actor, "decline_offer", build)


def dispute_accept_offer(*, dispute: Dispute, actor: User, offer: Any) -> Dispute:
    """negotiating → resolved (the side the open offer was made to): amicable and final."""

    def build(d: Dispute, role: Role) -> Change:
        open_offer = _must_be_open_offer(d, offer)
        closed = _answer_offer(open_offer, OfferStatus.ACCEPTED)
        change = _settle(
            d, open_offer.outcome, open_offer.amount, final=False, kind=ResolutionKind.AMICABLE
        )
        change.fields["open_offer_party"] = ""
        change.sealed.insert(0, closed)
        change.details = {
            "offer": open_offer.pk,
            "outcome": open_offer.outcome,
            "amount": open_offer.amount,
        }
        return change

    return run_transition(dispute, actor, "accept_offer", build)


def dispute_escalate(*, dispute: Dispute, actor: User, justification: str) -> Dispute:
    """negotiating → under_review (either side, with a justification): a formal dispute."""
    reason = _text(justification, "justification", "The justification", min_length=10)

    def build(d: Dispute, role: Role) -> Change:
        expired = _expire_open_offers(d)
        return Change(
            fields={"open_offer_party": ""}, details={"justification": reason}, sealed=expired
        )

    return run_transition(dispute, actor, "escalate", build)


def dispute_seller_silence(*, dispute: Dispute) -> Dispute:
    """awaiting_seller → under_review when the response window passes: the platform
    steps in and the case shows the silence; or, with SELLER_SILENCE_POLICY =
    grant_claim, → resolved with the buyer's requested outcome, which either
    party may appeal within the appeal window as a platform decision (then
    ``finalize`` carries it out)."""

    return run_transition(dispute, None, "seller_silence", _one(_seller_silence_changes))


def _seller_silence_changes(disputes: Sequence[Dispute]) -> list[Change]:
    if settings.SELLER_SILENCE_POLICY != "grant_claim":
        return [
            Change(fields={"seller_silent": True}, details={"deadline_passed": "seller_response"})
            for _d in disputes
        ]
    # Granted, not yet carried out: nothing is paid before the appeal window
    # ends, so the seller who missed the deadline can still be heard.
    now = timezone.now()
    return [
        Change(
            target=DisputeState.RESOLVED,
            start="appeal_window",
            settlement=Settlement.APPEAL_WINDOW,
            fields={
                "seller_silent": True,
                "outcome": d.requested_outcome,
                "refund_amount": _granted_amount(d),
                "resolution_kind": ResolutionKind.SELLER_SILENCE,
                "resolved_at": now,
            },
            details={
                "deadline_passed": "seller_response",
                "granted": True,
                "outcome": d.requested_outcome,
                "refund_amount": _granted_amount(d),
            },
        )
        for d in disputes
    ]


def _granted_amount(d: Dispute) -> Decimal:
    return d.claimed_amount if d.requested_outcome != Outcome.REPLACEMENT else Decimal(0)


def dispute_negotiation_timeout(*, dispute: Dispute) -> Dispute:
    """negotiating → under_review when the negotiation window passes; open offers expire."""

    return run_transition(dispute, None, "negotiation_timeout", _one(_negotiation_timeout_changes))


def _negotiation_timeout_changes(disputes: Sequence[Dispute]) -> list[Change]:
    expired = _expire_open_offers_of(disputes)
    return [
        Change(
            fields={"open_offer_party": ""},
            details={"deadline_passed": "negotiation"},
            sealed=expired[d.pk],
        )
        for d in disputes
    ]


# A mediator's own deadline for an answer: at least a day, at most a month.
INFO_DAYS = (1, 30)


def dispute_request_info(
    *,
    dispute: Dispute,
    actor: User,
    party: str,
    question: str,
    respond_within_days: int | None = None,
) -> Dispute:
    """under_review → awaiting_info (mediator): one party is asked a question, with a
    deadline (the info_response setting, or the days the mediator chose)."""
    if party not in Party.values:
        raise InvalidInput("Ask the buyer or the seller.", field="party")
    text = _text(question, "question", "The question")
    if respond_within_days is not None and not (
        INFO_DAYS[0] <= respond_within_days <= INFO_DAYS[1]
    ):
        raise InvalidInput(
            f"Give between {INFO_DAYS[0]} and {INFO_DAYS[1]} days to answer.",
            field="respond_within_days",
        )
    duration = timedelta(days=respond_within_days) if respond_within_days else None

    def build(d: Dispute, role: Role) -> Change:
        return Change(
            fields={"info_requested_from": party},
            details={"party": party, "question": text, "days": respond_within_days},
            visibility=party,
            duration=duration,
        )

    return run_transition(dispute, actor, "request_info", build)


def dispute_provide_info(*, dispute: Dispute, actor: User, answer: str) -> Dispute:
    """awaiting_info → under_review (the party asked)."""
    text = _text(answer, "answer", "The answer")

    def build(d: Dispute, role: Role) -> Change:
        return Change(
            fields={"info_requested_from": ""},
            details={"answer": text},
            visibility=d.info_requested_from,
        )

    return run_transition(dispute, actor, "provide_info", build)


def dispute_info_timeout(*, dispute: Dispute) -> Dispute:
    """awaiting_info → under_review when the asked party lets the deadline pass."""

    return run_transition(dispute, None, "info_timeout", _one(_info_timeout_changes))


def _info_timeout_changes(disputes: Sequence[Dispute]) -> list[Change]:
    return [
        Change(
            fields={"info_requested_from": ""},
            details={"deadline_passed": "info_response", "party": d.info_requested_from},
        )
        for d in disputes
    ]


def dispute_review_overdue(*, dispute: Dispute) -> Dispute:
    """under_review / appealed, deadline passed: the case is flagged overdue, gets a
    new review window, the leads are told, and the engine reassigns it to the
    least-loaded other mediator (mediation.assignment)."""

    return run_transition(dispute, None, "review_overdue", _one(_review_overdue_changes))


def _review_overdue_changes(disputes: Sequence[Dispute]) -> list[Change]:
    from mediation.assignment import leads

    told = set(leads())
    return [
        Change(
            start="appeal_review" if d.state == DisputeState.APPEALED else "mediator_review",
            fields={"is_overdue": True},
            details={"deadline_passed": d.deadline_rule},
            # Everyone the case concerns, and the mediation leads (SPEC: on breach
            # the leads are told); the engine then reassigns it.
            recipients=concerned(d, Visibility.ALL) | told,
        )
        for d in disputes
    ]


def dispute_decide(
    *,
    dispute: Dispute,
    actor: User,
    outcome: str,
    refund_amount: Any,
    reason_code: str,
    rationale: str,
    rules_applied: str = "",
    evidence_ids: Sequence[int] = (),
    return_shipping_paid_by: str = "",
) -> Dispute:
    """under_review → resolved (mediator): a reasoned decision both parties see, citing
    the case's evidence it relied on (and, for a return, who pays to ship it back);
    it can be appealed within the appeal window, then it is carried out."""
    if outcome not in Outcome.values:
        raise InvalidInput("Choose an outcome.", field="outcome")
    if reason_code not in DecisionReason.values:
        raise InvalidInput("Choose a reason code.", field="reason_code")
    text = _text(rationale, "rationale", "The rationale", min_length=20)
    value = amount_from(refund_amount, "refund_amount")
    shipping = _shipping_payer(outcome, return_shipping_paid_by, _default_payer(reason_code))

    def build(d: Dispute, role: Role) -> Change:
        money = _check_money(d, outcome, value, field="refund_amount")
        decision = Decision.objects.create(
            dispute=d,
            mediator=actor,
            outcome=outcome,
            refund_amount=money,
            reason_code=reason_code,
            rules_applied=(rules_applied or "").strip(),
            rationale=text,
        )
        cited = _cite(d, decision, evidence_ids)
        return Change(
            sealed=[seal(decision)],
            settlement=Settlement.APPEAL_WINDOW,
            fields={
                "outcome": outcome,
                "refund_amount": money,
                "decided_by": actor,
                "resolution_kind": ResolutionKind.DECISION,
                "resolved_at": timezone.now(),
                "is_overdue": False,
            },
            details={
                "decision": decision.pk,
                "outcome": outcome,
                "refund_amount": money,
                "reason_code": reason_code,
                "rationale": text,
                "rules_applied": decision.rules_applied,
                "evidence": cited,
                **shipping,
            },
        )

    return run_transition(dispute, actor, "decide", build)


def dispute_propose(
    *, dispute: Dispute, actor: User, outcome: str, refund_amount: Any, rationale: str
) -> Dispute:
    """under_review → proposed (the assigned mediator, SPEC 13.1): the platform proposes
    a resolution with its reasons; both parties accept it, or either rejects it and
    the mediator decides. The proposal is its event (nothing else holds it)."""
    if outcome not in Outcome.values:
        raise InvalidInput("Choose an outcome.", field="outcome")
    text = _text(rationale, "rationale", "The reasons", min_length=20)
    value = amount_from(refund_amount, "refund_amount")

    def build(d: Dispute, role: Role) -> Change:
        money = _check_money(d, outcome, value, field="refund_amount")
        return Change(
            fields={"proposal_accepted_by": "", "is_overdue": False},
            details={"outcome": outcome, "refund_amount": money, "rationale": text},
        )

    return run_transition(dispute, actor, "propose", build)


def dispute_accept_proposal(*, dispute: Dispute, actor: User) -> Dispute:
    """proposed (a party): the first acceptance waits for the other party; the second
    resolves the case as proposed, amicably (no appeal), as an accepted offer would."""

    def build(d: Dispute, role: Role) -> Change:
        party = _party(role)
        if not d.proposal_accepted_by:
            return Change(fields={"proposal_accepted_by": party}, details={"party": party})
        proposal = current_proposal(d)
        amount = Decimal(str(proposal["refund_amount"]))
        # A refund is checked against what is still refundable when it is issued.
        change = _settle(d, proposal["outcome"], amount, final=False, kind=ResolutionKind.AMICABLE)
        change.fields["proposal_accepted_by"] = ""
        change.details = {"party": party, "outcome": proposal["outcome"], "amount": amount}
        return change

    return run_transition(dispute, actor, "accept_proposal", build)


def dispute_reject_proposal(*, dispute: Dispute, actor: User, reason: str) -> Dispute:
    """proposed → under_review (either party, with a reason): the mediator decides."""
    text = _text(reason, "reason", "The reason", min_length=10)

    def build(d: Dispute, role: Role) -> Change:
        return Change(
            fields={"proposal_accepted_by": ""}, details={"party": _party(role), "reason": text}
        )

    return run_transition(dispute, actor, "reject_proposal", build)


def dispute_proposal_timeout(*, dispute: Dispute) -> Dispute:
    """proposed → under_review when the parties have not both accepted in time."""

    return run_transition(dispute, None, "proposal_timeout", _one(_proposal_timeout_changes))


def _proposal_timeout_changes(disputes: Sequence[Dispute]) -> list[Change]:
    return [
        Change(
            fields={"proposal_accepted_by": ""},
            details={
                "deadline_passed": "proposal_response",
                "accepted_by": d.proposal_accepted_by,
            },
        )
        for d in disputes
    ]


def dispute_extend_deadline(*, dispute: Dispute, actor: User, reason: str) -> Dispute:
    """More time, once (SPEC 13.2): the party the current wait is on moves its deadline
    by ``DISPUTE_EXTENSION_DAYS``, with a reason the other side reads."""
    text = _text(reason, "reason", "The reason", min_length=10)
    by = timedelta(days=settings.DISPUTE_EXTENSION_DAYS)

    def build(d: Dispute, role: Role) -> Change:
        assert d.deadline_at is not None  # the must_act guard
        return Change(
            extend=by,
            details={
                "party": _party(role),
                "reason": text,
                "rule": d.deadline_rule,
                "days": by.days,
                "deadline_at": (d.deadline_at + by).isoformat(),
            },
        )

    return run_transition(dispute, actor, "extend_deadline", build)


def dispute_appeal(*, dispute: Dispute, actor: User, explanation: str) -> Dispute:
    """resolved → appealed (a party, once each, within the appeal window, with new
    information): a senior mediator who did not decide the case reviews it."""
    text = _text(explanation, "explanation", "The explanation", min_length=20)

    def build(d: Dispute, role: Role) -> Change:
        if d.deadline_at is not None and d.deadline_at <= timezone.now():
            raise WindowClosed("The appeal window has closed.")
        party = _party(role)
        appeal = Appeal.objects.create(dispute=d, appellant=actor, party=party, explanation=text)
        flag = "buyer_appealed" if party == Party.BUYER else "seller_appealed"
        return Change(
            settlement=Settlement.NONE,
            fields={flag: True},
            details={"appeal": appeal.pk, "party": party, "explanation": text},
            sealed=[seal(appeal)],
        )

    return run_transition(dispute, actor, "appeal", build)


def dispute_finalize(*, dispute: Dispute) -> Dispute:
    """resolved → closed when the appeal window ends: the platform's decision is
    final and carried out (a return or a replacement keeps the case resolved until done)."""

    def build(d: Dispute, role: Role) -> Change:
        change = _settle(d, d.outcome, d.refund_amount or Decimal(0), final=True)
        change.details = {"deadline_passed": "appeal_window", "outcome": d.outcome}
        return change

    return run_transition(dispute, None, "finalize", build)


def dispute_decide_appeal(
    *,
    dispute: Dispute,
    actor: User,
    result: str,
    rationale: str,
    outcome: str | None = None,
    refund_amount: Any = 0,
    evidence_ids: Sequence[int] = (),
    return_shipping_paid_by: str = "",
) -> Dispute:
    """appealed → closed (senior mediator, not the first decider): the decision is
    upheld or overturned with a rationale (citing evidence, such as what came with
    the appeal), then carried out. Who pays to ship a return is the first
    decision's unless this one says (an overturned return: the seller by default)."""
    if result not in AppealResult.values:
        raise InvalidInput("Uphold or overturn the decision.", field="result")
    text = _text(rationale, "rationale", "The rationale", min_length=20)
    if result == AppealResult.OVERTURNED and outcome not in Outcome.values:
        raise InvalidInput("Choose the new outcome.", field="outcome")
    value = amount_from(refund_amount, "refund_amount")

    def build(d: Dispute, role: Role) -> Change:
        if result == AppealResult.UPHELD:
            final_outcome, money = d.outcome, d.refund_amount or Decimal(0)
        else:
            final_outcome = outcome or ""
            money = _check_money(d, final_outcome, value, field="refund_amount")
        decision = Decision.objects.create(
            dispute=d,
            mediator=actor,
            is_appeal=True,
            appeal_result=result,
            outcome=final_outcome,
            refund_amount=money,
            reason_code=DecisionReason.OTHER,
            rationale=text,
        )
        cited = _cite(d, decision, evidence_ids)
        change = _settle(d, final_outcome, money, final=True, kind=ResolutionKind.APPEAL)
        change.sealed.insert(0, seal(decision))
        change.details = {
            "decision": decision.pk,
            "result": result,
            "outcome": final_outcome,
            "refund_amount": money,
            "rationale": text,
            "evidence": cited,
        }
        if result == AppealResult.OVERTURNED or return_shipping_paid_by:
            change.details.update(
                _shipping_payer(final_outcome, return_shipping_paid_by, ShippingPayer.SELLER)
            )
        return change

    return run_transition(dispute, actor, "decide_appeal", build)


def dispute_ship_return(
    *, dispute: Dispute, actor: User, carrier: str, tracking_number: str
) -> Dispute:
    """resolved (return to ship) → resolved (return on its way), buyer: the seller now has
    the return_receipt time to confirm or report a problem."""
    carrier = _text(carrier, "carrier", "The carrier")
    tracking = _text(tracking_number, "tracking_number", "The tracking number")

    def build(d: Dispute, role: Role) -> Change:
        ReturnShipment.objects.filter(dispute=d).update(
            carrier=carrier, tracking_number=tracking, shipped_at=timezone.now()
        )
        # What the carrier webhook and poll find it by (issue 15 item 6).
        CarrierShipment.objects.create(
            dispute=d, kind=CarrierShipment.Kind.RETURN, carrier=carrier, tracking_number=tracking
        )
        return Change(
            start="return_receipt",
            settlement=Settlement.RETURN_RECEIPT,
            details={"carrier": carrier, "tracking_number": tracking},
        )

    return run_transition(dispute, actor, "ship_return", build)


def dispute_confirm_return(*, dispute: Dispute, actor: User | None = None) -> Dispute:
    """resolved (return on its way) → resolved (refund being paid), by the seller or,
    when the seller lets the deadline pass, automatically: then the refund is issued."""

    def build(d: Dispute, role: Role) -> Change:
        automatic = role == Role.SYSTEM
        if automatic and (d.deadline_at is None or d.deadline_at > timezone.now()):
            raise NotAllowedNow("The seller still has time to confirm the return.")
        ReturnShipment.objects.filter(dispute=d).update(
            received_at=timezone.now(), auto_confirmed=automatic
        )
        refund = issue_refund(
            d,
            d.refund_amount or Decimal(0),
            key=f"{d.reference}-{d.event_count + 1}",
            order_locked=True,
        )
        return Change(
            no_wait=True,
            settlement=Settlement.REFUNDING,
            details={"automatic": automatic, "refund_amount": d.refund_amount},
            sealed=[seal(refund)],
        )

    return run_transition(dispute, actor, "confirm_return", build)


def dispute_report_return_problem(
    *, dispute: Dispute, actor: User, problem: str, note: str = ""
) -> Dispute:
    """resolved (return on its way) → under_review (seller): what came back was damaged,
    empty or different; the platform decides."""
    if problem not in ReturnProblem.values:
        raise InvalidInput("Say what was wrong with the return.", field="problem")

    def build(d: Dispute, role: Role) -> Change:
        ReturnShipment.objects.filter(dispute=d).update(
            problem=problem, problem_note=(note or "").strip()
        )
        return Change(
            settlement=Settlement.NONE, details={"problem": problem, "note": (note or "").strip()}
        )

    return run_transition(dispute, actor, "report_return_problem", build)


def dispute_forfeit_return(*, dispute: Dispute) -> Dispute:
    """resolved (return to ship) → closed when the buyer does not ship in time:
    the refund is forfeited."""

    return run_transition(dispute, None, "forfeit_return", _one(_forfeit_return_changes))


def _forfeit_return_changes(disputes: Sequence[Dispute]) -> list[Change]:
    ReturnShipment.objects.filter(dispute_id__in=[d.pk for d in disputes]).update(forfeited=True)
    return [
        Change(settlement=Settlement.NONE, details={"deadline_passed": "return_shipment"})
        for _d in disputes
    ]


def dispute_ship_replacement(
    *, dispute: Dispute, actor: User, carrier: str, tracking_number: str
) -> Dispute:
    """resolved (replacement due) → resolved (replacement on its way), seller: the buyer
    now has the replacement_receipt time to confirm it arrived or object; the case
    closes only then (issue 15 item 6)."""
    carrier = _text(carrier, "carrier", "The carrier")
    tracking = _text(tracking_number, "tracking_number", "The tracking number")

    def build(d: Dispute, role: Role) -> Change:
        CarrierShipment.objects.create(
            dispute=d,
            kind=CarrierShipment.Kind.REPLACEMENT,
            carrier=carrier,
            tracking_number=tracking,
        )
        return Change(
            start="replacement_receipt",
            settlement=Settlement.REPLACEMENT_RECEIPT,
            details={"carrier": carrier, "tracking_number": tracking},
        )

    return run_transition(dispute, actor, "ship_replacement", build)


# The receipt wait a parcel's delivery starts again, by what the case waits for.
RECEIPT_RULES = {
    Settlement.RETURN_RECEIPT: ("return_receipt", CarrierShipment.Kind.RETURN),
    Settlement.REPLACEMENT_RECEIPT: ("replacement_receipt", CarrierShipment.Kind.REPLACEMENT),
}


def dispute_carrier_delivered(
    *,
    dispute: Dispute,
    shipment: CarrierShipment | None = None,
    occurred_at: datetime | None = None,
) -> Dispute:
    """resolved (return or replacement on its way) → the same (the system, on the
    carrier's word): the parcel was delivered, so the receipt wait (the seller's for a
    return, the buyer's for a replacement) starts again from now. Once per parcel,
    for the case's latest parcel of that kind (``shipment`` None: that one)."""

    def build(d: Dispute, role: Role) -> Change:
        rule, kind = RECEIPT_RULES[Settlement(d.settlement)]
        # The parcel the case waits for is its latest of that kind (a case sent back
        # to review and decided again ships a new one).
        parcel = CarrierShipment.objects.filter(dispute=d, kind=kind).order_by("-pk").first()
        if parcel is None or (shipment is not None and shipment.pk != parcel.pk):
            raise NotAllowedNow("The case does not wait for this parcel.")
        if parcel.delivered_at is not None:
            raise NotAllowedNow("The carrier already reported this parcel delivered.")
        when = occurred_at or timezone.now()
        CarrierShipment.objects.filter(pk=parcel.pk).update(
            status=CarrierStatus.DELIVERED, delivered_at=when
        )
        return Change(
            start=rule,
            details={
                "shipment": kind,
                "carrier": parcel.carrier,
                "tracking_number": parcel.tracking_number,
                "status": CarrierStatus.DELIVERED,
                "occurred_at": when,
            },
        )

    return run_transition(dispute, None, "carrier_delivered", build)


def dispute_confirm_replacement(*, dispute: Dispute, actor: User) -> Dispute:
    """resolved (replacement on its way) → closed (buyer): the replacement arrived."""

    def build(d: Dispute, role: Role) -> Change:
        return Change(settlement=Settlement.NONE)

    return run_transition(dispute, actor, "confirm_replacement", build)


def dispute_object_replacement(*, dispute: Dispute, actor: User, reason: str) -> Dispute:
    """resolved (replacement on its way) → under_review (buyer): the replacement did not
    arrive, or not as agreed; the platform decides."""
    text = _text(reason, "reason", "What is wrong", min_length=10)

    def build(d: Dispute, role: Role) -> Change:
        return Change(settlement=Settlement.NONE, details={"reason": text})

    return run_transition(dispute, actor, "object_replacement", build)


def dispute_replacement_unconfirmed(*, dispute: Dispute) -> Dispute:
    """resolved (replacement on its way) when the buyer's time passes without a word:
    closed if the carrier reported the replacement delivered (it counts as arrived),
    otherwise under_review (nobody says it arrived: the platform steps in).

    One dispute at a time (no batch build): its target differs from case to case."""

    def build(d: Dispute, role: Role) -> Change:
        delivered = CarrierShipment.objects.filter(
            dispute=d, kind=CarrierShipment.Kind.REPLACEMENT, delivered_at__isnull=False
        ).exists()
        details = {"deadline_passed": "replacement_receipt", "delivered_by_carrier": delivered}
        if delivered:
            return Change(target=DisputeState.CLOSED, settlement=Settlement.NONE, details=details)
        return Change(
            target=DisputeState.UNDER_REVIEW,
            start="mediator_review",
            settlement=Settlement.NONE,
            details=details,
        )

    return run_transition(dispute, None, "replacement_unconfirmed", build)


def dispute_replacement_timeout(*, dispute: Dispute) -> Dispute:
    """resolved (replacement due) → under_review when the seller does not ship in time."""

    return run_transition(dispute, None, "replacement_timeout", _one(_replacement_timeout_changes))


def _replacement_timeout_changes(disputes: Sequence[Dispute]) -> list[Change]:
    return [
        Change(settlement=Settlement.NONE, details={"deadline_passed": "replacement_shipment"})
        for _d in disputes
    ]


def dispute_complete(*, dispute: Dispute) -> Dispute:
    """resolved (refund being paid) → closed, by the refund task once the refund is paid."""

    def build(d: Dispute, role: Role) -> Change:
        return Change(settlement=Settlement.NONE, details={"refund_amount": d.refund_amount})

    return run_transition(dispute, None, "complete", build)


def dispute_expire_draft(*, dispute: Dispute) -> Dispute:
    """draft → cancelled when the buyer has not submitted it in time
    (``DEADLINE_DRAFT_EXPIRY_DAYS``); the buyer is told, as for any cancellation."""

    return run_transition(dispute, None, "expire_draft", _one(_expire_draft_changes))


def _expire_draft_changes(disputes: Sequence[Dispute]) -> list[Change]:
    return [Change(details={"deadline_passed": "draft_expiry"}) for _d in disputes]


def dispute_cancel(*, dispute: Dispute, actor: User, reason: str = "") -> Dispute:
    """Any state before resolved → cancelled (buyer, after a confirmation). Final: the
    dispute cannot be reopened and the order cannot be disputed again."""

    def build(d: Dispute, role: Role) -> Change:
        expired = _expire_open_offers(d)
        return Change(
            sealed=expired,
            settlement=Settlement.NONE,
            fields={"open_offer_party": "", "info_requested_from": "", "proposal_accepted_by": ""},
            details={"reason": (reason or "").strip()},
        )

    return run_transition(dispute, actor, "cancel", build)


def _one(changes: BatchBuild) -> Callable[[Dispute, Role], Change]:
    """A timeout's build for one dispute: its batch build with a batch of one, so the
    sweep's batch and a single transition write the same thing."""
    return lambda d, role: changes([d])[0]


def batch_build(name: str) -> BatchBuild | None:
    """How the sweep builds timeout ``name`` for a whole batch of locked disputes (its
    writes besides the dispute rows in one query per batch), or None when it must go
    one dispute at a time: the timeouts that issue a refund (``issue_refund`` locks
    and sums each order's ledger), and a claim granted on the seller's silence,
    whose amount differs from case to case (the batch's UPDATE groups rows by
    equal values: one per case would be no batch)."""
    if name == "seller_silence" and settings.SELLER_SILENCE_POLICY == "grant_claim":
        return None
    return BATCH_BUILDS.get(name)


# The batch form of each timeout of the table that has one: ``_<name>_changes``
# beside its service (``finalize`` has none: it may issue a refund).
BATCH_BUILDS: dict[str, BatchBuild] = {
    rule.on_timeout: globals()[f"_{rule.on_timeout}_changes"]
    for rule in RULES.values()
    if f"_{rule.on_timeout}_changes" in globals()
}
