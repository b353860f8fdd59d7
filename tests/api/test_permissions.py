"""The permission matrix: every endpoint x (buyer, other buyer, seller, other seller,
mediator, senior, anonymous, revoked token) x the expected status.

Foreign objects answer 404 (never 403), anonymous calls and revoked tokens 401,
and lists never contain foreign rows.
"""

from __future__ import annotations

from io import BytesIO

import pytest

from disputes import services
from disputes.models import Notification, Offer
from evidence.services import evidence_add
from integrations.tokens import token_issue, token_revoke
from tests.api.conftest import api_for
from tests.conftest import open_dispute
from tests.factories import BuyerFactory, SellerFactory, full_order

pytestmark = pytest.mark.django_db

ROLES = ("buyer", "other_buyer", "seller", "other_seller", "mediator", "senior", "anon", "revoked")


@pytest.fixture
def world(buyer, other_buyer, seller, other_seller, mediator, senior, settings, tmp_path):
    """A formal dispute under review (so the platform sees it) with an offer, a message,
    an evidence item and a notification; and another buyer's case with another seller."""
    settings.MEDIA_ROOT = tmp_path
    order = full_order(buyer=buyer, seller=seller)
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    dispute = services.dispute_make_offer(
        dispute=dispute, actor=seller, outcome="partial_refund", amount="20.00"
    )
    services.message_post(dispute=dispute, actor=buyer, body="Not enough.")
    upload = BytesIO(b"Packing list\n")
    upload.name = "list.txt"
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = evidence_add(
        dispute=dispute,
        actor=seller,
        upload=SimpleUploadedFile("list.txt", b"Packing list\n", "text/plain"),
    )
    dispute = services.dispute_escalate(
        dispute=dispute, actor=buyer, justification="We cannot agree at all."
    )
    foreign_order = full_order(buyer=other_buyer, seller=other_seller)
    foreign = services.dispute_submit(dispute=open_dispute(foreign_order), actor=other_buyer)
    revoked_user = BuyerFactory()
    token, key = token_issue(user=revoked_user)
    token_revoke(user=revoked_user, token_id=token.pk)
    people = {
        "buyer": buyer,
        "other_buyer": other_buyer,
        "seller": seller,
        "other_seller": other_seller,
        "mediator": mediator,
        "senior": senior,
    }
    clients = {name: api_for(user) for name, user in people.items()}
    clients["anon"] = api_for(None)
    clients["revoked"] = api_for(revoked_user, token=key)
    return {
        "order": order,
        "dispute": dispute,
        "foreign": foreign,
        "offer": Offer.objects.filter(dispute=dispute).first(),
        "item": item,
        "notification": Notification.objects.filter(recipient=seller).first(),
        "clients": clients,
    }


PARTIES_AND_PLATFORM = {
    "buyer": 200,
    "other_buyer": 404,
    "seller": 200,
    "other_seller": 404,
    "mediator": 200,
    "senior": 200,
    "anon": 401,
    "revoked": 401,
}
ORDER_PARTIES = {**PARTIES_AND_PLATFORM, "mediator": 404, "senior": 404}
EVERYONE = {name: 200 for name in ROLES} | {"anon": 401, "revoked": 401}

GETS = {
    "orders/": EVERYONE,
    "orders/{order}/": ORDER_PARTIES,
    "orders/{order_id}/": ORDER_PARTIES,
    "disputes/": EVERYONE,
    "disputes/{ref}/": PARTIES_AND_PLATFORM,
    "disputes/{id}/": PARTIES_AND_PLATFORM,
    "disputes/{ref}/offers/": PARTIES_AND_PLATFORM,
    "disputes/{ref}/events/": PARTIES_AND_PLATFORM,
    "disputes/{ref}/messages/": PARTIES_AND_PLATFORM,
    "disputes/{ref}/evidence/": PARTIES_AND_PLATFORM,
    "disputes/{ref}/evidence/{item}/download/": PARTIES_AND_PLATFORM,
    "notifications/": EVERYONE,
    "webhooks/endpoints/": {name: 404 for name in ROLES}
    | {"seller": 200, "other_seller": 200, "anon": 401, "revoked": 401},
    "webhooks/deliveries/": {name: 404 for name in ROLES}
    | {"seller": 200, "other_seller": 200, "anon": 401, "revoked": 401},
}


def _url(template: str, world) -> str:
    return "/api/v1/" + template.format(
        order=world["order"].reference,
        order_id=world["order"].pk,
        ref=world["dispute"].reference,
        id=world["dispute"].pk,
        item=world["item"].pk,
    )


@pytest.mark.parametrize("template", list(GETS))
def test_every_read_answers_by_role(world, template):
    got = {role: world["clients"][role].get(_url(template, world)).status_code for role in ROLES}
    assert got == GETS[template]


@pytest.mark.parametrize(
    "path", ["disputes/", "orders/", "notifications/", "disputes/?state=under_review"]
)
def test_lists_never_contain_foreign_rows(world, path):
    mine = {
        "buyer": world["dispute"],
        "seller": world["dispute"],
        "other_buyer": world["foreign"],
        "other_seller": world["foreign"],
    }
    for role, own in mine.items():
        rows = world["clients"][role].get("/api/v1/" + path).json()["results"]
        refs = {r.get("reference") or r.get("dispute") for r in rows}
        if path.startswith("orders"):
            assert refs <= {own.order.reference}, role
        else:
            assert refs <= {own.reference}, role
    for role in ("mediator", "senior"):
        rows = world["clients"][role].get("/api/v1/" + path).json()["results"]
        if path.startswith("disputes"):
            # The platform sees cases under review, never a case still between the parties.
            assert world["foreign"].reference not in {r["reference"] for r in rows}
        elif path.startswith("orders"):
            assert rows == []


# Every POST: outsiders get 404 (or 401) and nothing changes.
POSTS = [
    f"disputes/{{ref}}/{name.replace('_', '-')}/"
    for name in __import__("disputes.api.actions", fromlist=["ACTIONS"]).ACTIONS
] + ["disputes/{ref}/messages/", "disputes/{ref}/evidence/"]
OUTSIDERS = {"other_buyer": 404, "other_seller": 404, "anon": 401, "revoked": 401}


@pytest.mark.parametrize("template", POSTS)
def test_outsiders_cannot_act_on_a_case(world, template):
    dispute = world["dispute"]
    before = (dispute.state, dispute.version, dispute.event_count)
    body = {
        "offer": world["offer"].pk,
        "body": "hello",
        "note": "x",
        "justification": "Long enough justification.",
        "party": "buyer",
        "question": "Why?",
        "answer": "Because.",
        "explanation": "A long enough explanation for the appeal.",
        "reason": "no",
    }
    got = {
        role: world["clients"][role].post(_url(template, world), body, format="json").status_code
        for role in OUTSIDERS
    }
    assert got == OUTSIDERS
    dispute.refresh_from_db()
    assert (dispute.state, dispute.version, dispute.event_count) == before


def test_a_forged_or_malformed_id_is_404_not_500(world):
    client = world["clients"]["buyer"]
    for ident in ("DSP-NOPE1234", "999999999", "9" * 40, "%00", "DSP-%00", "..%2f", "é"):
        assert client.get(f"/api/v1/disputes/{ident}/").status_code == 404, ident
        assert client.get(f"/api/v1/orders/{ident}/").status_code == 404, ident


def test_notifications_are_only_their_recipients(world):
    notification = world["notification"]
    url = f"/api/v1/notifications/{notification.pk}/read/"
    for role in ("buyer", "other_seller", "mediator"):
        answer = world["clients"][role].post(url)
        assert answer.status_code == 404
        assert answer.json() == {"code": "not_found", "detail": "Not found."}
    assert world["clients"]["anon"].post(url).status_code == 401
    read = world["clients"]["seller"].post(url)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None


def test_replaying_someone_elses_webhook_delivery_is_404(world, seller, other_seller):
    from integrations.models import WebhookDelivery
    from integrations.webhooks.services import endpoint_create

    endpoint = endpoint_create(seller=seller, url="http://127.0.0.1:9/hook")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=world["dispute"].events.first(),
        message_id="msg_x",
        event_type="dispute.created",
        payload={},
    )
    url = f"/api/v1/webhooks/deliveries/{delivery.pk}/replay/"
    assert world["clients"]["other_seller"].post(url).status_code == 404
    assert world["clients"]["buyer"].post(url).status_code == 404


def test_other_sellers_never_see_the_order(world):
    assert SellerFactory  # the factory the fixtures use
    got = world["clients"]["other_seller"].get(f"/api/v1/orders/{world['order'].pk}/")
    assert got.status_code == 404
