"""Issue 15 item 8: rough edges a walk through main found, each as a user meets it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from disputes import services
from disputes.choices import DisputeState
from disputes.errors import BadAmount, NotAllowedNow
from disputes.models import Notification
from disputes.workflow_doc import mermaid, workflow_markdown
from mediation.services import case_take
from tests.conftest import client_for, open_dispute
from tests.disputes.test_page_actions import GOOD
from tests.disputes.test_transition_matrix import SETUPS
from tests.factories import MediatorFactory, make_lead, make_senior

pytestmark = pytest.mark.django_db


def _situation(name, order, people):
    d = services.dispute_submit(dispute=open_dispute(order), actor=people["buyer"])
    return SETUPS[name](d, people)


def _page(user, dispute) -> str:
    response = client_for(user).get(reverse("disputes:detail", args=[dispute.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_decider_is_told_why_they_cannot_decide_the_appeal(order, buyer, seller, senior):
    # A senior lead decides the case, the buyer appeals, another senior takes
    # the appeal, and the lead (who may act on any case) tries to decide it.
    decider = make_senior(make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead")))
    people = {"buyer": buyer, "seller": seller, "mediator": decider, "senior": senior}
    d = _situation("resolved_appeal_window", order, people)
    d = services.dispute_appeal(
        dispute=d, actor=buyer, explanation="New photos show every single mug broke."
    )
    d = case_take(dispute=d, actor=senior)
    with pytest.raises(NotAllowedNow) as refused:
        services.dispute_decide_appeal(
            dispute=d, actor=decider, result="upheld", rationale="The decision stands as it was."
        )
    assert "you decided this case, so another senior mediator reviews its appeal" in str(
        refused.value.message
    )
    assert "the dispute is appealed" not in str(refused.value.message)
    # The one who may, can.
    d = services.dispute_decide_appeal(
        dispute=d, actor=senior, result="upheld", rationale="The decision stands as it was."
    )
    assert d.state == DisputeState.CLOSED


def test_a_second_appeal_says_it_was_already_made(order, buyer, seller, mediator, senior):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = _situation("resolved_appeal_window", order, people)
    d = services.dispute_appeal(
        dispute=d, actor=seller, explanation="The buyer's photos are of another order."
    )
    # Appealed now: the state no longer allows it, and says so.
    with pytest.raises(NotAllowedNow) as refused:
        services.dispute_appeal(dispute=d, actor=seller, explanation="Once more, with feeling.")
    assert "the dispute is appealed" in refused.value.message


def test_after_a_problem_with_the_return_the_page_no_longer_says_the_claim_was_accepted(
    order, buyer, seller, mediator, senior
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = _situation("resolved_return_receipt", order, people)
    assert "The seller accepted the claim" not in _page(buyer, d)  # an offer was accepted
    assert "Resolved amicably: Return and refund" in _page(buyer, d)
    d = services.dispute_report_return_problem(
        dispute=d, actor=seller, problem="damaged", note="Crushed box."
    )
    html = _page(buyer, d)
    assert "Resolved amicably: Return and refund, " not in html
    assert "Reopened: “Resolved amicably: Return and refund” was not carried out as agreed" in html


def test_a_full_refund_claim_is_of_everything_refundable(order):
    # Paid 120.00: "full refund" of 60.00 is asked about, next to the amount.
    with pytest.raises(BadAmount) as refused:
        open_dispute(order, outcome="full_refund", amount="60.00")
    assert refused.value.field == "claimed_amount"
    assert "A full refund is all that can be refunded, 120.00 USD" in refused.value.message
    assert open_dispute(order, outcome="full_refund", amount="120.00").claimed_amount == 120


def test_the_start_form_keeps_the_input_and_says_why(order, buyer):
    response = client_for(buyer).post(
        reverse("orders:start_dispute", args=[order.reference]),
        {**GOOD, "requested_outcome": "full_refund"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "claim that amount, or choose a partial refund" in html
    assert 'value="60.00"' in html


def test_the_docs_and_the_workflow_agree_that_the_seller_offers_first():
    # The table's seller_first guard keeps the buyer from offering while the case
    # awaits the seller: the diagram and the table say so too.
    assert "awaiting_seller --> negotiating: make_offer (seller)" in mermaid()
    assert "awaiting_seller --> negotiating: make_offer (buyer/seller)" not in mermaid()
    assert "the seller only, from awaiting_seller" in workflow_markdown()


def test_the_asked_party_reads_the_question_above_the_answer_box(
    order, buyer, seller, mediator, senior
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = _situation("awaiting_info_from_buyer", order, people)
    html = _page(buyer, d)
    question = html.index('data-testid="info-question"')
    assert "When did it arrive?" in html[question : question + 400]
    form = html.index('data-action="provide_info"')
    assert form < question < html.index("</form>", form)
    # The seller, not asked, has no answer box and no question above one.
    assert 'data-testid="info-question"' not in _page(seller, d)


def test_a_draft_never_submitted_is_reminded_then_cancelled_with_a_notice(order, buyer, seller):
    draft = open_dispute(order)
    assert draft.deadline_at - draft.created_at == timedelta(days=30)
    assert "The buyer has 30 days to submit the draft; then it is cancelled" in _page(buyer, draft)
    with time_machine.travel(draft.created_at + timedelta(days=15, seconds=1), tick=False):
        assert services.sweep().reminders == 1
    reminder = Notification.objects.get(dispute=draft, recipient=buyer, event__kind="reminder")
    assert reminder.body.replace("\xa0", " ").startswith(
        "The buyer has 14 days, 23 hours left to submit the draft; then it is cancelled"
    )
    with time_machine.travel(draft.deadline_at + timedelta(seconds=1), tick=False):
        assert services.sweep().timeouts == 1
    draft.refresh_from_db()
    assert draft.state == DisputeState.CANCELLED
    assert draft.deadline_at is None
    notice = Notification.objects.get(dispute=draft, event__kind="expire_draft")
    assert notice.recipient == buyer
    assert "your draft was not submitted in time and is cancelled" in notice.title
    # The seller never knew of the draft and is told nothing of its end.
    assert not Notification.objects.filter(recipient=seller).exists()


def test_a_submitted_draft_no_longer_expires(order, buyer):
    draft = open_dispute(order)
    submitted = services.dispute_submit(dispute=draft, actor=buyer)
    assert submitted.deadline_rule == "seller_response"
    with time_machine.travel(draft.created_at + timedelta(days=31), tick=False):
        services.sweep()
    submitted.refresh_from_db()
    assert submitted.state != DisputeState.CANCELLED


def test_time_left_counts_days_and_hours_never_weeks():
    from disputes.workflow import time_left

    assert time_left(timedelta(days=14, hours=23, minutes=5)) == "14 days, 23 hours"
    assert time_left(timedelta(days=1)) == "1 day"
    assert time_left(timedelta(hours=5, minutes=12)) == "5 hours, 12 minutes"
    assert time_left(timedelta(seconds=30)) == "less than a minute"
    assert time_left(timedelta(seconds=-30)) == "less than a minute"


@pytest.fixture
def granted(submitted, settings):
    """Under SELLER_SILENCE_POLICY=grant_claim, the seller let the response time pass."""
    settings.SELLER_SILENCE_POLICY = "grant_claim"
    with time_machine.travel(submitted.deadline_at + timedelta(seconds=1), tick=False):
        services.sweep()
    submitted.refresh_from_db()
    return submitted


def test_a_claim_granted_on_silence_can_be_appealed_by_the_seller(granted, seller, senior):
    assert "Appeal" in _page(seller, granted)
    d = services.dispute_appeal(
        dispute=granted,
        actor=seller,
        explanation="I was in hospital; the tracking shows the parcel was delivered intact.",
    )
    assert d.state == DisputeState.APPEALED
    d = case_take(dispute=d, actor=senior)
    d = services.dispute_decide_appeal(
        dispute=d,
        actor=senior,
        result="overturned",
        outcome="claim_rejected",
        rationale="The carrier photos show the parcel delivered intact.",
    )
    assert (d.state, d.outcome) == (DisputeState.CLOSED, "claim_rejected")
    assert not d.refunds.exists()
    assert "The carrier photos show the parcel delivered intact." in _page(seller, d)


def test_a_claim_granted_on_silence_is_paid_once_the_appeal_window_ends(granted, buyer):
    with time_machine.travel(granted.deadline_at + timedelta(seconds=1), tick=False):
        services.sweep()
    granted.refresh_from_db()
    assert granted.state == DisputeState.CLOSED
    assert [r.amount for r in granted.refunds.all()] == [granted.claimed_amount]
