"""The parties' record through the API (SPEC 13.4): the decision PDF and the party's case
file answer the dispute's buyer and seller only, as the pages do; everyone else gets the
JSON 404 of a dispute that does not exist, and leaves no trace."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from disputes.models import Dispute, DisputeEvent
from tests.api.conftest import api_for
from tests.conftest import open_dispute
from tests.disputes.party_record_case import RATIONALE, SELLER_ONLY, decided_case, pdf_text
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(settings, tmp_path, order, buyer, seller, mediator) -> Dispute:
    settings.MEDIA_ROOT = tmp_path / "media"
    return decided_case(order, buyer=buyer, seller=seller, mediator=mediator)


def pdf_url(dispute: Dispute, by: str = "reference") -> str:
    ident = dispute.reference if by == "reference" else dispute.pk
    return f"/api/v1/disputes/{ident}/decision-pdf/"


def case_file_url(dispute: Dispute) -> str:
    return f"/api/v1/disputes/{dispute.reference}/case-file/"


@pytest.mark.parametrize("by", ["reference", "id"])
def test_a_party_gets_the_decision_pdf_by_reference_or_id(case, buyer, by):
    response = api_for(buyer).get(pdf_url(case, by), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'{case.reference}-decision.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert f"Decisionondispute{case.reference}" in text
    assert "".join(RATIONALE.split()) in text


def test_without_a_decision_the_api_says_so(submitted, buyer):
    response = api_for(buyer).get(pdf_url(submitted), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "no_decision"
    assert "has not decided" in response.json()["detail"]


def test_the_seller_posts_for_their_copy_of_the_case_file(case, seller):
    response = api_for(seller).post(case_file_url(case))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        messages = json.loads(archive.read("messages.json"))
    assert manifest["scope"] == "seller"
    assert SELLER_ONLY in [m["body"] for m in messages]
    event = DisputeEvent.objects.filter(dispute=case).latest("seq")
    assert (event.kind, event.actor_id, event.visibility) == (
        "case_file_exported",
        seller.pk,
        "seller",
    )


def test_each_post_is_a_new_export_even_with_the_same_idempotency_key(case, buyer):
    client = api_for(buyer)
    for _ in range(2):
        response = client.post(case_file_url(case), HTTP_IDEMPOTENCY_KEY="same-key")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
    exports = DisputeEvent.objects.filter(dispute=case, kind="case_file_exported")
    assert exports.count() == 2


@pytest.mark.parametrize("who", ["other_buyer", "other_seller", "mediator", "senior", "stranger"])
def test_nobody_else_gets_the_record_and_a_probe_leaves_no_trace(case, who, request):
    user = BuyerFactory() if who == "stranger" else request.getfixturevalue(who)
    client = api_for(user)
    before = DisputeEvent.objects.filter(dispute=case).count()
    for response in (
        client.get(pdf_url(case)),
        client.get(pdf_url(case, "id")),
        client.post(case_file_url(case)),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert DisputeEvent.objects.filter(dispute=case).count() == before


def test_anonymous_calls_are_401(case):
    assert api_for(None).get(pdf_url(case)).status_code == 401
    assert api_for(None).post(case_file_url(case)).status_code == 401


def test_a_draft_is_not_the_sellers_to_export(order, buyer, seller):
    draft = open_dispute(order)
    response = api_for(seller).post(case_file_url(draft))
    assert response.status_code == 404
    # The buyer's own draft: their copy (nothing decided yet, no PDF).
    assert api_for(buyer).post(case_file_url(draft)).status_code == 200
    assert api_for(buyer).get(pdf_url(draft)).json()["code"] == "no_decision"


def test_options_describe_the_calls_without_an_error(case, buyer):
    client = api_for(buyer)
    assert client.options(case_file_url(case)).status_code == 200
    assert client.options(pdf_url(case)).status_code == 200
