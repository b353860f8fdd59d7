"""The four dispute journeys of the buyer and seller pages, and bad input, in
Chromium against a live server on PostgreSQL, with a real Celery worker on
Redis delivering the notification emails the journeys check.

Every key page is photographed at desktop and phone width (test-results/
screenshots/), checked for sideways overflow at phone width and audited with
axe-core (no serious or critical violation) at both widths.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from disputes import services
from tests.browser.journey import act, shoot, signed_in
from tests.disputes.conftest import wait_for
from tests.evidence.corpus import jpeg
from tests.factories import (
    BuyerFactory,
    OrderFactory,
    SellerFactory,
    add_item,
    full_order,
    pay,
    ship,
)

pytestmark = [pytest.mark.browser, pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(settings, tmp_path, worker, mailoutbox):
    settings.MEDIA_ROOT = tmp_path / "media"
    buyer = BuyerFactory(email="journey-buyer@example.com", name="Bea Buyer")
    seller = SellerFactory(email="journey-seller@example.com", name="Sam Seller")
    for user in (buyer, seller):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return buyer, seller


def emailed(address: str, words: str) -> bool:
    """An email with ``words`` in its subject reached ``address`` (sent by the worker)."""
    return wait_for(lambda: any(address in m.to and words in m.subject for m in mail.outbox))


def start_dispute(page, order, **fields) -> None:
    """Manage orders → the order → Start a dispute, filled in and continued."""
    page.get_by_role("link", name="Manage orders").click()
    page.get_by_role("link", name=order.reference).click()
    page.get_by_role("link", name="Start a dispute").click()
    page.get_by_label(fields["type"]).check()
    page.get_by_label("Reason").select_option(fields["reason"])
    for label, value in fields.get("facts", {}).items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Describe the problem").fill(fields["description"])
    page.get_by_label("Amount you claim").fill(fields["amount"])
    page.get_by_label("What you want").select_option(fields["outcome"])


def test_journey_1_product_quality_problem(browser, live_server, people, tmp_path):
    buyer, seller = people
    order = full_order(buyer=buyer, seller=seller)
    errors: list[str] = []
    photo = tmp_path / "cracked-mugs.jpg"
    photo.write_bytes(jpeg(1600, 1200))

    # The buyer opens a dispute from Manage orders.
    b = signed_in(browser, live_server, buyer.email, errors)
    start_dispute(
        b,
        order,
        type="Product quality problem",
        reason="damaged",
        facts={"Date received": "2026-11-20", "Units affected": "6"},
        description="Six of the twelve mugs arrived cracked; the box was crushed.",
        amount="60.00",
        outcome="partial_refund",
    )
    # Only this type's reasons and facts are offered.
    assert b.locator("select[name=reason] option[value=wrong_item]").is_disabled()
    expect(b.get_by_label("Tracking number")).to_be_hidden()
    shoot(b, "journey-1", "start-a-dispute")
    b.get_by_role("button", name="Continue: add evidence and review").click()

    # Review and confirm, with a photo: the progress bar shows, the photo arrives.
    expect(b.get_by_role("heading", name="Review and confirm")).to_be_visible()
    expect(b.get_by_text("Six of the twelve mugs arrived cracked")).to_be_visible()
    b.get_by_label("Choose files or drop them here").set_input_files(str(photo))
    expect(b.get_by_role("progressbar", name="Upload progress")).to_be_visible()
    b.locator("[data-row]").get_by_label("Description").fill("The cracked mugs")
    b.get_by_role("button", name="Upload", exact=True).click()
    expect(b.locator("[data-progress]")).to_have_text("100%")
    expect(b.get_by_test_id("evidence-item")).to_contain_text("cracked-mugs.jpg")
    b.reload()
    shoot(b, "journey-1", "review-and-confirm")
    act(b, "submit")
    b.locator("details[data-action=submit]").get_by_role("button", name="Submit dispute").click()
    expect(b.get_by_test_id("state")).to_have_text("Awaiting seller")
    expect(b.get_by_test_id("countdown")).to_contain_text("left")
    reference = b.get_by_role("heading", level=1).locator(".order-ref").inner_text()

    # The seller hears of it (bell and email) and finds it in their list.
    assert emailed(seller.email, "a new dispute was opened")
    s = signed_in(browser, live_server, seller.email, errors)
    expect(s.get_by_test_id("bell")).to_contain_text("1")
    s.get_by_role("link", name="Disputes", exact=True).click()
    expect(s.get_by_role("heading", name="Disputes on my sales")).to_be_visible()
    row = s.get_by_role("row").filter(has_text=reference)
    expect(row.get_by_test_id("your-move")).to_be_visible()
    shoot(s, "journey-1", "disputes-on-my-sales")
    row.get_by_role("link", name=reference).click()
    expect(s.get_by_test_id("waiting-on")).to_have_text("You.")
    expect(s.get_by_test_id("deadline-rule")).to_contain_text("The seller has 3 days to respond")
    shoot(s, "journey-1", "dispute-page-seller", docs=True)

    # A partial-refund offer.
    act(s, "make_offer")
    panel = s.locator("details[data-action=make_offer]")
    panel.get_by_label("What you offer").select_option("partial_refund")
    panel.get_by_label("Refund amount").fill("25.00")
    panel.get_by_label("Message with the offer").fill("Two boxes were fine; 25 back.")
    panel.get_by_role("button", name="Make an offer").click()
    expect(s.get_by_test_id("state")).to_have_text("Negotiating")

    # The buyer declines it and switches to a formal dispute.
    assert emailed(buyer.email, "a new offer")
    b.reload()
    expect(b.get_by_test_id("offers")).to_contain_text("25.00")
    act(b, "decline_offer")
    b.locator("details[data-action=decline_offer]").get_by_role(
        "button", name="Decline the offer"
    ).click()
    expect(b.get_by_test_id("offers")).to_contain_text("Declined")
    act(b, "escalate")
    panel = b.locator("details[data-action=escalate]")
    expect(panel).to_contain_text("a mediator will review the case and decide")
    panel.get_by_label("Why the platform should decide").fill(
        "Six mugs are broken; 25 does not cover them and the seller will not move."
    )
    panel.get_by_label("I understand").check()
    panel.get_by_role("button", name="Switch to a formal dispute").click()
    expect(b.get_by_test_id("state")).to_have_text("Under review")
    expect(b.get_by_test_id("waiting-on")).to_have_text("The platform is reviewing the case.")
    expect(b.get_by_test_id("timeline")).to_contain_text("Switch to a formal dispute")
    shoot(b, "journey-1", "dispute-page-buyer", docs=True)
    assert emailed(seller.email, "switched to a formal dispute")
    assert errors == []


def test_journey_2_incorrect_shipment_accepted(browser, live_server, people):
    buyer, seller = people
    order = full_order(buyer=buyer, seller=seller)
    draft = services.dispute_create(
        order=order,
        actor=buyer,
        type="incorrect_shipment",
        reason="wrong_item",
        description="Blue mugs were ordered; green ones came.",
        claimed_amount="120.00",
        requested_outcome="full_refund",
        facts={"received_on": "2026-11-20", "expected_quantity": 12, "received_quantity": 12},
    )
    services.dispute_submit(dispute=draft, actor=buyer)
    errors: list[str] = []

    s = signed_in(browser, live_server, seller.email, errors)
    s.goto(f"{live_server.url}/disputes/{draft.reference}/")
    act(s, "accept_claim")
    s.locator("details[data-action=accept_claim]").get_by_role(
        "button", name="Accept the claim"
    ).click()
    expect(s.get_by_test_id("state")).to_have_text("Resolved")

    # The refund is paid by the worker through the sandbox gateway.
    assert emailed(buyer.email, "the refund was paid")
    b = signed_in(browser, live_server, buyer.email, errors)
    b.goto(f"{live_server.url}/disputes/{draft.reference}/")
    expect(b.get_by_test_id("resolution")).to_contain_text("Full refund")
    expect(b.get_by_test_id("resolution")).to_contain_text("120.00")
    expect(b.get_by_test_id("refund-status")).to_have_text("Succeeded")
    expect(b.get_by_test_id("state")).to_have_text("Closed")
    expect(b.get_by_test_id("timeline")).to_contain_text("Refund paid")
    shoot(b, "journey-2", "resolution-and-refund")
    assert errors == []


def test_journey_3_not_received_cancelled(browser, live_server, people):
    buyer, seller = people
    now = timezone.now()
    order = OrderFactory(
        buyer=buyer, seller=seller, status="shipped", placed_at=now - timedelta(days=40)
    )
    add_item(order)
    pay(order)
    ship(order, shipped_at=now - timedelta(days=38))
    draft = services.dispute_create(
        order=order,
        actor=buyer,
        type="not_received",
        reason="tracking_stalled",
        description="Tracking has not moved for a month.",
        claimed_amount="120.00",
        requested_outcome="full_refund",
        facts={"tracking_number": "1234567890", "last_tracking_update": "2026-10-20"},
    )
    services.dispute_submit(dispute=draft, actor=buyer)
    errors: list[str] = []

    b = signed_in(browser, live_server, buyer.email, errors)
    b.goto(f"{live_server.url}/disputes/{draft.reference}/")
    act(b, "cancel")
    panel = b.locator("details[data-action=cancel]")
    expect(panel).to_contain_text("cannot be reopened")
    # Without the confirmation nothing happens, and the error says so next to the box.
    panel.get_by_role("button", name="Cancel dispute").click()
    panel = b.locator("details[data-action=cancel]")
    expect(panel.locator(".invalid-feedback")).to_contain_text("This field is required")
    expect(b.get_by_test_id("state")).to_have_text("Awaiting seller")
    panel.get_by_label("Reason (optional)").fill("The parcel came after all.")
    panel.get_by_label("I understand").check()
    panel.get_by_role("button", name="Cancel dispute").click()
    expect(b.get_by_test_id("state")).to_have_text("Cancelled")
    shoot(b, "journey-3", "cancelled")
    assert emailed(seller.email, "the dispute was cancelled")

    # The order cannot be disputed again, and its page says why.
    b.goto(f"{live_server.url}/orders/{order.reference}/")
    expect(b.get_by_test_id("dispute-blocked")).to_contain_text("cancelled")
    expect(b.get_by_role("link", name="Start a dispute")).to_have_count(0)
    shoot(b, "journey-3", "order-cannot-be-disputed-again")
    # The refused form answers 400 (Chromium logs it); nothing else may fail.
    assert [e for e in errors if "status of 400" not in e] == []


def test_journey_4_negotiation_agreed(browser, live_server, people):
    buyer, seller = people
    order = full_order(buyer=buyer, seller=seller)
    dispute = services.dispute_submit(
        dispute=services.dispute_create(
            order=order,
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
    services.dispute_reject_claim(dispute=dispute, actor=seller, note="Let us talk.")
    errors: list[str] = []

    b = signed_in(browser, live_server, buyer.email, errors)
    # The buyer follows the bell to the dispute ...
    b.get_by_test_id("bell").click()
    expect(b.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(b.get_by_role("main")).to_contain_text("the seller rejected the claim")
    shoot(b, "journey-4", "notifications")
    b.get_by_role("button", name="Open").first.click()
    # ... looks the seller up, and reads how to avoid disputes.
    b.get_by_test_id("reputation").get_by_role("link").click()
    expect(b.get_by_test_id("seller-figures")).to_contain_text("1 disputes on 1 orders")
    shoot(b, "journey-4", "seller-page")
    b.get_by_role("link", name="How to avoid disputes").first.click()
    expect(b.get_by_role("heading", name="How to avoid disputes")).to_be_visible()
    shoot(b, "journey-4", "how-to-avoid-disputes")
    b.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    act(b, "request_refund")
    panel = b.locator("details[data-action=request_refund]")
    panel.get_by_label("Amount").fill("60.00")
    panel.get_by_label("Rationale").fill("Eight handles came off; 7.50 each.")
    panel.get_by_role("button", name="Request a refund").click()
    expect(b.get_by_test_id("offers")).to_contain_text("60.00")

    assert emailed(seller.email, "the buyer requested a refund")
    s = signed_in(browser, live_server, seller.email, errors)
    s.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    act(s, "make_offer")
    panel = s.locator("details[data-action=make_offer]")
    panel.get_by_label("What you offer").select_option("partial_refund")
    panel.get_by_label("Refund amount").fill("45.00")
    panel.get_by_label("Message with the offer").fill("Six were fine on inspection.")
    panel.get_by_role("button", name="Make an offer").click()
    expect(s.get_by_test_id("offers")).to_contain_text("45.00")

    assert emailed(buyer.email, "a new offer")
    b.reload()
    act(b, "accept_offer")
    b.locator("details[data-action=accept_offer]").get_by_role(
        "button", name="Accept the offer"
    ).click()
    # The buyer's click posts and lands back on the dispute page; wait for that
    # landing before the seller reloads, so no reload races the navigation.
    expect(b.get_by_test_id("resolution")).to_contain_text("Resolved amicably")
    s.reload()
    for page in (b, s):
        timeline = page.get_by_test_id("timeline")
        expect(timeline).to_contain_text("Accept the offer")
        expect(timeline).to_contain_text("Partial refund · 45.00 USD")
        expect(page.get_by_test_id("resolution")).to_contain_text("Resolved amicably")
    shoot(b, "journey-4", "agreement-buyer")
    shoot(s, "journey-4", "agreement-seller")
    assert errors == []


def test_bad_input_is_explained_next_to_each_field_and_nothing_is_lost(
    browser, live_server, people, tmp_path
):
    buyer, seller = people
    order = full_order(buyer=buyer, seller=seller)
    errors: list[str] = []
    b = signed_in(browser, live_server, buyer.email, errors)
    b.goto(f"{live_server.url}/orders/{order.reference}/dispute/")

    # Empty required fields: each says so next to itself.
    b.get_by_label("Amount you claim").fill("")
    b.get_by_role("button", name="Continue: add evidence and review").click()
    for label in ("Reason", "Describe the problem", "Amount you claim"):
        field = b.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
    expect(b.locator("#id_description_error1")).to_contain_text("This field is required")
    shoot(b, "bad-input", "empty-fields")

    # An amount above what was paid: the message is at the amount, the rest is kept.
    b.get_by_label("Product quality problem").check()
    b.get_by_label("Reason").select_option("damaged")
    b.get_by_label("Describe the problem").fill("The glaze is chipped on every mug.")
    b.get_by_label("Amount you claim").fill("500.00")
    b.get_by_role("button", name="Continue: add evidence and review").click()
    expect(b.locator("#id_claimed_amount_error1")).to_contain_text("120.00")
    expect(b.get_by_label("Describe the problem")).to_have_value(
        "The glaze is chipped on every mug."
    )
    expect(b.get_by_label("Reason")).to_have_value("damaged")
    expect(b.get_by_label("Product quality problem")).to_be_checked()
    shoot(b, "bad-input", "amount-above-paid")

    # Half of what was paid is a partial refund: a "full refund" of it is asked
    # about next to the amount (issue 15), the rest kept again.
    b.get_by_label("Amount you claim").fill("60.00")
    b.get_by_role("button", name="Continue: add evidence and review").click()
    expect(b.locator("#id_claimed_amount_error1")).to_contain_text("choose a partial refund")
    expect(b.get_by_label("Amount you claim")).to_have_value("60.00")

    # A refused file type: said next to its own row; the description typed stays.
    b.get_by_label("What you want").select_option("partial_refund")
    b.get_by_role("button", name="Continue: add evidence and review").click()
    expect(b.get_by_role("heading", name="Review and confirm")).to_be_visible()
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 2000)  # a Windows executable named .pdf
    b.get_by_label("Choose files or drop them here").set_input_files(str(fake))
    row = b.locator("[data-row]")
    row.get_by_label("Description").fill("The invoice")
    b.get_by_role("button", name="Upload", exact=True).click()
    expect(row.get_by_test_id("upload-error")).to_contain_text("not a photo, video or document")
    expect(row.get_by_label("Description")).to_have_value("The invoice")
    expect(b.get_by_test_id("gallery-empty")).to_be_visible()
    shoot(b, "bad-input", "refused-file")
    # Chromium logs the refused upload (415) and the refused start form (400: an
    # invalid form answers 400, so that a one-time key survives it) itself;
    # nothing else may fail.
    refused = ("status of 415", "status of 400")
    assert [e for e in errors if not any(r in e for r in refused)] == []


def test_cancel_with_the_keyboard_only(browser, live_server, people):
    buyer, seller = people
    dispute = services.dispute_submit(
        dispute=services.dispute_create(
            order=full_order(buyer=buyer, seller=seller),
            actor=buyer,
            type="quality",
            reason="damaged",
            description="Cracked on arrival.",
            claimed_amount="10.00",
            requested_outcome="partial_refund",
            facts={},
        ),
        actor=buyer,
    )
    errors: list[str] = []
    b = signed_in(browser, live_server, buyer.email, errors)
    b.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    summary = b.locator("details[data-action=cancel] summary")
    # Tab from the top of the page until the panel's summary has the focus.
    for _ in range(60):
        b.keyboard.press("Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("The Cancel dispute panel cannot be reached with Tab")
    b.keyboard.press("Enter")
    b.keyboard.press("Tab")  # the reason
    b.keyboard.type("Sorted out with the seller.")
    b.keyboard.press("Tab")  # the confirmation
    b.keyboard.press("Space")
    b.keyboard.press("Tab")  # the button
    b.keyboard.press("Enter")
    expect(b.get_by_test_id("state")).to_have_text("Cancelled")
    assert errors == []
