"""Issue 15, item 4 in Chromium: a mediator finds a case by a word of one of its
messages (in the mediation queue and in the review queue), opens it and searches
inside its thread; another buyer searching the same word finds nothing."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from disputes import services
from tests.browser.journey import shoot, signed_in
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order
from tests.mediation.conftest import escalated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_a_mediator_finds_a_case_by_a_word_of_a_message(browser, live_server):
    buyer = _verified(BuyerFactory(email="bea@example.com", name="Bea Buyer"))
    bruno = _verified(BuyerFactory(email="bruno@example.com", name="Bruno Byrne"))
    seller = _verified(SellerFactory(email="sam@example.com", name="Sam Seller"))
    _verified(MediatorFactory(email="mia@example.com", name="Mia Mediator"))
    # Three cases wait in review; one thread mentions the glaze.
    wanted = escalated(full_order(buyer=buyer, seller=seller))
    services.message_post(dispute=wanted, actor=buyer, body="The glaze was cracked on every mug.")
    services.message_post(dispute=wanted, actor=seller, body="We pack each mug in bubble wrap.")
    others = [escalated(full_order(buyer=bruno, seller=seller)) for _ in range(2)]
    errors: list[str] = []

    mia = signed_in(browser, live_server, "mia@example.com", errors)
    mia.get_by_role("link", name="Mediation", exact=True).click()
    expect(mia.get_by_test_id("queue-row")).to_have_count(3)
    mia.get_by_label("Search").fill("glaze")
    mia.get_by_role("button", name="Filter").click()
    expect(mia.get_by_test_id("queue-row")).to_have_count(1)
    expect(mia.get_by_test_id("queue-row")).to_have_attribute("data-reference", wanted.reference)
    expect(mia.get_by_test_id("match-count")).to_contain_text("1 case matches")
    shoot(mia, "search", "mediation-queue-search")

    # The review queue (the Disputes list) finds it the same way, and opens it.
    mia.get_by_role("link", name="Review queue").click()
    mia.get_by_role("searchbox", name="Search disputes").fill("glaze")
    mia.get_by_role("button", name="Filter").click()
    rows = mia.locator("a.order-ref")
    expect(rows).to_have_count(1)
    for case in others:
        expect(mia.get_by_text(case.reference)).to_have_count(0)
    rows.click()
    expect(mia.get_by_role("heading", name="Messages")).to_be_visible()

    # Inside the thread: only the message holding the word.
    mia.get_by_role("searchbox", name="Search the messages").fill("cracked")
    mia.get_by_role("button", name="Search", exact=True).click()
    thread = mia.get_by_test_id("thread")
    expect(thread).to_contain_text("The glaze was cracked on every mug.")
    expect(thread).not_to_contain_text("bubble wrap")
    expect(mia.get_by_test_id("thread-search-count")).to_contain_text("1 message holds")
    shoot(mia, "search", "thread-search")
    mia.get_by_test_id("thread-search-clear").click()
    expect(mia.get_by_test_id("thread")).to_contain_text("bubble wrap")

    # Another buyer searching the same word finds nothing of Bea's.
    other = signed_in(browser, live_server, "bruno@example.com", errors)
    other.get_by_role("link", name="Disputes", exact=True).click()
    other.get_by_role("searchbox", name="Search disputes").fill("glaze")
    other.get_by_role("button", name="Filter").click()
    expect(other.get_by_text("No disputes match.")).to_be_visible()
    expect(other.get_by_text(wanted.reference)).to_have_count(0)
    assert errors == []
