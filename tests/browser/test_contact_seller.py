"""Issue 15 item 1 in Chromium: the buyer contacts the seller from the order (the seed's
advice), the seller hears of it in the bell and answers, and the dispute the buyer opens
later shows the conversation. Emails go through a real worker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.journey import shoot, signed_in
from tests.browser.test_journeys import emailed, people, start_dispute  # noqa: F401
from tests.factories import full_order

pytestmark = [pytest.mark.browser, pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

QUESTION = "Six of the twelve mugs arrived cracked. Can you send six new ones?"
ANSWER = "Sorry about that. We are out of stock until next month."


def test_contact_the_seller_then_open_a_dispute_that_shows_the_talk(browser, live_server, people):  # noqa: F811
    buyer, seller = people
    order = full_order(buyer=buyer, seller=seller)
    errors: list[str] = []

    b = signed_in(browser, live_server, buyer.email, errors)
    b.get_by_role("link", name="Manage orders").click()
    b.get_by_role("link", name=order.reference).click()
    expect(b.get_by_text("Contact the seller first")).to_be_visible()
    b.get_by_test_id("contact-link").click()
    b.get_by_role("textbox", name="Message").fill(QUESTION)
    b.get_by_role("button", name="Send").click()
    expect(b.get_by_test_id("order-conversation")).to_contain_text(QUESTION)
    shoot(b, "contact-seller", "conversation-buyer")

    # The seller: the bell, an email, the unread count on the order, the answer.
    assert emailed(seller.email, "new message from the buyer")
    s = signed_in(browser, live_server, seller.email, errors)
    expect(s.get_by_test_id("bell")).to_contain_text("1")
    s.get_by_role("link", name="Manage orders").click()
    row = s.get_by_role("row").filter(has_text=order.reference)
    expect(row.get_by_test_id("unread-messages")).to_have_text("1 new message")
    row.get_by_test_id("unread-messages").click()
    expect(s.get_by_test_id("order-conversation")).to_contain_text(QUESTION)
    s.get_by_role("textbox", name="Message").fill(ANSWER)
    s.get_by_role("button", name="Send").click()
    expect(s.get_by_test_id("order-conversation")).to_contain_text(ANSWER)

    # Not solved: the buyer starts a dispute; the form knows they talked.
    b.goto(f"{live_server.url}/disputes/")
    start_dispute(
        b,
        order,
        type="Product quality problem",
        reason="damaged",
        facts={"Date received": "2026-11-20", "Units affected": "6"},
        description="Six of the twelve mugs arrived cracked; the seller has no replacements.",
        amount="60.00",
        outcome="partial_refund",
    )
    expect(b.get_by_test_id("contact-first")).to_contain_text(
        "You and the seller have written 2 messages about this order"
    )
    b.get_by_role("button", name="Continue: add evidence and review").click()
    section = b.get_by_test_id("before-the-dispute")
    expect(section).to_contain_text(QUESTION)
    expect(section).to_contain_text(ANSWER)
    shoot(b, "contact-seller", "dispute-shows-the-conversation")
    assert errors == []
