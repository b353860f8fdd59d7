"""Issue 15's journey in Chromium: a mediator finds a case by a word of one of its messages
in the mediation queue, opens it and answers with a canned reply filled for the case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from disputes import services
from disputes.models import Message
from mediation import canned_services
from tests.browser.journey import signed_in
from tests.browser.test_canned_replies_journey import _verified
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order, make_lead
from tests.mediation.conftest import escalated, on_roster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mediator_finds_a_case_by_a_message_and_answers_with_a_canned_reply(browser, live_server):
    lena = make_lead(MediatorFactory(email="fa-lena@example.com", name="Lena Lead"))
    mia = _verified(MediatorFactory(email="fa-mia@example.com", name="Mia Mediator"))
    buyer = _verified(BuyerFactory(email="fa-bea@example.com", name="Bea Buyer"))
    seller = _verified(SellerFactory(email="fa-sam@example.com", name="Sam Seller"))
    on_roster(mia)
    wanted = escalated(full_order(buyer=buyer, seller=seller))
    services.message_post(dispute=wanted, actor=buyer, body="The glaze was cracked on every mug.")
    other = escalated(full_order(buyer=buyer, seller=seller))
    canned_services.canned_reply_create(
        actor=lena,
        title="Ask for photos",
        body="Dear {buyer_name}, please add photos of the damage to case {reference}.",
    )
    errors: list[str] = []

    page = signed_in(browser, live_server, mia.email, errors)
    page.get_by_role("link", name="Mediation", exact=True).click()
    page.get_by_label("Search").fill("glaze")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-reference", wanted.reference)
    expect(page.get_by_text(other.reference)).to_have_count(0)
    rows.get_by_role("link", name=wanted.reference).click()

    insert = page.locator("#canned-message")
    insert.get_by_label("Canned reply").select_option(label="Ask for photos")
    insert.get_by_role("button", name="Insert").click()
    filled = f"Dear Bea Buyer, please add photos of the damage to case {wanted.reference}."
    box = page.get_by_label("Message", exact=True)
    expect(box).to_have_value(filled)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_test_id("timeline")).to_contain_text(filled)
    assert Message.objects.filter(dispute=wanted, author=mia, body=filled).exists()
    assert errors == []
