"""Whole journeys through the services, as SPEC section 3 tells them."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from disputes import services
from disputes.choices import DisputeState, OfferStatus, RefundStatus, Settlement
from disputes.events import verify_all
from disputes.models import DisputeEvent, Offer, Refund
from disputes.permissions import allowed_actions
from disputes.waiting import waiting_on
from mediation.services import case_take
from tests.disputes.conftest import open_dispute

pytestmark = pytest.mark.django_db


def test_draft_is_the_buyers_until_submitted(draft, buyer, seller):
    assert draft.state == DisputeState.DRAFT
    assert waiting_on(draft, buyer) == "you"
    assert "submit" in allowed_actions(draft, buyer)
    assert allowed_actions(draft, seller) == []


def test_submit_starts_the_sellers_three_days(submitted, buyer, seller):
    assert submitted.state == DisputeState.AWAITING_SELLER
    assert submitted.deadline_rule == "seller_response"
    assert submitted.deadline_at - submitted.deadline_started_at == timezone.timedelta(days=3)
    assert waiting_on(submitted, seller) == "you"
    assert waiting_on(submitted, buyer) == "other_party"
    assert set(allowed_actions(submitted, seller)) == {
        "accept_claim",
        "reject_claim",
        "make_offer",
        "extend_deadline",
    }
    assert allowed_actions(submitted, buyer) == ["cancel"]


def test_offer_counter_accept_refund_close(
    submitted, buyer, seller, django_capture_on_commit_callbacks
):
    d = services.dispute_make_offer(
        dispute=submitted, actor=seller, outcome="partial_refund", amount="30.00", note="30 back"
    )
    assert d.state == DisputeState.NEGOTIATING
    assert waiting_on(d, buyer) == "you"
    assert set(allowed_actions(d, buyer)) >= {
        "accept_offer",
        "decline_offer",
        "make_offer",
        "escalate",
    }
    d = services.dispute_request_refund(
        dispute=d, actor=buyer, amount="50.00", rationale="Six of twelve broke"
    )
    first, second = Offer.objects.filter(dispute=d).order_by("id")
    assert first.status == OfferStatus.SUPERSEDED
    assert second.status == OfferStatus.OPEN
    assert waiting_on(d, seller) == "you"
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dispute_accept_offer(dispute=d, actor=seller, offer=second.pk)
    d.refresh_from_db()
    refund = Refund.objects.get(dispute=d)
    assert (refund.amount, refund.status) == (Decimal("50.00"), RefundStatus.SUCCEEDED)
    assert d.state == DisputeState.CLOSED
    kinds = list(DisputeEvent.objects.filter(dispute=d).values_list("kind", flat=True))
    assert kinds == [
        "created",
        "submit",
        "make_offer",
        "request_refund",
        "accept_offer",
        "refund_succeeded",
        "complete",
    ]
    assert list(verify_all()) == []


def test_formal_dispute_decision_appeal(
    submitted, buyer, seller, mediator, senior, django_capture_on_commit_callbacks
):
    d = services.dispute_reject_claim(dispute=submitted, actor=seller, note="Packed well.")
    d = services.dispute_escalate(
        dispute=d, actor=buyer, justification="The seller refuses any refund."
    )
    # Nobody is on the roster: the case waits for a mediator to take it.
    assert (d.state, waiting_on(d, mediator), waiting_on(d, buyer)) == (
        DisputeState.UNDER_REVIEW,
        "platform",
        "platform",
    )
    d = case_take(dispute=d, actor=mediator)
    assert waiting_on(d, mediator) == "you"
    d = services.dispute_request_info(
        dispute=d, actor=mediator, party="seller", question="Packing photos?"
    )
    assert waiting_on(d, seller) == "you"
    assert waiting_on(d, buyer) == "other_party"
    d = services.dispute_provide_info(dispute=d, actor=seller, answer="Attached.")
    d = services.dispute_decide(
        dispute=d,
        actor=mediator,
        outcome="partial_refund",
        refund_amount="40.00",
        reason_code="shared_fault",
        rationale="Packing was thin and the carrier was rough.",
    )
    assert (d.state, d.settlement) == (DisputeState.RESOLVED, Settlement.APPEAL_WINDOW)
    assert "appeal" in allowed_actions(d, buyer)
    d = services.dispute_appeal(
        dispute=d, actor=buyer, explanation="New photos show every mug broke."
    )
    assert d.state == DisputeState.APPEALED
    d = case_take(dispute=d, actor=senior)
    assert "decide_appeal" not in allowed_actions(d, mediator)
    assert "decide_appeal" in allowed_actions(d, senior)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dispute_decide_appeal(
            dispute=d,
            actor=senior,
            result="overturned",
            outcome="full_refund",
            refund_amount="120.00",
            rationale="The new photos show the whole shipment broke.",
        )
    assert d.state == DisputeState.CLOSED
    assert Refund.objects.get(dispute=d).status == RefundStatus.SUCCEEDED


def test_return_and_refund(order, buyer, seller, django_capture_on_commit_callbacks):
    d = open_dispute(order, outcome="return_and_refund", amount="120.00")
    d = services.dispute_submit(dispute=d, actor=buyer)
    d = services.dispute_accept_claim(dispute=d, actor=seller)
    assert (d.state, d.settlement, d.deadline_rule) == (
        DisputeState.RESOLVED,
        Settlement.RETURN_SHIPMENT,
        "return_shipment",
    )
    assert waiting_on(d, buyer) == "you"
    d = services.dispute_ship_return(
        dispute=d, actor=buyer, carrier="DHL", tracking_number="JD0001"
    )
    assert (d.settlement, waiting_on(d, seller)) == (Settlement.RETURN_RECEIPT, "you")
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dispute_confirm_return(dispute=d, actor=seller)
    d.refresh_from_db()
    assert d.state == DisputeState.CLOSED


def test_return_not_shipped_in_time_forfeits(order, buyer, seller):
    d = services.dispute_submit(
        dispute=open_dispute(order, outcome="return_and_refund", amount="120.00"), actor=buyer
    )
    d = services.dispute_accept_claim(dispute=d, actor=seller)
    with time_machine.travel(d.deadline_at + timezone.timedelta(seconds=1)):
        result = services.sweep()
    d.refresh_from_db()
    assert result.timeouts == 1
    assert d.state == DisputeState.CLOSED
    assert not Refund.objects.filter(dispute=d).exists()


def test_cancel_is_final(submitted, buyer, order):
    d = services.dispute_cancel(dispute=submitted, actor=buyer, reason="Sorted it out by phone")
    assert d.state == DisputeState.CANCELLED
    assert allowed_actions(d, buyer) == []
    from orders.eligibility import dispute_eligibility

    assert dispute_eligibility(order).code == "dispute_ended"
