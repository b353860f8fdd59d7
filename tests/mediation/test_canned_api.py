"""Canned replies through the API: mediators read the library and get a reply filled
for a dispute, then send it with the existing message and request-info calls;
parties get 403 (before any dispute is looked up), anonymous callers 401."""

from __future__ import annotations

import pytest

from disputes.models import Message
from mediation import canned_services
from mediation.models import MediatorProfile
from tests.api.conftest import api_for
from tests.factories import BuyerFactory, SellerFactory, full_order
from tests.mediation.conftest import escalated, on_roster

pytestmark = pytest.mark.django_db

BODY = "Dear {buyer_name}, the refund for {order} is {refund_amount}; claimed {claimed_amount}."


@pytest.fixture
def world(lead, mediator, senior):
    # Mia alone takes cases (the lead's fixture puts the lead on the roster).
    MediatorProfile.objects.filter(user=lead).update(active=False)
    on_roster(mediator)
    buyer = BuyerFactory(name="Bea Buyer")
    seller = SellerFactory(name="Sam Seller")
    case = escalated(full_order(buyer=buyer, seller=seller))
    assert case.assigned_mediator_id == mediator.pk
    reply = canned_services.canned_reply_create(actor=lead, title="Refund", body=BODY)
    retired = canned_services.canned_reply_create(actor=lead, title="Old", body="Old.")
    canned_services.canned_reply_retire(actor=lead, reply=retired)
    foreign = escalated(full_order())
    return {
        "case": case,
        "reply": reply,
        "retired": retired,
        "foreign": foreign,
        "buyer": buyer,
        "seller": seller,
    }


def test_a_mediator_reads_the_library_in_use(world, mediator):
    answer = api_for(mediator).get("/api/v1/canned-replies/")
    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    row = answer.json()["results"][0]
    assert (row["title"], row["body"], row["updated_by"]["name"]) == ("Refund", BODY, "Lena Lead")


def test_a_mediator_gets_a_reply_filled_for_the_dispute_and_sends_it(world, mediator):
    case, reply = world["case"], world["reply"]
    client = api_for(mediator)
    answer = client.get(f"/api/v1/disputes/{case.reference}/canned-replies/{reply.pk}/")
    assert answer.status_code == 200
    text = answer.json()["text"]
    assert text == (
        f"Dear Bea Buyer, the refund for {case.order.reference} is (no refund set yet); "
        f"claimed {case.claimed_amount:,} USD."
    )
    assert answer.json()["dispute"] == case.reference
    # By id as well as by reference, like every dispute path.
    by_id = client.get(f"/api/v1/disputes/{case.pk}/canned-replies/{reply.pk}/")
    assert by_id.json()["text"] == text
    sent = client.post(
        f"/api/v1/disputes/{case.reference}/messages/",
        {"body": text, "visibility": "buyer"},
        format="json",
    )
    assert sent.status_code == 201
    assert Message.objects.get(dispute=case).body == text


@pytest.mark.parametrize("who", ["buyer", "seller", "other_buyer"])
def test_parties_are_refused_the_library_and_the_filled_reply(world, who):
    user = {"buyer": world["buyer"], "seller": world["seller"]}.get(who) or BuyerFactory()
    client = api_for(user)
    case, reply = world["case"], world["reply"]
    assert client.get("/api/v1/canned-replies/").status_code == 403
    answer = client.get(f"/api/v1/disputes/{case.reference}/canned-replies/{reply.pk}/")
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
    assert "Bea Buyer" not in answer.content.decode()
    # The same answer for a case that does not exist: nothing to probe.
    missing = client.get(f"/api/v1/disputes/DSP-NOPE0000/canned-replies/{reply.pk}/")
    assert missing.status_code == 403


def test_anonymous_callers_get_401(world):
    client = api_for(None)
    assert client.get("/api/v1/canned-replies/").status_code == 401
    case, reply = world["case"], world["reply"]
    assert (
        client.get(f"/api/v1/disputes/{case.reference}/canned-replies/{reply.pk}/").status_code
        == 401
    )


def test_a_retired_or_unknown_reply_or_dispute_is_404(world, mediator, senior):
    client = api_for(mediator)
    case = world["case"]
    for path in (
        f"/api/v1/disputes/{case.reference}/canned-replies/{world['retired'].pk}/",
        f"/api/v1/disputes/{case.reference}/canned-replies/999999/",
        f"/api/v1/disputes/{case.reference}/canned-replies/99999999999999999999/",
        f"/api/v1/disputes/DSP-NOPE0000/canned-replies/{world['reply'].pk}/",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
    # Any mediator reads the platform's cases, so a senior may fill it too; sending
    # is still only for the case's own mediator (the message service decides).
    other = api_for(senior)
    path = f"/api/v1/disputes/{world['foreign'].reference}/canned-replies/{world['reply'].pk}/"
    assert other.get(path).status_code == 200


@pytest.mark.parametrize("replies", [1, 30])
def test_the_api_costs_the_same_with_1_or_30_replies(
    replies, world, lead, mediator, django_assert_num_queries
):
    for n in range(replies - 1):
        canned_services.canned_reply_create(actor=lead, title=f"Reply {n}", body="Hi {order}.")
    client = api_for(mediator)
    # the token with its user, its "last used" (written on its first call); the
    # count, the page of replies with who changed them
    with django_assert_num_queries(4):
        listed = client.get("/api/v1/canned-replies/")
    assert listed.json()["count"] == replies
    case, reply = world["case"], world["reply"]
    # the token with its user; the dispute with its order, parties and store; the reply
    with django_assert_num_queries(3):
        filled = client.get(f"/api/v1/disputes/{case.reference}/canned-replies/{reply.pk}/")
    assert filled.status_code == 200
