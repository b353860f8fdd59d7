"""Issue 6's journey in Chromium, against PostgreSQL with a real Celery worker on Redis:
a mediator takes the most urgent case from the queue, asks the seller for information,
the seller answers on their page, the mediator decides a partial refund citing two
evidence items, both parties read the reasoned decision, the buyer appeals with new
evidence, a senior mediator (not the first) upholds it, the case closes and the
sandbox refund is paid."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from disputes.models import Dispute, Notification, Refund
from evidence.services import evidence_add
from tests.conftest import wait_for
from tests.evidence.corpus import png
from tests.factories import (
    PASSWORD,
    BuyerFactory,
    MediatorFactory,
    SellerFactory,
    full_order,
    make_senior,
)
from tests.mediation.conftest import escalated, on_roster

pytestmark = [
    pytest.mark.browser,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(browser, live_server, user):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("bell")).to_be_visible()
    return page, errors


def test_mediation_journey(browser, live_server, worker, settings, tmp_path, mailoutbox):
    settings.MEDIA_ROOT = tmp_path / "media"
    buyer = _verified(BuyerFactory(email="bea@example.com", name="Bea Buyer"))
    seller = _verified(SellerFactory(email="sam@example.com", name="Sam Seller"))
    mia = _verified(MediatorFactory(email="mia@example.com", name="Mia Mediator"))
    otto = _verified(make_senior(MediatorFactory(email="otto@example.com", name="Otto Senior")))
    # Nobody is on the roster yet: the escalated cases wait unassigned in the queue.
    urgent = escalated(full_order(buyer=buyer, seller=seller))
    later = escalated(full_order())
    photo = evidence_add(
        dispute=urgent,
        actor=buyer,
        upload=SimpleUploadedFile("broken-mugs.png", png(64, 48), "image/png"),
        description="Six mugs broken in the box",
    )
    invoice = evidence_add(
        dispute=urgent,
        actor=seller,
        upload=SimpleUploadedFile("packing-list.txt", b"12 mugs packed in bubble wrap\n"),
        description="Our packing list",
    )
    evidence_add(
        dispute=urgent,
        actor=seller,
        upload=SimpleUploadedFile("courier.txt", b"Courier handled with care\n"),
    )
    # Otto, a senior, joins the roster afterwards: he takes appeals.
    on_roster(otto)

    # 1. Mia opens the queue: the most urgent case is first; she takes it.
    mediator_page, mediator_errors = _log_in(browser, live_server, mia)
    mediator_page.get_by_role("link", name="Mediation").click()
    rows = mediator_page.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-reference", urgent.reference)
    expect(rows.nth(1)).to_have_attribute("data-reference", later.reference)
    rows.first.get_by_role("button", name=re.compile("^Take")).click()
    expect(mediator_page.get_by_test_id("assigned-to")).to_have_text("You work this case.")
    # Both sides' evidence, side by side, with their SHA-256.
    expect(mediator_page.get_by_test_id("case-evidence")).to_have_count(3)
    expect(mediator_page.get_by_test_id("evidence-sides")).to_contain_text(photo.sha256)

    # 2. She asks the seller for information, with two days to answer.
    mediator_page.locator("summary", has_text="Request information").click()
    ask = mediator_page.locator("details[data-action=request_info] form")
    ask.get_by_label("Ask", exact=True).select_option("seller")
    ask.get_by_label("Question").fill("How were the mugs packed for shipping?")
    ask.get_by_label("Days to answer").fill("2")
    ask.get_by_role("button", name="Request information").click()
    expect(mediator_page.get_by_test_id("state")).to_have_text("Awaiting information")

    # 3. The seller is told (in the app and by email, through the worker) and answers.
    assert wait_for(
        lambda: Notification.objects.filter(
            recipient=seller, event__kind="request_info", email_status="sent"
        ).exists()
    )
    assert any("asks for information" in m.subject for m in mailoutbox if seller.email in m.to)
    seller_page, seller_errors = _log_in(browser, live_server, seller)
    seller_page.goto(f"{live_server.url}/disputes/{urgent.reference}/")
    seller_page.locator("summary", has_text="Provide information").click()
    seller_page.get_by_label("Your answer").fill("Each mug in bubble wrap, twelve to a carton.")
    seller_page.get_by_role("button", name="Provide information").click()
    expect(seller_page.get_by_test_id("state")).to_have_text("Under review")

    # 4. Mia decides a partial refund, citing the buyer's photo and the packing list.
    mediator_page.reload()
    expect(mediator_page.get_by_test_id("timeline")).to_contain_text("Provide information")
    mediator_page.locator("summary", has_text="Decide").first.click()
    form = mediator_page.locator("details[data-action=decide] form")
    form.get_by_label("Outcome").select_option("partial_refund")
    form.get_by_label("Refund amount").fill("45.00")
    form.get_by_label("Reason").select_option("shared_fault")
    form.get_by_label("Rules applied").fill("Terms 4.2: goods must arrive fit for use.")
    form.get_by_label(re.compile(f"^#{photo.pk} ")).check()
    form.get_by_label(re.compile(f"^#{invoice.pk} ")).check()
    form.get_by_label(re.compile("^Rationale")).fill(
        "The photo shows six broken mugs; the packing list shows thin wrapping for the route."
    )
    form.get_by_role("button", name="Decide").click()
    expect(mediator_page.get_by_test_id("state")).to_have_text("Resolved")

    # 5. Both parties read the reasoned decision: reason, rules, cited evidence, rationale.
    for party_page in (seller_page, None):
        page = party_page
        if page is None:
            page, buyer_errors = _log_in(browser, live_server, buyer)
            buyer_page = page
        page.goto(f"{live_server.url}/disputes/{urgent.reference}/")
        decision = page.get_by_test_id("decision")
        expect(decision.get_by_test_id("decision-reason")).to_contain_text("shared_fault")
        expect(decision.get_by_test_id("decision-rules")).to_have_text(
            "Terms 4.2: goods must arrive fit for use."
        )
        expect(decision.get_by_test_id("cited-item")).to_have_count(2)
        expect(decision.get_by_test_id("decision-evidence")).to_contain_text("broken-mugs.png")
        expect(decision.get_by_test_id("decision-evidence")).to_contain_text(invoice.sha256)
        expect(decision.get_by_test_id("decision-rationale")).to_contain_text("six broken mugs")

    # 6. The buyer appeals, with new evidence first.
    new_photo = tmp_path / "more-damage.png"
    new_photo.write_bytes(png(80, 60))
    buyer_page.get_by_label("Choose files or drop them here").set_input_files([str(new_photo)])
    buyer_page.get_by_role("button", name="Upload", exact=True).click()
    expect(
        buyer_page.get_by_test_id("evidence-item").filter(has_text="more-damage.png")
    ).to_have_count(1)
    buyer_page.locator("summary", has_text="Appeal the decision").click()
    buyer_page.get_by_label("Why the decision should change").fill(
        "The new photo shows the other six mugs cracked as well: all twelve are unusable."
    )
    buyer_page.get_by_role("button", name="Appeal the decision").click()
    expect(buyer_page.get_by_test_id("state")).to_have_text("Appealed")
    appealed = Dispute.objects.get(pk=urgent.pk)
    # The appeal went to Otto: a senior who did not decide it.
    assert appealed.assigned_mediator_id == otto.pk
    assert appealed.decided_by_id == mia.pk

    # 7. Otto upholds the decision; the case closes and the sandbox pays the refund.
    senior_page, senior_errors = _log_in(browser, live_server, otto)
    senior_page.goto(f"{live_server.url}/mediation/?assigned=me")
    senior_page.get_by_role("link", name=urgent.reference).click()
    expect(senior_page.get_by_test_id("appeal")).to_contain_text("all twelve are unusable")
    senior_page.locator("summary", has_text="Decide the appeal").click()
    form = senior_page.locator("details[data-action=decide_appeal] form")
    form.get_by_label("Result").select_option("upheld")
    form.get_by_label(re.compile("more-damage.png")).check()
    form.get_by_label("Rationale").fill(
        "The new photo shows hairline cracks that could come from use; the decision stands."
    )
    form.get_by_role("button", name="Decide the appeal").click()
    expect(senior_page.get_by_test_id("state")).to_have_text("Closed")
    assert wait_for(lambda: Refund.objects.filter(dispute=urgent, status="succeeded").exists())
    refund = Refund.objects.get(dispute=urgent)
    assert (str(refund.amount), refund.provider_reference.startswith("SBX-RF-")) == ("45.00", True)
    buyer_page.reload()
    expect(buyer_page.get_by_test_id("state")).to_have_text("Closed")
    expect(buyer_page.get_by_test_id("decision")).to_have_count(2)
    assert mediator_errors + seller_errors + buyer_errors + senior_errors == []
