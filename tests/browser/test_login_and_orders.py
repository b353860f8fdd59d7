"""In Chromium: log in, see Manage orders, open an order; no CSP violation or script error."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.factories import PASSWORD, BuyerFactory, full_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def buyer_with_order():
    buyer = BuyerFactory(email="chromium@example.com", name="Chloe Chromium")
    EmailAddress.objects.create(user=buyer, email=buyer.email, verified=True, primary=True)
    return buyer, full_order(buyer=buyer)


def _log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_buyer_logs_in_and_opens_an_order(page, live_server, buyer_with_order, console_errors):
    _, order = buyer_with_order
    _log_in(page, live_server, "chromium@example.com")
    expect(page.get_by_role("heading", name="Manage orders")).to_be_visible()
    page.get_by_role("link", name=order.reference).click()
    expect(page.get_by_role("heading", name=f"Order {order.reference}")).to_be_visible()
    expect(page.get_by_text("You can open a dispute about this order.")).to_be_visible()
    assert console_errors == []


def test_menu_works_at_phone_width_with_the_keyboard(
    page, live_server, buyer_with_order, console_errors
):
    page.set_viewport_size({"width": 375, "height": 740})
    _log_in(page, live_server, "chromium@example.com")
    menu_link = page.get_by_role("link", name="Disputes", exact=True)
    expect(menu_link).to_be_hidden()  # collapsed behind the toggler on a phone
    toggler = page.get_by_role("button", name="Toggle navigation")
    toggler.focus()
    page.keyboard.press("Enter")  # Bootstrap's collapse, driven by the vendored JS
    expect(menu_link).to_be_visible()
    assert console_errors == []


def test_buyer_follows_the_bell_to_the_dispute(page, live_server, buyer_with_order, console_errors):
    from disputes import services
    from tests.disputes.conftest import open_dispute

    buyer, order = buyer_with_order
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    services.dispute_make_offer(
        dispute=dispute,
        actor=order.seller,
        outcome="partial_refund",
        amount="30.00",
        note="30 back",
    )
    _log_in(page, live_server, "chromium@example.com")
    bell = page.get_by_test_id("bell")
    expect(bell).to_contain_text("1")
    bell.click()
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_test_id("state")).to_have_text("Negotiating")
    expect(page.get_by_test_id("waiting-on")).to_have_text("You.")
    expect(page.get_by_test_id("deadline-rule")).to_contain_text("The parties have 7 days to agree")
    expect(page.get_by_test_id("timeline")).to_contain_text("Make an offer")
    expect(page.get_by_test_id("bell")).not_to_contain_text("1")
    assert console_errors == []
