"""Every (situation, transition, role): it works exactly when SPEC section 3 says so;
otherwise it is refused with the right error and changes nothing.

The expected table below is written from the SPEC, independently of
disputes/workflow.py, so that a mistake in the workflow table shows here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from disputes import services
from disputes.errors import NotAllowedNow, NotYourCase, NotYours, TransitionRefused
from disputes.models import Dispute, Offer
from disputes.permissions import allowed_actions
from disputes.workflow import TRANSITIONS, Role
from mediation.services import case_take
from tests.disputes.conftest import open_dispute
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db

PERSONS = ("buyer", "seller", "mediator", "senior", "stranger")

# situation -> {(transition, role)} allowed. Everything else must be refused.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "draft": {("submit", "buyer"), ("cancel", "buyer"), ("expire_draft", "system")},
    "awaiting_seller": {
        ("accept_claim", "seller"),
        ("reject_claim", "seller"),
        ("make_offer", "seller"),
        ("extend_deadline", "seller"),
        ("cancel", "buyer"),
        ("seller_silence", "system"),
    },
    # SPEC 13.2: more time once per stage.
    "awaiting_seller_extended": {
        ("accept_claim", "seller"),
        ("reject_claim", "seller"),
        ("make_offer", "seller"),
        ("cancel", "buyer"),
        ("seller_silence", "system"),
    },
    "negotiating_offer_from_seller": {
        ("make_offer", "buyer"),
        ("make_offer", "seller"),
        ("request_refund", "buyer"),
        ("decline_offer", "buyer"),
        ("accept_offer", "buyer"),
        ("escalate", "buyer"),
        ("escalate", "seller"),
        ("cancel", "buyer"),
        ("negotiation_timeout", "system"),
    },
    "negotiating_no_offer": {
        ("make_offer", "buyer"),
        ("make_offer", "seller"),
        ("request_refund", "buyer"),
        ("escalate", "buyer"),
        ("escalate", "seller"),
        ("cancel", "buyer"),
        ("negotiation_timeout", "system"),
    },
    # The mediator took the case: only they act on it (SPEC 13.6), not the senior.
    "under_review": {
        ("request_info", "mediator"),
        ("propose", "mediator"),
        ("decide", "mediator"),
        ("cancel", "buyer"),
        ("review_overdue", "system"),
    },
    "awaiting_info_from_buyer": {
        ("provide_info", "buyer"),
        ("extend_deadline", "buyer"),
        ("cancel", "buyer"),
        ("info_timeout", "system"),
    },
    # SPEC 13.1: each party accepts or rejects the platform's proposal.
    "proposed": {
        ("accept_proposal", "buyer"),
        ("accept_proposal", "seller"),
        ("reject_proposal", "buyer"),
        ("reject_proposal", "seller"),
        ("cancel", "buyer"),
        ("proposal_timeout", "system"),
    },
    "proposed_accepted_by_buyer": {
        ("accept_proposal", "seller"),
        ("reject_proposal", "buyer"),
        ("reject_proposal", "seller"),
        ("cancel", "buyer"),
        ("proposal_timeout", "system"),
    },
    "resolved_appeal_window": {("appeal", "buyer"), ("appeal", "seller"), ("finalize", "system")},
    "resolved_refunding": {("complete", "system")},
    "resolved_return_shipment": {
        ("ship_return", "buyer"),
        ("extend_deadline", "buyer"),
        ("forfeit_return", "system"),
    },
    "resolved_return_receipt": {
        ("confirm_return", "seller"),
        ("report_return_problem", "seller"),
        ("confirm_return", "system"),
        # The carrier says the return was delivered: the seller's wait starts again.
        ("carrier_delivered", "system"),
    },
    "resolved_replacement": {("ship_replacement", "seller"), ("replacement_timeout", "system")},
    # Issue 15 item 6: the replacement is on its way; the buyer says it arrived or not.
    "resolved_replacement_receipt": {
        ("confirm_replacement", "buyer"),
        ("object_replacement", "buyer"),
        ("carrier_delivered", "system"),
        ("replacement_unconfirmed", "system"),
    },
    # Delivered once: the carrier's second word changes nothing.
    "resolved_replacement_delivered": {
        ("confirm_replacement", "buyer"),
        ("object_replacement", "buyer"),
        ("replacement_unconfirmed", "system"),
    },
    "appealed": {("decide_appeal", "senior"), ("review_overdue", "system")},
    "closed": set(),
    "cancelled": set(),
}


def _under_review(d, p):
    d = services.dispute_reject_claim(dispute=d, actor=p["seller"])
    d = services.dispute_escalate(
        dispute=d, actor=p["buyer"], justification="We cannot agree at all."
    )
    # Nobody is on the roster: the case waits unassigned until the mediator takes it.
    return case_take(dispute=d, actor=p["mediator"])


def _decided(d, p, outcome="partial_refund", amount="40.00"):
    d = _under_review(d, p)
    return services.dispute_decide(
        dispute=d,
        actor=p["mediator"],
        outcome=outcome,
        refund_amount=amount,
        reason_code="shared_fault",
        rationale="Both sides share the fault here, evenly.",
    )


def _proposed(d, p):
    return services.dispute_propose(
        dispute=_under_review(d, p),
        actor=p["mediator"],
        outcome="partial_refund",
        refund_amount="40.00",
        rationale="Half of the mugs broke; half the price back is fair.",
    )


def _accepted(outcome: str):
    def build(d, p):
        d = services.dispute_make_offer(
            dispute=d,
            actor=p["seller"],
            outcome=outcome,
            amount="0" if outcome == "replacement" else "50.00",
        )
        offer = Offer.objects.get(dispute=d, status="open")
        return services.dispute_accept_offer(dispute=d, actor=p["buyer"], offer=offer.pk)

    return build


def _replacement_shipped(d, p):
    return services.dispute_ship_replacement(
        dispute=_accepted("replacement")(d, p),
        actor=p["seller"],
        carrier="DHL",
        tracking_number="X1",
    )


SETUPS: dict[str, Callable[[Dispute, dict[str, Any]], Dispute]] = {
    "draft": lambda d, p: d,
    "awaiting_seller": lambda d, p: d,
    "awaiting_seller_extended": lambda d, p: services.dispute_extend_deadline(
        dispute=d, actor=p["seller"], reason="Our warehouse is closed this week."
    ),
    "negotiating_offer_from_seller": lambda d, p: services.dispute_make_offer(
        dispute=d, actor=p["seller"], outcome="partial_refund", amount="30.00"
    ),
    "negotiating_no_offer": lambda d, p: services.dispute_reject_claim(
        dispute=d, actor=p["seller"]
    ),
    "under_review": _under_review,
    "awaiting_info_from_buyer": lambda d, p: services.dispute_request_info(
        dispute=_under_review(d, p),
        actor=p["mediator"],
        party="buyer",
        question="When did it arrive?",
    ),
    "proposed": _proposed,
    "proposed_accepted_by_buyer": lambda d, p: services.dispute_accept_proposal(
        dispute=_proposed(d, p), actor=p["buyer"]
    ),
    "resolved_appeal_window": _decided,
    "resolved_refunding": _accepted("partial_refund"),
    "resolved_return_shipment": _accepted("return_and_refund"),
    "resolved_return_receipt": lambda d, p: services.dispute_ship_return(
        dispute=_accepted("return_and_refund")(d, p),
        actor=p["buyer"],
        carrier="DHL",
        tracking_number="R1",
    ),
    "resolved_replacement": _accepted("replacement"),
    "appealed": lambda d, p: case_take(
        dispute=services.dispute_appeal(
            dispute=_decided(d, p),
            actor=p["buyer"],
            explanation="New photos show every single mug broke.",
        ),
        actor=p["senior"],
    ),
    "resolved_replacement_receipt": lambda d, p: _replacement_shipped(d, p),
    "resolved_replacement_delivered": lambda d, p: services.dispute_carrier_delivered(
        dispute=_replacement_shipped(d, p)
    ),
    "closed": lambda d, p: services.dispute_confirm_replacement(
        dispute=_replacement_shipped(d, p), actor=p["buyer"]
    ),
    "cancelled": lambda d, p: services.dispute_cancel(dispute=d, actor=p["buyer"]),
}


def _arguments(name: str, d: Dispute) -> dict[str, Any]:
    """Valid input for each service, so that only state and role decide."""
    open_offer = Offer.objects.filter(dispute=d, status="open").first()
    offer_id = open_offer.pk if open_offer else 0
    return {
        "reject_claim": {"note": "Packed well."},
        "make_offer": {"outcome": "partial_refund", "amount": "20.00"},
        "request_refund": {"amount": "25.00", "rationale": "Six mugs broke."},
        "decline_offer": {"offer": offer_id},
        "accept_offer": {"offer": offer_id},
        "escalate": {"justification": "We cannot agree at all."},
        "request_info": {"party": "seller", "question": "Packing photos?"},
        "provide_info": {"answer": "It came on Monday."},
        "decide": {
            "outcome": "partial_refund",
            "refund_amount": "30.00",
            "reason_code": "shared_fault",
            "rationale": "Both sides share the fault here, evenly.",
        },
        "appeal": {"explanation": "New photos show every single mug broke."},
        "decide_appeal": {
            "result": "upheld",
            "rationale": "The first decision weighed the photos right.",
        },
        "ship_return": {"carrier": "DHL", "tracking_number": "R2"},
        "report_return_problem": {"problem": "empty", "note": "The box was empty."},
        "ship_replacement": {"carrier": "DHL", "tracking_number": "X2"},
        "object_replacement": {"reason": "It never arrived at my door."},
        "cancel": {"reason": "Changed my mind."},
        "propose": {
            "outcome": "partial_refund",
            "refund_amount": "30.00",
            "rationale": "Both sides share the fault here, evenly.",
        },
        "reject_proposal": {"reason": "The carrier broke them, not the seller."},
        "extend_deadline": {"reason": "I need a few more days for this."},
    }.get(name, {})


class _Rollback(Exception):
    pass


def _snapshot(d: Dispute) -> tuple[Any, ...]:
    d.refresh_from_db()
    return (
        d.state,
        d.settlement,
        d.version,
        d.event_count,
        d.chain_head,
        d.deadline_at,
        d.offers.count(),
        d.refunds.count(),
        d.decisions.count(),
    )


@pytest.mark.parametrize("situation", list(EXPECTED))
def test_transition_matrix(situation, order, buyer, seller, mediator, senior):
    people = {
        "buyer": buyer,
        "seller": seller,
        "mediator": mediator,
        "senior": senior,
        "stranger": BuyerFactory(email="stranger@example.com"),
    }
    d = open_dispute(order)
    if situation != "draft":
        d = services.dispute_submit(dispute=d, actor=buyer)
    d = SETUPS[situation](d, people)
    before = _snapshot(d)
    seen: set[tuple[str, str]] = set()
    for name, transition in TRANSITIONS.items():
        roles = [r for r in PERSONS if transition.roles - {Role.SYSTEM}]
        if Role.SYSTEM in transition.roles:
            roles.append("system")
        for role in roles:
            fresh = Dispute.objects.get(pk=d.pk)
            kwargs = {"dispute": fresh, **_arguments(name, fresh)}
            if role != "system":
                kwargs["actor"] = people[role]
            # The sweep's view: every deadline has passed.
            moment = (fresh.deadline_at or fresh.created_at) + timedelta(seconds=1)
            try:
                with (
                    time_machine.travel(
                        moment if role == "system" else fresh.created_at + timedelta(hours=1)
                    ),
                    transaction.atomic(),
                ):
                    services.SERVICES[name](**kwargs)
                    seen.add((name, role))
                    raise _Rollback  # keep the situation for the next call
            except _Rollback:
                pass
            except NotYours:
                assert role == "stranger", f"{name} by {role}: NotYours"
            except NotYourCase:
                assert role in ("mediator", "senior"), f"{name} by {role}: NotYourCase"
            except TransitionRefused as exc:
                refusal = exc
                assert role != "stranger", f"{name} by a stranger must be NotYours"
                assert type(refusal) is NotAllowedNow, f"{name} by {role}: {refusal.code}"
            assert _snapshot(d) == before, f"{name} by {role} left a trace"
    assert seen == EXPECTED[situation]


def test_the_decider_never_decides_the_appeal(order, buyer, seller, senior):
    d = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    d = _decided(d, {"buyer": buyer, "seller": seller, "mediator": senior})
    d = services.dispute_appeal(
        dispute=d, actor=seller, explanation="The buyer dropped the box on arrival."
    )
    with pytest.raises(NotAllowedNow):
        services.dispute_decide_appeal(
            dispute=d, actor=senior, result="upheld", rationale="I stand by my decision fully."
        )


def test_each_party_appeals_once(order, buyer, seller, mediator, senior):
    """A case can come back to review (a problem with the return) and be decided
    again; a party that already appealed cannot appeal a second time."""
    people = {"buyer": buyer, "seller": seller, "mediator": mediator}
    d = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    d = _decided(d, people)
    d = services.dispute_appeal(
        dispute=d, actor=buyer, explanation="New photos show every single mug broke."
    )
    d = case_take(dispute=d, actor=senior)
    d = services.dispute_decide_appeal(
        dispute=d,
        actor=senior,
        result="overturned",
        outcome="return_and_refund",
        refund_amount="120.00",
        rationale="All twelve broke; return them for a full refund.",
    )
    d = services.dispute_ship_return(dispute=d, actor=buyer, carrier="DHL", tracking_number="R1")
    d = services.dispute_report_return_problem(dispute=d, actor=seller, problem="empty")
    d = case_take(dispute=d, actor=mediator)
    d = services.dispute_decide(
        dispute=d,
        actor=mediator,
        outcome="claim_rejected",
        refund_amount="0",
        reason_code="evidence_supports_seller",
        rationale="The parcel that came back was empty.",
    )
    assert allowed_actions(d, buyer) == []
    assert allowed_actions(d, seller) == ["appeal"]
    with pytest.raises(NotAllowedNow):
        services.dispute_appeal(
            dispute=d, actor=buyer, explanation="I really did send the mugs back."
        )
