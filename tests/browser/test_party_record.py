"""The parties' own record in Chromium (SPEC 13.4, seed step 11), against a live server on
PostgreSQL: after the platform's decision the buyer finds "Your record" beside it,
downloads the decision as a PDF, whose text (extracted with pypdf) carries the
outcome, the reasons, the rules, the cited photo with its SHA-256 and the rationale
but not the seller's mediator-only invoice; then opens "If you disagree", reads the
appeal window, the bank and the legal help, and takes their case file, which checks
offline with the platform's script."""

from __future__ import annotations

import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import expect

from disputes.models import DisputeEvent
from evidence.models import Evidence
from tests.browser.journey import audit, signed_in
from tests.disputes.party_record_case import RATIONALE, decided_case, pdf_text, run_verifier
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_a_party_downloads_the_decision_pdf_and_their_case_file(
    browser, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    buyer = _verified(BuyerFactory(email="rec-buyer@example.com", name="Bea Buyer"))
    seller = _verified(SellerFactory(email="rec-seller@example.com", name="Sam Seller"))
    mediator = MediatorFactory(email="rec-mia@example.com", name="Mia Mediator")
    case = decided_case(
        full_order(buyer=buyer, seller=seller), buyer=buyer, seller=seller, mediator=mediator
    )
    photo = Evidence.objects.get(dispute=case, original_name="broken mugs.jpg")
    errors: list[str] = []
    page = signed_in(browser, live_server, buyer.email, errors)
    try:
        page.goto(f"{live_server.url}{reverse('disputes:detail', args=[case.reference])}")
        record = page.get_by_test_id("your-record")
        expect(record).to_be_visible()

        # The decision as a PDF: downloaded as a file, its text read back.
        with page.expect_download() as download:
            record.get_by_role("link", name="Download the decision (PDF)").click()
        assert download.value.suggested_filename == f"{case.reference}-decision.pdf"
        path = tmp_path / "decision.pdf"
        download.value.save_as(path)
        text = pdf_text(path.read_bytes())
        for expected in (
            f"Decision on dispute {case.reference}",
            "Partial refund, 40.00",
            "Shared fault",
            "Quality claims, section 3.",
            RATIONALE,
            f"broken mugs.jpg (buyer) SHA-256 {photo.sha256}",
            "and 1 item shared with the mediator only",
        ):
            assert "".join(expected.split()) in text, expected
        assert "invoice.pdf" not in text

        # If you disagree: what else the buyer can do, with the export.
        record.get_by_role("link", name="If you disagree").click()
        expect(page.get_by_role("heading", name="If you disagree", level=1)).to_be_visible()
        expect(page.get_by_test_id("appeal")).to_contain_text("You can appeal once, until")
        expect(page.get_by_test_id("bank")).to_contain_text("card issuer")
        expect(page.get_by_test_id("legal")).to_contain_text("small claims")
        audit(page)
        with page.expect_download() as download:
            page.get_by_test_id("case-file").click()
        assert download.value.suggested_filename == f"{case.reference}-casefile.zip"
        archive = tmp_path / f"{case.reference}-casefile.zip"
        download.value.save_as(archive)
        with zipfile.ZipFile(archive) as opened:
            assert json.loads(opened.read("manifest.json"))["scope"] == "buyer"
        code, output = run_verifier(archive)
        assert code == 0, output
        assert "buyer's copy" in output
        assert DisputeEvent.objects.filter(
            dispute=case, kind="case_file_exported", actor=buyer
        ).exists()
        assert errors == []
    finally:
        page.context.close()
