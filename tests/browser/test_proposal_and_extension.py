"""The platform's proposal (SPEC 13.1) and "More time, once" (SPEC 13.2) in Chromium,
against a live server on PostgreSQL.

1. A mediator proposes a partial refund with reasons from their case view; the buyer
   reads the proposal and accepts it, and the page says the case now waits on the
   seller; the seller sees the buyer's acceptance and accepts too: the case is
   resolved amicably, with no appeal on offer, and a real Celery worker pays the
   sandbox refund.
2. The seller takes more time to respond: a too-short reason is refused next to the
   field with the typed text kept; a proper one moves the deadline by 3 days, once;
   the buyer is told and reads the extension, with its reason, in the timeline.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import expect

from disputes import services
from disputes.models import Dispute, Refund
from tests.browser.journey import act, audit, signed_in
from tests.conftest import open_dispute, wait_for
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order
from tests.mediation.conftest import escalated, on_roster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASONS = (
    "The photos show six of the twelve mugs broken; the packing list shows thin wrapping. "
    "Half the order back is fair to both sides."
)


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def parties(db):
    buyer = _verified(BuyerFactory(email="pro-buyer@example.com", name="Bea Buyer"))
    seller = _verified(SellerFactory(email="pro-seller@example.com", name="Sam Seller"))
    return buyer, seller


@pytest.fixture
def sign_in(browser, live_server):
    """``signed_in`` whose browser contexts close when the test ends: their kept-alive
    connections to the live server would keep its database sessions open."""
    pages = []

    def sign_in(email: str, errors: list[str]):
        page = signed_in(browser, live_server, email, errors)
        pages.append(page)
        return page

    yield sign_in
    for page in pages:
        page.context.close()


def _deadline(page) -> datetime:
    """The deadline the page shows, as its countdown carries it."""
    return datetime.fromisoformat(page.get_by_test_id("countdown").get_attribute("datetime"))


@pytest.mark.real_worker
def test_a_proposal_accepted_by_both_parties_resolves_the_case_amicably(
    live_server, sign_in, worker, parties
):
    buyer, seller = parties
    mia = _verified(MediatorFactory(email="pro-mia@example.com", name="Mia Mediator"))
    # Mia is the only mediator on the roster: the escalated case is assigned to her.
    on_roster(mia)
    case = escalated(full_order(buyer=buyer, seller=seller))  # paid 120.00 USD
    assert Dispute.objects.get(pk=case.pk).assigned_mediator_id == mia.pk
    errors: list[str] = []
    dispute_url = f"{live_server.url}{reverse('disputes:detail', args=[case.reference])}"

    # 1. Mia opens her case and proposes a partial refund, with her reasons.
    m = sign_in(mia.email, errors)
    m.goto(f"{live_server.url}{reverse('mediation:case', args=[case.reference])}")
    expect(m.get_by_test_id("assigned-to")).to_have_text("You work this case.")
    expect(m.get_by_test_id("state")).to_have_text("Under review")
    expect(m.locator("summary", has_text="Propose a resolution")).to_be_visible()
    act(m, "propose")
    form = m.locator("details[data-action=propose] form")
    form.get_by_label("Outcome").select_option("partial_refund")
    form.get_by_label("Refund amount").fill("45.00")
    form.get_by_label("Reasons (both parties read them)").fill(REASONS)
    form.get_by_role("button", name="Propose a resolution").click()
    expect(m.get_by_test_id("state")).to_have_text("Platform proposal")
    expect(m.get_by_test_id("proposal-outcome")).to_have_text("Partial refund, 45.00 USD")
    # Nothing more for the mediator to do while the parties answer.
    expect(m.locator("details[data-action=propose]")).to_have_count(0)

    # 2. The buyer reads the proposal: outcome, amount and reasons; nobody has accepted yet.
    b = sign_in(buyer.email, errors)
    b.goto(dispute_url)
    expect(b.get_by_test_id("state")).to_have_text("Platform proposal")
    proposal = b.get_by_test_id("proposal")
    expect(proposal.get_by_role("heading")).to_have_text("The platform's proposal")
    expect(proposal.get_by_test_id("proposal-outcome")).to_have_text("Partial refund, 45.00 USD")
    expect(proposal.get_by_test_id("proposal-rationale")).to_have_text(REASONS)
    expect(proposal.get_by_test_id("proposal-accepted")).to_have_text("Nobody yet")
    expect(b.get_by_test_id("waiting-on")).to_have_text("You.")
    expect(b.get_by_test_id("deadline-rule")).to_contain_text(
        "The parties have 3 days to accept or reject"
    )
    audit(b)

    # 3. The buyer accepts: the case now waits on the seller.
    act(b, "accept_proposal")
    b.locator("details[data-action=accept_proposal]").get_by_role(
        "button", name="Accept the proposal"
    ).click()
    expect(b.get_by_test_id("proposal-accepted")).to_have_text("Buyer")
    expect(b.get_by_test_id("waiting-on")).to_have_text("The other party.")
    expect(b.get_by_test_id("state")).to_have_text("Platform proposal")
    expect(b.locator("details[data-action=accept_proposal]")).to_have_count(0)

    # 4. The seller sees that the buyer accepted, and accepts too.
    s = sign_in(seller.email, errors)
    s.goto(dispute_url)
    proposal = s.get_by_test_id("proposal")
    expect(proposal).to_contain_text("Accepted by")
    expect(proposal.get_by_test_id("proposal-accepted")).to_have_text("Buyer")
    expect(proposal.get_by_test_id("proposal-outcome")).to_have_text("Partial refund, 45.00 USD")
    expect(s.get_by_test_id("waiting-on")).to_have_text("You.")
    act(s, "accept_proposal")
    s.locator("details[data-action=accept_proposal]").get_by_role(
        "button", name="Accept the proposal"
    ).click()

    # 5. Resolved amicably, as proposed: no proposal left to answer, nothing to appeal.
    # (Resolved until the worker has paid the refund, then closed.)
    expect(s.get_by_test_id("state")).to_have_text(re.compile(r"^(Resolved|Closed)$"))
    expect(s.get_by_test_id("resolution")).to_have_text(
        "Resolved amicably: Partial refund, 45.00 USD."
    )
    expect(s.get_by_test_id("proposal")).to_have_count(0)
    expect(s.get_by_text("Appeal the decision")).to_have_count(0)
    assert wait_for(lambda: Refund.objects.filter(dispute=case, status="succeeded").exists())
    refund = Refund.objects.get(dispute=case)
    assert str(refund.amount) == "45.00"
    for page in (s, b):
        page.reload()
        expect(page.get_by_test_id("state")).to_have_text("Closed")
        expect(page.get_by_test_id("resolution")).to_have_text(
            "Resolved amicably: Partial refund, 45.00 USD."
        )
        expect(page.get_by_test_id("refund-status")).to_have_text("Succeeded")
        expect(page.locator("details[data-action=appeal]")).to_have_count(0)
        expect(page.get_by_text("Appeal the decision")).to_have_count(0)
        expect(page.get_by_test_id("waiting-on")).to_have_text("Nobody: nothing is pending.")
    assert errors == []


def test_the_seller_takes_more_time_once(live_server, sign_in, parties):
    buyer, seller = parties
    case = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    errors: list[str] = []
    dispute_url = f"{live_server.url}{reverse('disputes:detail', args=[case.reference])}"

    # The seller has three days to respond, and may ask for more.
    s = sign_in(seller.email, errors)
    s.goto(dispute_url)
    expect(s.get_by_test_id("state")).to_have_text("Awaiting seller")
    expect(s.get_by_test_id("waiting-on")).to_have_text("You.")
    expect(s.get_by_test_id("countdown")).to_have_text(re.compile(r"^2 days 23 hours"))
    before = _deadline(s)
    deadline_line = s.locator("p", has=s.get_by_test_id("countdown"))
    shown_before = deadline_line.inner_text()
    # The action is offered to the seller, whom the case waits on.
    s.locator("summary", has_text="Take more time").click()
    panel = s.locator("details[data-action=extend_deadline]")
    reason = panel.get_by_label("Why you need more time")

    # A reason too short: refused next to the field, what was typed is kept.
    reason.fill("Busy")
    panel.get_by_role("button", name="Take more time").click()
    panel = s.locator("details[data-action=extend_deadline]")
    reason = panel.get_by_label("Why you need more time")
    expect(panel).to_have_attribute("open", "")
    expect(reason).to_have_value("Busy")
    expect(reason).to_have_class(re.compile(r"\bis-invalid\b"))
    field = panel.locator(".mb-3", has=s.locator("textarea"))
    expect(field.locator(".invalid-feedback")).to_have_text(
        "The reason needs at least 10 characters."
    )
    assert _deadline(s) == before
    audit(s)

    # A proper reason: the deadline moves by three days.
    reason.fill("Our warehouse is closed for the holiday until Monday.")
    panel.get_by_role("button", name="Take more time").click()
    expect(s.get_by_role("status")).to_have_text("Done: Take more time.")
    expect(s.get_by_test_id("countdown")).to_have_text(re.compile(r"^5 days 23 hours"))
    assert _deadline(s) - before == timedelta(days=3)
    expect(deadline_line).not_to_have_text(shown_before)
    expect(s.get_by_test_id("state")).to_have_text("Awaiting seller")
    expect(s.get_by_test_id("waiting-on")).to_have_text("You.")
    # Once per stage: more time is no longer on offer, even after a reload.
    expect(s.locator("details[data-action=extend_deadline]")).to_have_count(0)
    expect(s.locator("summary", has_text="Take more time")).to_have_count(0)
    expect(s.get_by_role("button", name="Take more time")).to_have_count(0)
    s.reload()
    expect(s.get_by_test_id("countdown")).to_have_text(re.compile(r"^5 days 23 hours"))
    expect(s.get_by_text("Take more time")).to_have_count(0)
    # The seller still responds as before.
    expect(s.locator("details[data-action=accept_claim]")).to_have_count(1)

    # The buyer is told (the bell), sees the new deadline, and reads why in the timeline.
    b = sign_in(buyer.email, errors)
    expect(b.get_by_test_id("bell")).to_contain_text("1")
    b.get_by_test_id("bell").click()
    expect(b.get_by_role("main")).to_contain_text("the deadline was extended")
    b.goto(dispute_url)
    expect(b.get_by_test_id("waiting-on")).to_have_text("The other party.")
    assert _deadline(b) - before == timedelta(days=3)
    expect(b.get_by_text("Take more time")).to_have_count(0)
    row = b.get_by_test_id("timeline").locator("li[data-kind=extend_deadline]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("More time taken")
    expect(row).to_contain_text("by Sam Seller")
    expect(row).to_contain_text("The deadline moved by 3 days")
    expect(row).to_contain_text("“Our warehouse is closed for the holiday until Monday.”")
    # The refused form answered 400 (Chromium logs it); nothing else may fail.
    assert [e for e in errors if "status of 400" not in e] == []
