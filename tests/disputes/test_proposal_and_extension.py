"""The platform's proposal (SPEC 13.1) and "More time, once" (SPEC 13.2), through the
services, the dispute page and the API: who may take each step, what the case waits
on, what the timeline and the other side are told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from disputes import services
from disputes.choices import DisputeState, RefundStatus, ResolutionKind, Settlement
from disputes.errors import BadAmount, InvalidInput, NotAllowedNow, NotYourCase
from disputes.events import verify_all
from disputes.models import DisputeEvent, Notification, Refund
from disputes.permissions import allowed_actions
from disputes.waiting import waiting_on
from mediation.services import case_take
from tests.api.conftest import api_for
from tests.conftest import client_for, open_dispute
from tests.factories import MediatorFactory

pytestmark = pytest.mark.django_db

REASONS = "The photos show six broken mugs; half the order is a fair refund."


@pytest.fixture
def reviewed(submitted, buyer, seller, mediator):
    """A formal dispute the mediator has taken."""
    d = services.dispute_reject_claim(dispute=submitted, actor=seller)
    d = services.dispute_escalate(dispute=d, actor=buyer, justification="We cannot agree.")
    return case_take(dispute=d, actor=mediator)


@pytest.fixture
def proposed(reviewed, mediator):
    return services.dispute_propose(
        dispute=reviewed,
        actor=mediator,
        outcome="partial_refund",
        refund_amount="60.00",
        rationale=REASONS,
    )


def kinds(dispute) -> list[str]:
    return list(
        DisputeEvent.objects.filter(dispute=dispute).order_by("seq").values_list("kind", flat=True)
    )


# --- the proposal ------------------------------------------------------------------


def test_a_proposal_waits_three_days_on_both_parties(proposed, buyer, seller, mediator):
    d = proposed
    assert (d.state, d.deadline_rule) == (DisputeState.PROPOSED, "proposal_response")
    assert d.deadline_at - d.deadline_started_at == timedelta(days=3)
    assert waiting_on(d, buyer) == waiting_on(d, seller) == "you"
    assert set(allowed_actions(d, buyer)) == {"accept_proposal", "reject_proposal", "cancel"}
    assert set(allowed_actions(d, seller)) == {"accept_proposal", "reject_proposal"}
    # The mediator waits for the parties; the case stays theirs.
    assert allowed_actions(d, mediator) == []
    assert d.assigned_mediator_id == mediator.pk
    event = DisputeEvent.objects.get(dispute=d, kind="propose")
    assert event.details["rationale"] == REASONS
    assert Decimal(str(event.details["refund_amount"])) == Decimal("60.00")
    # Both parties hear of it, with the platform's words.
    titles = set(Notification.objects.filter(event=event).values_list("recipient_id", "title"))
    assert {user for user, _t in titles} == {buyer.pk, seller.pk}
    assert all("the platform proposes a resolution" in title for _u, title in titles)


def test_accepted_by_both_resolves_amicably_without_appeal(
    proposed, buyer, seller, django_capture_on_commit_callbacks
):
    d = services.dispute_accept_proposal(dispute=proposed, actor=buyer)
    assert (d.state, d.proposal_accepted_by) == (DisputeState.PROPOSED, "buyer")
    # The buyer stands by the proposal: the case waits on the seller alone.
    assert (waiting_on(d, buyer), waiting_on(d, seller)) == ("other_party", "you")
    assert "accept_proposal" not in allowed_actions(d, buyer)
    with pytest.raises(NotAllowedNow):
        services.dispute_accept_proposal(dispute=d, actor=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dispute_accept_proposal(dispute=d, actor=seller)
    d.refresh_from_db()
    assert (d.outcome, d.refund_amount, d.resolution_kind) == (
        "partial_refund",
        Decimal("60.00"),
        ResolutionKind.AMICABLE,
    )
    # Amicable: no appeal window; the refund is paid and the case closes.
    assert d.state == DisputeState.CLOSED
    assert Refund.objects.get(dispute=d).status == RefundStatus.SUCCEEDED
    assert kinds(d)[-4:] == ["accept_proposal", "accept_proposal", "refund_succeeded", "complete"]
    assert list(verify_all(records=True)) == []


def test_a_proposal_to_reject_the_claim_closes_the_case_when_accepted(
    reviewed, mediator, buyer, seller
):
    d = services.dispute_propose(
        dispute=reviewed,
        actor=mediator,
        outcome="claim_rejected",
        refund_amount="0",
        rationale="The tracking shows delivery and the photos show no damage.",
    )
    d = services.dispute_accept_proposal(dispute=d, actor=seller)
    d = services.dispute_accept_proposal(dispute=d, actor=buyer)
    assert (d.state, d.outcome, d.settlement) == (
        DisputeState.CLOSED,
        "claim_rejected",
        Settlement.NONE,
    )
    assert "appeal" not in allowed_actions(d, buyer)


def test_rejected_by_one_party_goes_back_to_the_same_mediator(proposed, buyer, seller, mediator):
    d = services.dispute_accept_proposal(dispute=proposed, actor=buyer)
    with pytest.raises(InvalidInput) as short:
        services.dispute_reject_proposal(dispute=d, actor=seller, reason="No.")
    assert short.value.field == "reason"
    d = services.dispute_reject_proposal(
        dispute=d, actor=seller, reason="Sixty is too much: the carrier broke them."
    )
    assert (d.state, d.deadline_rule, d.assigned_mediator_id, d.proposal_accepted_by) == (
        DisputeState.UNDER_REVIEW,
        "mediator_review",
        mediator.pk,
        "",
    )
    assert waiting_on(d, mediator) == "you"
    assert "decide" in allowed_actions(d, mediator)
    assert "assigned" not in kinds(d)[-2:]  # nobody else got the case
    event = DisputeEvent.objects.get(dispute=d, kind="reject_proposal")
    assert (event.details["party"], event.details["reason"]) == (
        "seller",
        "Sixty is too much: the carrier broke them.",
    )
    d = services.dispute_decide(
        dispute=d,
        actor=mediator,
        outcome="partial_refund",
        refund_amount="40.00",
        reason_code="shared_fault",
        rationale="Packing was thin and the carrier was rough.",
    )
    # A decision, unlike an accepted proposal, can be appealed.
    assert "appeal" in allowed_actions(d, buyer)


def test_an_unanswered_proposal_expires_and_the_mediator_decides(proposed, buyer, mediator):
    d = services.dispute_accept_proposal(dispute=proposed, actor=buyer)
    with time_machine.travel(d.deadline_at + timedelta(seconds=1)):
        result = services.sweep()
    d.refresh_from_db()
    assert result.timeouts == 1
    assert (d.state, d.deadline_rule, d.assigned_mediator_id) == (
        DisputeState.UNDER_REVIEW,
        "mediator_review",
        mediator.pk,
    )
    event = DisputeEvent.objects.filter(dispute=d).latest("seq")
    assert event.kind == "proposal_timeout"
    assert (event.details["deadline_passed"], event.details["accepted_by"]) == (
        "proposal_response",
        "buyer",
    )
    assert list(verify_all(records=True)) == []


def test_only_the_assigned_mediator_proposes_within_what_is_refundable(reviewed, mediator):
    other = MediatorFactory(email="other-mediator@example.com")
    with pytest.raises(NotYourCase):
        services.dispute_propose(
            dispute=reviewed,
            actor=other,
            outcome="full_refund",
            refund_amount="10.00",
            rationale=REASONS,
        )
    with pytest.raises(BadAmount) as too_much:
        services.dispute_propose(
            dispute=reviewed,
            actor=mediator,
            outcome="full_refund",
            refund_amount="999.00",
            rationale=REASONS,
        )
    assert too_much.value.field == "refund_amount"
    reviewed.refresh_from_db()
    assert reviewed.state == DisputeState.UNDER_REVIEW


def test_the_page_shows_the_proposal_and_takes_the_answers(proposed, buyer, seller):
    page = client_for(buyer).get(reverse("disputes:detail", args=[proposed.reference]))
    html = page.content.decode()
    assert 'data-testid="proposal"' in html
    assert REASONS in html
    assert "Partial refund, 60.00 USD" in html
    assert "Accept the proposal" in html
    assert "Reject the proposal" in html
    assert "The parties have 3 days to accept or reject" in html
    client_for(buyer).post(
        reverse("disputes:act", args=[proposed.reference, "accept_proposal"]), {}
    )
    refused = client_for(seller).post(
        reverse("disputes:act", args=[proposed.reference, "reject_proposal"]),
        {"reject_proposal-reason": "Too short"[:5]},
    )
    assert refused.status_code == 400
    assert "The reason needs at least 10 characters." in refused.content.decode()
    assert 'data-action="reject_proposal"' in refused.content.decode()
    proposed.refresh_from_db()
    assert (proposed.state, proposed.proposal_accepted_by) == (DisputeState.PROPOSED, "buyer")
    seen = client_for(seller).get(reverse("disputes:detail", args=[proposed.reference]))
    assert "Accepted by" in seen.content.decode()


def test_the_api_proposes_and_answers(reviewed, mediator, buyer, seller):
    url = f"/api/v1/disputes/{reviewed.pk}/"
    bad = api_for(mediator).post(
        url + "propose/",
        {"outcome": "partial_refund", "refund_amount": "60.00", "rationale": "Short"},
        format="json",
    )
    assert bad.status_code == 400
    assert "rationale" in bad.json()["errors"]
    made = api_for(mediator).post(
        url + "propose/",
        {"outcome": "partial_refund", "refund_amount": "60.00", "rationale": REASONS},
        format="json",
    )
    assert made.status_code == 200, made.content
    assert made.json()["state"] == "proposed"
    shown = api_for(buyer).get(url).json()
    assert set(shown["allowed_actions"]) >= {"accept_proposal", "reject_proposal"}
    assert api_for(buyer).post(url + "accept-proposal/", {}, format="json").status_code == 200
    again = api_for(buyer).post(url + "accept-proposal/", {}, format="json")
    assert again.status_code == 409
    done = api_for(seller).post(
        url + "reject-proposal/", {"reason": "The carrier broke them, not us."}, format="json"
    )
    assert done.json()["state"] == "under_review"


# --- more time, once ----------------------------------------------------------------


def test_the_seller_takes_more_time_once(submitted, buyer, seller):
    before = submitted.deadline_at
    assert "extend_deadline" in allowed_actions(submitted, seller)
    assert "extend_deadline" not in allowed_actions(submitted, buyer)
    with pytest.raises(InvalidInput) as short:
        services.dispute_extend_deadline(dispute=submitted, actor=seller, reason="Busy")
    assert short.value.field == "reason"
    d = services.dispute_extend_deadline(
        dispute=submitted, actor=seller, reason="Our warehouse is closed for the holiday."
    )
    assert (d.state, d.deadline_rule, d.deadline_extended) == (
        DisputeState.AWAITING_SELLER,
        "seller_response",
        True,
    )
    assert d.deadline_at == before + timedelta(days=3)
    # The first reminder follows the new end: half of the whole (longer) wait.
    assert d.reminder_at == d.deadline_started_at + (d.deadline_at - d.deadline_started_at) / 2
    event = DisputeEvent.objects.get(dispute=d, kind="extend_deadline")
    assert event.details["reason"] == "Our warehouse is closed for the holiday."
    assert event.details["days"] == 3
    # The other side is told; the one who asked is not.
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert told == {buyer.pk}
    assert "extend_deadline" not in allowed_actions(d, seller)
    with pytest.raises(NotAllowedNow):
        services.dispute_extend_deadline(
            dispute=d, actor=seller, reason="Still closed, a few more days please."
        )
    d.refresh_from_db()
    assert d.deadline_at == before + timedelta(days=3)
    # The sweep keeps to the new deadline.
    with time_machine.travel(before + timedelta(hours=1)):
        assert services.sweep().timeouts == 0
    assert list(verify_all(records=True)) == []


def test_each_stage_has_its_own_extension(reviewed, buyer, seller, mediator):
    d = services.dispute_request_info(
        dispute=reviewed, actor=mediator, party="buyer", question="Photos?"
    )
    assert "extend_deadline" in allowed_actions(d, buyer)
    assert "extend_deadline" not in allowed_actions(d, seller)
    d = services.dispute_extend_deadline(dispute=d, actor=buyer, reason="The photos are at home.")
    assert "extend_deadline" not in allowed_actions(d, buyer)
    d = services.dispute_provide_info(dispute=d, actor=buyer, answer="Attached.")
    # The mediator's review is not a party's wait.
    assert "extend_deadline" not in allowed_actions(d, buyer)
    d = services.dispute_request_info(dispute=d, actor=mediator, party="buyer", question="The box?")
    assert d.deadline_extended is False
    assert "extend_deadline" in allowed_actions(d, buyer)


def test_the_buyer_takes_more_time_to_ship_a_return(order, buyer, seller):
    d = services.dispute_submit(
        dispute=open_dispute(order, outcome="return_and_refund", amount="120.00"), actor=buyer
    )
    d = services.dispute_accept_claim(dispute=d, actor=seller)
    assert "extend_deadline" in allowed_actions(d, buyer)
    d = services.dispute_extend_deadline(
        dispute=d, actor=buyer, reason="The courier comes on Monday."
    )
    assert (d.settlement, d.deadline_extended) == (Settlement.RETURN_SHIPMENT, True)
    # After the deadline, more time is no longer on offer.
    d2 = services.dispute_ship_return(dispute=d, actor=buyer, carrier="DHL", tracking_number="1")
    assert "extend_deadline" not in allowed_actions(d2, seller)  # receipt is not extendable


def test_no_extension_once_the_deadline_has_passed(submitted, seller):
    with time_machine.travel(submitted.deadline_at + timedelta(seconds=1)):
        assert "extend_deadline" not in allowed_actions(submitted, seller)
        with pytest.raises(NotAllowedNow):
            services.dispute_extend_deadline(
                dispute=submitted, actor=seller, reason="Too late but asking anyway."
            )


def test_the_page_and_the_api_extend(submitted, seller, buyer):
    page = client_for(seller).get(reverse("disputes:detail", args=[submitted.reference]))
    assert "Take more time" in page.content.decode()
    refused = client_for(seller).post(
        reverse("disputes:act", args=[submitted.reference, "extend_deadline"]),
        {"extend_deadline-reason": "Busy"},
    )
    assert refused.status_code == 400
    assert "The reason needs at least 10 characters." in refused.content.decode()
    url = f"/api/v1/disputes/{submitted.pk}/extend-deadline/"
    assert (
        api_for(buyer).post(url, {"reason": "I want more time too."}, format="json").status_code
        == 409
    )
    done = api_for(seller).post(url, {"reason": "Closed for the holiday."}, format="json")
    assert done.status_code == 200, done.content
    timeline = client_for(buyer).get(reverse("disputes:detail", args=[submitted.reference]))
    html = timeline.content.decode()
    assert "More time taken" in html
    assert "The deadline moved by 3 days" in html
    assert "Closed for the holiday." in html
