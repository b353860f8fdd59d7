"""Carrier status (issue 15 item 6) in Chromium, against a live server on PostgreSQL.

1. A replacement: the seller enters its carrier and tracking number; the case no
   longer closes but waits for the buyer to confirm it arrived. A tracking service
   calls the signed webhook (in transit, then delivered): the buyer's page shows
   the carrier's news on the timeline and a fresh wait; the buyer confirms it
   arrived and the case closes. The same message sent again changes nothing.
2. A return: the return page says who pays to ship it; the buyer ships it, the
   carrier delivers it, and the seller's page shows the delivery and its fresh wait
   to confirm receipt.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from disputes import services
from disputes.models import Dispute, DisputeEvent, Offer
from tests.browser.journey import act, audit, signed_in
from tests.conftest import open_dispute
from tests.factories import BuyerFactory, SellerFactory, full_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "whsec_" + base64.b64encode(b"tracking-service-secret!").decode()


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def parties(db, settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET
    buyer = _verified(BuyerFactory(email="car-buyer@example.com", name="Bea Buyer"))
    seller = _verified(SellerFactory(email="car-seller@example.com", name="Sam Seller"))
    return buyer, seller


@pytest.fixture
def sign_in(browser, live_server):
    pages = []

    def sign_in(email: str, errors: list[str]):
        page = signed_in(browser, live_server, email, errors)
        pages.append(page)
        return page

    yield sign_in
    for page in pages:
        page.context.close()


def _tracking_service(live_server, body: dict, message_id: str | None = None) -> int:
    """What a tracking service does: POST its news, signed with the shared secret."""
    data = json.dumps(body)
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(tz=UTC)
    request = urllib.request.Request(  # noqa: S310 (http to the live server)
        f"{live_server.url}/api/v1/carrier-events/",
        data=data.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(SECRET).sign(msg_id=message_id, timestamp=now, data=data),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (the live server)
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def _agreed(buyer, seller, outcome: str) -> Dispute:
    d = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    d = services.dispute_make_offer(
        dispute=d, actor=seller, outcome=outcome, amount="0" if outcome == "replacement" else "60"
    )
    offer = Offer.objects.get(dispute=d, status="open")
    return services.dispute_accept_offer(dispute=d, actor=buyer, offer=offer.pk)


def test_a_replacement_delivered_by_the_carrier_closes_once_the_buyer_confirms(
    live_server, sign_in, parties
):
    buyer, seller = parties
    case = _agreed(buyer, seller, "replacement")
    errors: list[str] = []
    url = f"{live_server.url}{reverse('disputes:detail', args=[case.reference])}"

    # 1. The seller ships the replacement with its tracking number.
    s = sign_in(seller.email, errors)
    s.goto(url)
    act(s, "ship_replacement")
    form = s.locator("details[data-action=ship_replacement] form")
    form.get_by_label("Carrier").fill("DHL")
    form.get_by_label("Tracking number").fill("JD014600")
    form.get_by_role("button", name="Ship the replacement").click()
    # Not closed: the buyer says whether it arrived.
    expect(s.get_by_test_id("state")).to_have_text("Resolved")
    expect(s.get_by_test_id("waiting-on")).to_have_text("The other party.")

    # 2. The buyer waits for it, with a week to confirm or say what is wrong.
    b = sign_in(buyer.email, errors)
    b.goto(url)
    expect(b.get_by_test_id("waiting-on")).to_have_text("You.")
    expect(b.get_by_test_id("deadline-rule")).to_contain_text(
        "The buyer has 7 days to confirm the replacement arrived or say what is wrong"
    )
    expect(b.locator("details[data-action=confirm_replacement]")).to_have_count(1)
    expect(b.locator("details[data-action=object_replacement]")).to_have_count(1)
    shipped_deadline = b.get_by_test_id("countdown").get_attribute("datetime")

    # 3. The tracking service: in transit, then delivered (a day later on its clock).
    assert (
        _tracking_service(
            live_server,
            {
                "tracking_number": "JD014600",
                "carrier": "DHL",
                "status": "in_transit",
                "occurred_at": (datetime.now(tz=UTC) - timedelta(hours=5)).isoformat(),
            },
        )
        == 200
    )
    delivered = {
        "tracking_number": "JD014600",
        "carrier": "dhl",
        "status": "delivered",
        "occurred_at": datetime.now(tz=UTC).isoformat(),
    }
    assert _tracking_service(live_server, delivered, message_id="msg_delivered_1") == 200
    # The service retries its message: no second effect.
    assert _tracking_service(live_server, delivered, message_id="msg_delivered_1") == 200
    assert DisputeEvent.objects.filter(dispute=case, kind="carrier_delivered").count() == 1

    # 4. The buyer's timeline shows the carrier's news; the week starts again.
    b.reload()
    timeline = b.get_by_test_id("timeline")
    news = timeline.locator("li[data-kind=carrier_update]")
    expect(news).to_contain_text("News from the carrier")
    expect(news).to_contain_text("In transit: the replacement, DHL JD014600")
    delivery = timeline.locator("li[data-kind=carrier_delivered]")
    expect(delivery).to_contain_text("Delivered by the carrier")
    expect(delivery).to_contain_text("by the platform")
    expect(delivery).to_contain_text("Delivered: the replacement, DHL JD014600")
    assert b.get_by_test_id("countdown").get_attribute("datetime") >= shipped_deadline
    audit(b)

    # 5. The buyer confirms it arrived: closed.
    act(b, "confirm_replacement")
    b.locator("details[data-action=confirm_replacement]").get_by_role(
        "button", name="Confirm the replacement arrived"
    ).click()
    expect(b.get_by_test_id("state")).to_have_text("Closed")
    expect(b.get_by_test_id("waiting-on")).to_have_text("Nobody: nothing is pending.")
    # The carrier's later news of a closed case is ignored without a trace.
    assert _tracking_service(live_server, {**delivered, "status": "exception"}) == 202
    s.reload()
    expect(s.get_by_test_id("state")).to_have_text("Closed")
    expect(
        s.get_by_test_id("timeline").locator("li[data-kind=confirm_replacement]")
    ).to_contain_text("Confirm the replacement arrived")
    assert errors == []


def test_a_return_delivered_by_the_carrier_restarts_the_seller_s_wait(
    live_server, sign_in, parties
):
    buyer, seller = parties
    case = _agreed(buyer, seller, "return_and_refund")
    errors: list[str] = []
    url = f"{live_server.url}{reverse('disputes:detail', args=[case.reference])}"

    # The return page says who pays to ship it (an agreed return: the seller).
    b = sign_in(buyer.email, errors)
    b.goto(url)
    expect(b.get_by_test_id("return-shipping")).to_have_text(
        "Return shipping is paid by the seller."
    )
    act(b, "ship_return")
    form = b.locator("details[data-action=ship_return] form")
    form.get_by_label("Carrier").fill("UPS")
    form.get_by_label("Tracking number").fill("1Z999AA10123456784")
    form.get_by_role("button", name="Ship the return").click()
    expect(b.get_by_test_id("waiting-on")).to_have_text("The other party.")
    audit(b)

    assert (
        _tracking_service(
            live_server,
            {
                "tracking_number": "1Z999AA10123456784",
                "status": "delivered",
                "occurred_at": datetime.now(tz=UTC).isoformat(),
            },
        )
        == 200
    )

    s = sign_in(seller.email, errors)
    s.goto(url)
    expect(s.get_by_test_id("return-shipping")).to_have_text(
        "Return shipping is paid by the seller."
    )
    delivery = s.get_by_test_id("timeline").locator("li[data-kind=carrier_delivered]")
    expect(delivery).to_contain_text("Delivered: the return, UPS 1Z999AA10123456784")
    expect(s.get_by_test_id("deadline-rule")).to_contain_text(
        "The seller has 10 days to confirm receipt of the return"
    )
    d = Dispute.objects.get(pk=case.pk)
    assert (
        d.deadline_started_at >= DisputeEvent.objects.get(dispute=d, kind="ship_return").created_at
    )
    expect(s.locator("details[data-action=confirm_return]")).to_have_count(1)
    assert errors == []
