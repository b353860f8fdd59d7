"""Page forms act once (issue 13), in Chromium: a double click on "Make an offer"
makes one offer; a reload after "Send" whose answer was lost sends the form
again, and still makes one message."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from disputes import services
from disputes.models import Message, Offer
from tests.browser.journey import act, signed_in
from tests.factories import BuyerFactory, SellerFactory, full_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dispute(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    buyer = BuyerFactory(email="once-buyer@example.com", name="Bea Buyer")
    seller = SellerFactory(email="once-seller@example.com", name="Sam Seller")
    for user in (buyer, seller):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return services.dispute_submit(
        dispute=services.dispute_create(
            order=full_order(buyer=buyer, seller=seller),
            actor=buyer,
            type="quality",
            reason="defective",
            description="The handles come off.",
            claimed_amount="80.00",
            requested_outcome="partial_refund",
            facts={"received_on": "2026-11-20", "affected_quantity": 8},
        ),
        actor=buyer,
    )


def test_double_clicking_make_an_offer_makes_one_offer(browser, live_server, dispute):
    errors: list[str] = []
    s = signed_in(browser, live_server, dispute.seller.email, errors)
    s.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    act(s, "make_offer")
    panel = s.locator("details[data-action=make_offer]")
    panel.get_by_label("What you offer").select_option("partial_refund")
    panel.get_by_label("Refund amount").fill("45.00")
    posts: list[str] = []
    s.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    # A double click as an impatient person makes it: the second click lands
    # while the first submission is on its way (a dblclick within one task
    # Chromium folds into one submission by itself).
    panel.get_by_role("button", name="Make an offer").evaluate(
        "button => { button.click(); setTimeout(() => button.click(), 40); }"
    )
    expect(s.get_by_test_id("offers")).to_contain_text("45.00")
    s.wait_for_load_state("networkidle")
    assert len(posts) == 2  # the browser did send the form twice
    assert Offer.objects.filter(dispute=dispute).count() == 1
    expect(s.get_by_test_id("offers").locator("li")).to_have_count(1)
    assert errors == []


def test_reloading_after_send_whose_answer_was_lost_sends_one_message(
    browser, live_server, dispute
):
    errors: list[str] = []
    b = signed_in(browser, live_server, dispute.buyer.email, errors)
    b.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    b.locator("#messages").get_by_role("textbox", name="Message").fill("Where is my refund?")

    # The message reaches the server, but its answer never reaches the browser
    # (a dropped connection): the tab is left on the failed POST.
    def lose_the_answer(route):
        route.fetch()
        route.abort("connectionreset")

    b.route("**/messages/", lose_the_answer, times=1)
    with b.expect_event("requestfailed"):
        b.get_by_role("button", name="Send").click()
    # The tab shows Chromium's error page for the POST before it is reloaded.
    b.wait_for_url(lambda url: url.startswith("chrome-error://"))
    b.wait_for_load_state()
    assert Message.objects.filter(dispute=dispute).count() == 1
    # Reload: the browser sends the same form (and its key) again.
    posts: list[str] = []
    b.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    b.reload()
    expect(b.locator("#messages")).to_contain_text("Where is my refund?")
    assert posts, "the reload did not send the form again"
    assert Message.objects.filter(dispute=dispute).count() == 1
    expect(b.get_by_text("This form was already sent; here is what it did.")).to_be_visible()
    # Console errors: the lost answer itself (net::ERR_CONNECTION_RESET) only.
    assert [e for e in errors if "ERR_CONNECTION_RESET" not in e] == []
