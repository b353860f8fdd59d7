"""Whole dispute journeys through the API only, each role with its own token.

Each step checks what the person would notice: the answer's state, who must
act next (``waiting_on``) and what they may do now (``allowed_actions``).
"""

from __future__ import annotations

import pytest

from tests.api.conftest import api_for
from tests.mediation.conftest import on_roster

pytestmark = pytest.mark.django_db

CLAIM = {
    "type": "quality",
    "reason": "damaged",
    "description": "Half of the mugs arrived broken.",
    "claimed_amount": "60.00",
    "requested_outcome": "partial_refund",
    "facts": {"received_on": "2026-01-01", "affected_quantity": "6"},
}


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def act(client, ref, action, body=None):
    return ok(client.post(f"/api/v1/disputes/{ref}/{action}/", body or {}, format="json"))


def view(client, ref):
    return ok(client.get(f"/api/v1/disputes/{ref}/"))


@pytest.fixture
def people(buyer, seller, mediator, senior):
    return {
        "buyer": api_for(buyer),
        "seller": api_for(seller),
        "mediator": api_for(mediator),
        "senior": api_for(senior),
    }


def open_and_submit(people, order):
    buyer = people["buyer"]
    orders = ok(buyer.get("/api/v1/orders/"))["results"]
    assert [o["reference"] for o in orders] == [order.reference]
    assert orders[0]["can_dispute"] is True
    draft = ok(buyer.post("/api/v1/disputes/", {**CLAIM, "order": order.pk}, format="json"), 201)
    assert draft["state"] == "draft"
    assert draft["allowed_actions"] == ["submit", "cancel"]
    ref = draft["reference"]
    # The seller sees nothing of a draft.
    assert people["seller"].get(f"/api/v1/disputes/{ref}/").status_code == 404
    submitted = act(buyer, ref, "submit")
    assert submitted["state"] == "awaiting_seller"
    assert submitted["waiting_on"] == "other_party"
    assert submitted["deadline_rule"].startswith("The seller has 3 days")
    return ref


def test_formal_journey_offer_counter_escalate_info_decide_appeal(people, order, mediator, senior):
    # On the roster: escalation assigns the case to Mia (fewest cases, lowest id) and
    # the appeal to Selma; only the assigned mediator acts on a case (SPEC 13.6).
    on_roster(mediator)
    on_roster(senior)
    buyer, seller, mediator, senior = (
        people["buyer"],
        people["seller"],
        people["mediator"],
        people["senior"],
    )
    ref = open_and_submit(people, order)
    assert view(seller, ref)["waiting_on"] == "you"
    assert set(view(seller, ref)["allowed_actions"]) == {
        "accept_claim",
        "reject_claim",
        "make_offer",
        "extend_deadline",
    }

    offered = act(seller, ref, "make-offer", {"outcome": "partial_refund", "amount": "20.00"})
    assert offered["state"] == "negotiating"
    assert offered["waiting_on"] == "other_party"
    as_buyer = view(buyer, ref)
    assert as_buyer["waiting_on"] == "you"
    assert {"accept_offer", "decline_offer", "make_offer", "escalate"} <= set(
        as_buyer["allowed_actions"]
    )

    # The buyer counters; the seller's offer is superseded.
    act(buyer, ref, "make-offer", {"outcome": "partial_refund", "amount": "45.00", "note": "45?"})
    offers = ok(buyer.get(f"/api/v1/disputes/{ref}/offers/"))["results"]
    assert [(o["party"], o["amount"], o["status"]) for o in offers] == [
        ("seller", "20.00", "superseded"),
        ("buyer", "45.00", "open"),
    ]
    assert view(seller, ref)["waiting_on"] == "you"

    escalated = act(seller, ref, "escalate", {"justification": "We cannot agree on the amount."})
    assert escalated["state"] == "under_review"
    assert view(buyer, ref)["waiting_on"] == "platform"
    assert view(mediator, ref)["waiting_on"] == "you"
    assert ref in [d["reference"] for d in ok(mediator.get("/api/v1/disputes/"))["results"]]

    asked = act(
        mediator, ref, "request-info", {"party": "seller", "question": "How were they packed?"}
    )
    assert asked["state"] == "awaiting_info"
    # The asked party answers, or takes more time once (SPEC 13.2).
    assert view(seller, ref)["allowed_actions"] == ["provide_info", "extend_deadline"]
    assert "provide_info" not in view(buyer, ref)["allowed_actions"]
    act(seller, ref, "provide-info", {"answer": "Bubble wrap and a double box."})

    from io import BytesIO

    packing = BytesIO(b"Packing list: 12 mugs, bubble wrap, one box.\n")
    packing.name = "packing.txt"
    item = ok(
        seller.post(f"/api/v1/disputes/{ref}/evidence/", {"file": packing}, format="multipart"),
        201,
    )
    # Evidence from another case cannot be cited.
    refused = mediator.post(
        f"/api/v1/disputes/{ref}/decide/",
        {
            "outcome": "partial_refund",
            "refund_amount": "40.00",
            "reason_code": "shared_fault",
            "rationale": "The packing was thin and the carrier rough: both share it.",
            "evidence_ids": [item["id"] + 10_000],
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "evidence_ids" in refused.json()["errors"]
    decided = act(
        mediator,
        ref,
        "decide",
        {
            "outcome": "partial_refund",
            "refund_amount": "40.00",
            "reason_code": "shared_fault",
            "rationale": "The packing was thin and the carrier rough: both share it.",
            "evidence_ids": [item["id"]],
        },
    )
    assert decided["state"] == "resolved"
    # Both parties read the reasoned decision, with the evidence it relied on.
    for party in (buyer, seller):
        events = ok(party.get(f"/api/v1/disputes/{ref}/events/"))["results"]
        decision = next(e for e in events if e["kind"] == "decide")["details"]
        assert decision["reason_code"] == "shared_fault"
        assert decision["rationale"].startswith("The packing was thin")
        assert [e["id"] for e in decision["evidence"]] == [item["id"]]
    assert decided["refund_amount"] == "40.00"
    assert view(buyer, ref)["allowed_actions"] == ["appeal"]

    appealed = act(
        buyer, ref, "appeal", {"explanation": "New photos show that every single mug broke."}
    )
    assert appealed["state"] == "appealed"
    # The mediator who decided never reviews the appeal.
    assert "decide_appeal" not in view(mediator, ref)["allowed_actions"]
    assert view(senior, ref)["allowed_actions"] == ["decide_appeal"]

    closed = act(
        senior,
        ref,
        "decide-appeal",
        {
            "result": "overturned",
            "outcome": "full_refund",
            "refund_amount": "120.00",
            "rationale": "The new photos show the whole order was lost.",
        },
    )
    assert closed["state"] == "closed"
    assert closed["outcome"] == "full_refund"
    assert closed["waiting_on"] == "nobody"
    assert closed["allowed_actions"] == []
    # The senior who decided the appeal still reads the closed case.
    assert view(senior, ref)["state"] == "closed"

    kinds = [e["kind"] for e in ok(buyer.get(f"/api/v1/disputes/{ref}/events/"))["results"]]
    assert kinds[:3] == ["created", "submit", "make_offer"]
    assert kinds[-2:] == ["appeal", "decide_appeal"]
    # The seller's answer to a question put to the seller is not the buyer's to read.
    assert "provide_info" not in kinds
    assert "provide_info" in [
        e["kind"] for e in ok(seller.get(f"/api/v1/disputes/{ref}/events/"))["results"]
    ]


def test_buyer_cancels_and_the_order_cannot_be_disputed_again(people, order):
    buyer = people["buyer"]
    ref = open_and_submit(people, order)
    cancelled = act(buyer, ref, "cancel", {"reason": "Sorted it out by phone."})
    assert cancelled["state"] == "cancelled"
    assert cancelled["allowed_actions"] == []
    detail = ok(buyer.get(f"/api/v1/orders/{order.reference}/"))
    assert detail["can_dispute"] is False
    assert detail["dispute_blocked_reason"]
    again = buyer.post("/api/v1/disputes/", {**CLAIM, "order": order.reference}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "not_allowed_now"


def test_seller_accepts_the_claim_and_the_refund_closes_the_case(
    people, order, django_capture_on_commit_callbacks
):
    ref = open_and_submit(people, order)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = act(people["seller"], ref, "accept-claim")
    assert accepted["state"] == "resolved"
    assert accepted["resolution_kind"] == "claim_accepted"
    # The refund task ran after the commit: the case closed.
    final = view(people["buyer"], ref)
    assert final["state"] == "closed"
    assert final["refund_amount"] == "60.00"


def test_buyer_requests_a_refund_and_the_seller_accepts_it(people, order):
    buyer, seller = people["buyer"], people["seller"]
    ref = open_and_submit(people, order)
    act(seller, ref, "reject-claim", {"note": "They were packed well."})
    act(buyer, ref, "request-refund", {"amount": "30.00", "rationale": "Six of twelve broke."})
    offer = ok(seller.get(f"/api/v1/disputes/{ref}/offers/"))["results"][-1]
    assert offer["is_refund_request"] is True
    resolved = act(seller, ref, "accept-offer", {"offer": offer["id"]})
    assert resolved["state"] == "resolved"
    assert resolved["resolution_kind"] == "amicable"


def test_messages_and_evidence_through_the_api(people, order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buyer, seller, mediator = people["buyer"], people["seller"], people["mediator"]
    ref = open_and_submit(people, order)
    sent = ok(
        buyer.post(f"/api/v1/disputes/{ref}/messages/", {"body": "Photos follow."}, format="json"),
        201,
    )
    assert sent["author_party"] == "buyer"
    assert [m["body"] for m in ok(seller.get(f"/api/v1/disputes/{ref}/messages/"))["results"]] == [
        "Photos follow."
    ]
    # Only mediators write to one party.
    refused = seller.post(
        f"/api/v1/disputes/{ref}/messages/", {"body": "psst", "visibility": "buyer"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "visibility": ["Only a mediator can write to one party only."]
    }

    from io import BytesIO

    text = BytesIO(b"Packing list: 12 mugs, 6 broken.\n")
    text.name = "packing.txt"
    item = ok(
        seller.post(
            f"/api/v1/disputes/{ref}/evidence/",
            {"file": text, "description": "Packing list"},
            format="multipart",
        ),
        201,
    )
    assert item["kind"] == "document"
    assert len(item["sha256"]) == 64
    download = buyer.get(item["download_url"])
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"Packing list: 12 mugs, 6 broken.\n"
    assert mediator.get(item["download_url"]).status_code == 404  # not a platform case yet

    empty = BytesIO(b"")
    empty.name = "empty.txt"
    refused = seller.post(f"/api/v1/disputes/{ref}/evidence/", {"file": empty}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["code"] in ("invalid", "evidence_refused")
