"""The parties' own record in the pages (SPEC 13.4, seed step 11): each party downloads
the decision as a PDF and their copy of the case file, and reads what else they can do
if they disagree; nobody else reaches any of it, and a refused attempt leaves no trace."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services
from disputes.checkpoints import sign_pending
from disputes.models import Dispute, DisputeEvent, Notification
from disputes_site.once import FIELD, mint_key
from evidence.models import Evidence
from tests.conftest import client_for, open_dispute
from tests.disputes.party_record_case import (
    RATIONALE,
    SELLER_ONLY,
    decided_case,
    pdf_attachments,
    pdf_text,
    run_verifier,
    sha256,
    squeeze,
)
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order, make_lead
from tests.security.conftest import new_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing_key(settings):
    """The platform's key for this test, as the security tests make it."""
    settings.AUDIT_SIGNING_KEY = new_seed()
    settings.AUDIT_SIGNING_KEY_FILE = ""


@pytest.fixture
def published_key(signing_key, tmp_path):
    """The public key as a party saves it from the platform's URL."""
    path = tmp_path / "disputes-audit-key.json"
    path.write_bytes(client_for(None).get("/.well-known/disputes-audit-key").content)
    return path


@pytest.fixture
def case(settings, tmp_path, order, buyer, seller, mediator) -> Dispute:
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence of this test only
    return decided_case(order, buyer=buyer, seller=seller, mediator=mediator)


def items(case: Dispute) -> dict[str, Evidence]:
    return {e.original_name: e for e in Evidence.objects.filter(dispute=case)}


def download_pdf(user, case: Dispute) -> bytes:
    response = client_for(user).get(reverse("disputes:decision_pdf", args=[case.reference]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert f'{case.reference}-decision.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    return response.content


def export(user, case: Dispute) -> bytes:
    response = client_for(user).post(reverse("disputes:case_file", args=[case.reference]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- The decision as a PDF ------------------------------------------------------


def test_the_buyer_downloads_the_decision_with_reasons_rules_and_the_evidence_hashes(case, buyer):
    text = pdf_text(download_pdf(buyer, case))
    photo = items(case)["broken mugs.jpg"]
    for expected in (
        f"Decisionondispute{case.reference}",
        "Thebuyer'scopy",
        "Partialrefund",
        "40.00",
        "Quality claims, section 3.",
        RATIONALE,
        "brokenmugs.jpg",
        # The hash recorded at upload, which is the stored file's.
        f"SHA-256{photo.sha256}",
        # The seller's invoice is shared with the mediator only: counted, never named.
        "and1itemsharedwiththemediatoronly",
        f"head{case.chain_head}",
    ):
        assert squeeze(expected) in text, expected
    assert photo.sha256 == sha256(photo)
    assert "invoice.pdf" not in text
    # Before the first checkpoint the PDF says the head is not signed yet.
    assert "Notsignedyet" in text


def test_the_seller_sees_their_own_mediator_only_invoice_cited_and_not_the_hidden_photo(
    case, seller
):
    text = pdf_text(download_pdf(seller, case))
    invoice = items(case)["invoice.pdf"]
    assert "Theseller'scopy" in text
    assert f"invoice.pdf(seller)SHA-256{invoice.sha256}" in text
    assert "brokenmugs.jpg" in text
    assert "itemsharedwiththemediatoronly" not in text
    assert "card.png" not in text


def test_the_pdf_carries_the_signed_chain_head_which_checks_offline(
    case, buyer, signing_key, published_key, tmp_path
):
    while sign_pending():
        pass
    data = download_pdf(buyer, case)
    text = pdf_text(data)
    receipt_name = f"{case.reference}-signed-head.json"
    receipt = json.loads(pdf_attachments(data)[receipt_name])
    assert receipt["head"] == case.chain_head
    assert receipt["event_count"] == case.event_count
    assert f"Signedchainhead{case.event_count}events,head{case.chain_head}" in text
    assert f"#{receipt['checkpoint']['number']}" in text
    assert squeeze(receipt["checkpoint"]["signature"]) in text
    assert receipt["checkpoint"]["key_id"] in text
    path = tmp_path / receipt_name
    path.write_text(json.dumps(receipt))
    code, output = run_verifier(path, "--public-key", str(published_key))
    assert code == 0, output
    assert "Ed25519 signature checked" in output


def test_before_a_decision_the_pdf_page_says_there_is_none(order, buyer):
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    response = client_for(buyer).get(reverse("disputes:decision_pdf", args=[dispute.reference]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "No decision yet" in page
    assert f"The platform has not decided dispute {dispute.reference}" in page
    assert reverse("disputes:if_you_disagree", args=[dispute.reference]) in page


def test_an_agreement_has_no_decision_to_download(negotiated, buyer, seller):
    offer = negotiated.offers.get(status="open")
    # The open offer is the buyer's refund request: the seller accepts it.
    services.dispute_accept_offer(dispute=negotiated, actor=seller, offer=offer.pk)
    response = client_for(buyer).get(reverse("disputes:decision_pdf", args=[negotiated.reference]))
    assert response.status_code == 404
    assert "settled between them" in response.content.decode()


# --- The party's copy of the case file -------------------------------------------


def test_the_buyers_case_file_holds_what_the_buyer_may_see_and_verifies(
    case, buyer, tmp_path, signing_key, published_key
):
    while sign_pending():
        pass
    files = read(export(buyer, case))
    case.refresh_from_db()
    manifest = json.loads(files["manifest.json"])
    assert manifest["scope"] == "buyer"
    assert manifest["chain"]["head"] == case.chain_head
    # Evidence: the buyer's shared photo; not the seller's mediator-only invoice, not
    # the buyer's own photo an administrator hid.
    assert sorted(p for p in files if p.startswith("evidence/")) == [
        f"evidence/{items(case)['broken mugs.jpg'].pk}-broken_mugs.jpg"
    ]
    # Messages: the one to everyone; not the one the mediator sent the seller only.
    bodies = [m["body"] for m in json.loads(files["messages.json"])]
    assert bodies == ["Six of twelve mugs broke."]
    everything = b"".join(files.values()).decode(errors="replace")
    for private in (SELLER_ONLY, "The carrier's photos look rough.", "invoice.pdf"):
        assert private not in everything, private
    # The hidden photo is named in the shared timeline (its upload and its hiding, as on
    # the case page), but its file is not in the copy.
    assert not any("card" in p for p in files)
    # People by name: the other side's address is not the buyer's to hand on.
    assert "sam@example.com" not in everything
    # The private events are there by their hash only.
    events = json.loads(files["timeline.json"])["events"]
    withheld = [e for e in events if e.get("withheld")]
    assert withheld
    assert all(set(e) == {"seq", "prev", "hash", "withheld"} for e in withheld)
    assert [e["seq"] for e in events] == list(range(1, case.event_count + 1))
    decision = json.loads(files["decisions.json"])["decisions"][0]
    assert [e["id"] for e in decision["evidence_relied_on"]] == [items(case)["broken mugs.jpg"].pk]
    assert decision["evidence_withheld"] == 1
    path = tmp_path / "buyer.zip"
    path.write_bytes(export(buyer, case))
    code, output = run_verifier(path, "--public-key", str(published_key))
    assert code == 0, output
    assert "buyer's copy" in output
    assert "Ed25519 signature checked" in output


def test_the_sellers_case_file_has_the_message_to_them_and_their_invoice(case, seller, tmp_path):
    data = export(seller, case)
    files = read(data)
    names = {p for p in files if p.startswith("evidence/")}
    assert {n.split("-", 1)[1] for n in names} == {"broken_mugs.jpg", "invoice.pdf"}
    bodies = [m["body"] for m in json.loads(files["messages.json"])]
    assert bodies == ["Six of twelve mugs broke.", SELLER_ONLY]
    path = tmp_path / "seller.zip"
    path.write_bytes(data)
    code, output = run_verifier(path)
    assert code == 0, output


def test_a_party_copy_with_a_withheld_event_changed_or_removed_fails_the_check(
    case, buyer, tmp_path
):
    files = read(export(buyer, case))
    timeline = json.loads(files["timeline.json"])
    position = next(i for i, e in enumerate(timeline["events"]) if e.get("withheld"))

    def rewritten(events) -> bytes:
        forged_timeline = json.dumps({**timeline, "events": events}).encode()
        changed = dict(files, **{"timeline.json": forged_timeline})
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["files"]:
            entry["sha256"] = hashlib.sha256(changed[entry["path"]]).hexdigest()
            entry["size"] = len(changed[entry["path"]])
        changed["manifest.json"] = json.dumps(manifest).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, content in changed.items():
                archive.writestr(name, content)
        return out.getvalue()

    events = timeline["events"]
    forged = [dict(e) for e in events]
    forged[position]["hash"] = "f" * 64
    removed = events[:position] + events[position + 1 :]
    for data, message in (
        (rewritten(forged), "does not point at the previous event"),
        (rewritten(removed), "is missing (removed)"),
    ):
        path = tmp_path / "forged.zip"
        path.write_bytes(data)
        code, output = run_verifier(path)
        assert code == 1, output
        assert message in output


def test_taking_the_case_file_is_in_the_partys_timeline_only(case, buyer, seller):
    before = Notification.objects.count()
    export(buyer, case)
    event = DisputeEvent.objects.filter(dispute=case).latest("seq")
    assert (event.kind, event.actor_id, event.visibility) == (
        "case_file_exported",
        buyer.pk,
        "buyer",
    )
    # Its count is of the buyer's copy: one photo (not the invoice, not the hidden one).
    assert event.details == {"format": "dispute-casefile/1", "evidence_items": 1, "scope": "buyer"}
    assert Notification.objects.count() == before
    page = client_for(buyer).get(reverse("disputes:detail", args=[case.reference]))
    assert "Case file exported" in page.content.decode()
    page = client_for(seller).get(reverse("disputes:detail", args=[case.reference]))
    assert "Case file exported" not in page.content.decode()


def test_a_double_click_on_the_button_exports_once(case, buyer):
    """The page's one-time key (disputes_site/once.py): the repeat is sent back to the
    form's page, which the GET of the case file's address is."""
    client = client_for(buyer)
    url = reverse("disputes:case_file", args=[case.reference])
    key = mint_key(buyer.pk)
    first = client.post(url, {FIELD: key})
    assert first.status_code == 200
    repeat = client.post(url, {FIELD: key})
    assert repeat.status_code == 303
    assert repeat["Location"] == url
    follow = client.get(url)
    assert follow["Location"] == reverse("disputes:if_you_disagree", args=[case.reference])
    assert DisputeEvent.objects.filter(dispute=case, kind="case_file_exported").count() == 1


def test_a_get_of_the_case_file_leads_to_the_page_with_the_button(case, buyer):
    response = client_for(buyer).get(reverse("disputes:case_file", args=[case.reference]))
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:if_you_disagree", args=[case.reference])
    assert not DisputeEvent.objects.filter(dispute=case, kind="case_file_exported").exists()


# --- If you disagree -------------------------------------------------------------


def test_if_you_disagree_offers_the_appeal_the_bank_legal_help_and_the_record(case, buyer):
    page = client_for(buyer).get(reverse("disputes:if_you_disagree", args=[case.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "You can appeal once, until" in html
    assert "Appeal the decision" in html
    assert "chargeback" in html
    assert "card issuer" in html
    assert "Legal help" in html
    assert reverse("disputes:decision_pdf", args=[case.reference]) in html
    assert f'action="{reverse("disputes:case_file", args=[case.reference])}"' in html
    assert "/.well-known/disputes-audit-key" in html


def test_after_the_appeal_the_page_says_it_is_under_review(case, buyer):
    services.dispute_appeal(
        dispute=case, actor=buyer, explanation="The photos show twelve broken mugs, not six."
    )
    html = (
        client_for(buyer)
        .get(reverse("disputes:if_you_disagree", args=[case.reference]))
        .content.decode()
    )
    assert "The decision is under appeal" in html
    assert "You can appeal once" not in html


def test_before_a_decision_the_page_says_the_platform_has_not_decided(submitted, buyer):
    html = (
        client_for(buyer)
        .get(reverse("disputes:if_you_disagree", args=[submitted.reference]))
        .content.decode()
    )
    assert "The platform has not decided this case yet" in html
    assert "available once the platform decides" in html


def test_the_dispute_page_links_the_record_near_the_decision(case, buyer, mediator):
    html = client_for(buyer).get(reverse("disputes:detail", args=[case.reference])).content.decode()
    assert 'data-testid="your-record"' in html
    assert reverse("disputes:decision_pdf", args=[case.reference]) in html
    assert reverse("disputes:if_you_disagree", args=[case.reference]) in html
    # The mediator's case page has the platform's export, not the parties' links.
    html = (
        client_for(mediator).get(reverse("disputes:detail", args=[case.reference])).content.decode()
    )
    assert 'data-testid="your-record"' not in html


# --- Nobody else: 404, and no trace ------------------------------------------------


@pytest.mark.parametrize("who", ["other_buyer", "other_seller", "mediator", "lead", "staff"])
@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "disputes:decision_pdf"),
        ("post", "disputes:case_file"),
        ("get", "disputes:case_file"),
        ("get", "disputes:if_you_disagree"),
    ],
)
def test_nobody_but_the_parties_reaches_the_record_and_a_probe_leaves_no_trace(
    case, who, method, name, request
):
    people = {
        "other_buyer": lambda: request.getfixturevalue("other_buyer"),
        "other_seller": lambda: request.getfixturevalue("other_seller"),
        # The case's own mediator: they export the platform's file, not a party's copy.
        "mediator": lambda: request.getfixturevalue("mediator"),
        "lead": lambda: make_lead(MediatorFactory(email="lead@example.com")),
        "staff": lambda: BuyerFactory(is_staff=True, email="ops2@example.com"),
    }
    user = people[who]()
    before = DisputeEvent.objects.filter(dispute=case).count()
    response = getattr(client_for(user), method)(reverse(name, args=[case.reference]))
    assert response.status_code == 404
    assert DisputeEvent.objects.filter(dispute=case).count() == before


@pytest.mark.parametrize("name", ["disputes:decision_pdf", "disputes:if_you_disagree"])
def test_an_unknown_reference_is_404_and_anonymous_goes_to_login(case, buyer, name):
    assert client_for(buyer).get(reverse(name, args=["DSP-NOPE0000"])).status_code == 404
    response = client_for(None).get(reverse(name, args=[case.reference]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_seller_cannot_reach_the_record_of_a_draft(draft, seller):
    url = reverse("disputes:if_you_disagree", args=[draft.reference])
    assert client_for(seller).get(url).status_code == 404


# --- Query counts ------------------------------------------------------------------


def decided_with(n: int, buyer, seller, mediator) -> Dispute:
    """A decided case citing ``n`` items, with about 2n more events."""
    from evidence.services import evidence_add
    from tests.evidence.conftest import upload
    from tests.evidence.corpus import png

    dispute = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    for i in range(n):
        evidence_add(dispute=dispute, actor=buyer, upload=upload(f"photo-{i}.png", png(40, 30)))
        services.message_post(dispute=dispute, actor=buyer, body=f"Message {i}")
    dispute = services.dispute_reject_claim(dispute=dispute, actor=seller, note="Packed well.")
    dispute = services.dispute_escalate(
        dispute=dispute, actor=buyer, justification="The seller refuses any refund."
    )
    Dispute.objects.filter(pk=dispute.pk).update(assigned_mediator=mediator)
    services.dispute_decide(
        dispute=dispute,
        actor=mediator,
        outcome="partial_refund",
        refund_amount="10.00",
        reason_code="shared_fault",
        rationale=RATIONALE,
        rules_applied="Quality claims, section 3.",
        evidence_ids=list(Evidence.objects.filter(dispute=dispute).values_list("pk", flat=True)),
    )
    return Dispute.objects.get(pk=dispute.pk)


def queries_of(client, method: str, url: str) -> tuple[int, object]:
    # Warms the session and the caches (the seller's reputation) as a visit before would.
    client.get(url if method == "get" else reverse("disputes:list"))
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url)
    assert response.status_code == 200, response.status_code
    return len(queries), response


def test_query_counts_stay_constant_with_1_and_with_20_cited_items(
    settings, tmp_path, buyer, mediator, signing_key
):
    settings.MEDIA_ROOT = tmp_path / "media"
    seller = SellerFactory(email="sigrid@example.com")
    counts: dict[str, list[int]] = {"detail": [], "pdf": [], "disagree": [], "case_file": []}
    for n in (1, 20):
        dispute = decided_with(n, buyer, seller, mediator)
        while sign_pending():
            pass
        ref = dispute.reference
        client = client_for(buyer)
        for key, method, name in (
            ("detail", "get", "disputes:detail"),
            ("pdf", "get", "disputes:decision_pdf"),
            ("disagree", "get", "disputes:if_you_disagree"),
            ("case_file", "post", "disputes:case_file"),
        ):
            number, _response = queries_of(client, method, reverse(name, args=[ref]))
            counts[key].append(number)
        text = pdf_text(client.get(reverse("disputes:decision_pdf", args=[ref])).content)
        # Every cited item is in the PDF, with its hash.
        assert text.count("(buyer)SHA-256") == n
    # The dispute page: user with the bell's count, the dispute with order/parties/store/
    # mediator, events, offers, evidence, decisions, the evidence they cite, messages,
    # refunds (a resolved case), and the seller's reputation (cached after the first view).
    # Its "Your record" links add none. Then the order's conversation (issue 15 item 1)
    # and the read of the thread's new messages (the viewer has unread notifications).
    assert counts["detail"] == [11, 11], counts
    # The PDF: user with the bell's count (the session is cached), the dispute, the
    # decisions, the evidence they cite, the items the buyer may see, the appeals, the
    # latest signed leaf with its checkpoint, the leaves of that checkpoint.
    assert counts["pdf"] == [8, 8]
    # If you disagree: user with the bell's count, the dispute (what the buyer may do now
    # is read from its row).
    assert counts["disagree"] == [2, 2], counts
    # The case file: user, the dispute; the export event (savepoint, the row lock, the
    # count of the buyer's items, update the head, insert the event, release); then the
    # events, decisions, the evidence they cite, appeals, the dispute, the buyer's
    # messages, the buyer's evidence, the latest signed leaf, that checkpoint's leaves.
    assert counts["case_file"] == [17, 17], counts
