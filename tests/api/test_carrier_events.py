"""POST /api/v1/carrier-events/ (issue 15 item 6): a tracking service's signed news of
a dispute's return or replacement. Signed as Standard Webhooks are; a bad or stale
signature is refused, a repeated message has no second effect, hostile input is a
400 and never a 500."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from disputes import services
from disputes.models import Dispute, DisputeEvent, Offer
from integrations.models import CarrierShipment, CarrierWebhookMessage
from tests.api.conftest import api_for

pytestmark = pytest.mark.django_db

SECRET = "whsec_" + base64.b64encode(b"carrier-secret-of-24byte").decode()
URL = "/api/v1/carrier-events/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET


@pytest.fixture
def shipped(submitted, buyer, seller):
    """A replacement on its way (DHL JD014600): the buyer waits for it."""
    d = services.dispute_make_offer(
        dispute=submitted, actor=seller, outcome="replacement", amount="0"
    )
    offer = Offer.objects.get(dispute=d, status="open")
    d = services.dispute_accept_offer(dispute=d, actor=buyer, offer=offer.pk)
    return services.dispute_ship_replacement(
        dispute=d, actor=seller, carrier="DHL", tracking_number="JD014600"
    )


def _payload(**overrides):
    body = {
        "tracking_number": "JD014600",
        "carrier": "DHL",
        "status": "delivered",
        "occurred_at": timezone.now().isoformat(),
    }
    body.update(overrides)
    return body


def _post(body, *, secret=SECRET, message_id=None, at=None, raw=None, headers=None):
    data = raw if raw is not None else json.dumps(body)
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    when = at or datetime.now(tz=UTC)
    signed = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(
            msg_id=message_id,
            timestamp=when,
            data=data if isinstance(data, str) else data.decode("utf-8", "replace"),
        ),
    }
    signed.update(headers or {})
    return APIClient().post(
        URL,
        data=data,
        content_type="application/json",
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed.items()},
    )


def test_a_signed_delivery_starts_the_buyer_s_wait_for_the_replacement(shipped):
    answer = _post(_payload())
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"status": "accepted", "shipments": ["delivered"]}
    d = Dispute.objects.get(pk=shipped.pk)
    assert (d.state, d.settlement, d.deadline_rule) == (
        "resolved",
        "replacement_receipt",
        "replacement_receipt",
    )
    assert DisputeEvent.objects.filter(dispute=d, kind="carrier_delivered").count() == 1


def test_the_timeline_in_the_api_shows_the_carrier_s_news(shipped, buyer):
    assert _post(_payload(status="in_transit")).status_code == 200
    events = api_for(buyer).get(f"/api/v1/disputes/{shipped.reference}/events/").json()
    rows = events["results"] if isinstance(events, dict) else events
    news = [e for e in rows if e["kind"] == "carrier_update"]
    assert len(news) == 1
    assert news[0]["details"]["status"] == "in_transit"
    assert news[0]["details"]["tracking_number"] == "JD014600"


def test_the_same_message_twice_has_no_second_effect(shipped):
    message_id = "msg_repeat_1"
    assert _post(_payload(status="in_transit"), message_id=message_id).status_code == 200
    events = Dispute.objects.get(pk=shipped.pk).event_count
    again = _post(_payload(status="exception"), message_id=message_id)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert Dispute.objects.get(pk=shipped.pk).event_count == events


def test_a_wrong_signature_is_refused_and_changes_nothing(shipped):
    other = "whsec_" + base64.b64encode(b"somebody-elses-secret-24").decode()
    answer = _post(_payload(), secret=other)
    assert answer.status_code == 401
    assert answer.json()["code"] == "bad_signature"
    assert Dispute.objects.get(pk=shipped.pk).event_count == shipped.event_count
    assert not CarrierWebhookMessage.objects.exists()


def test_an_old_message_replayed_is_refused(shipped):
    # Signed correctly, ten minutes ago: outside the five minutes' tolerance.
    answer = _post(_payload(), at=datetime.now(tz=UTC) - timedelta(minutes=10))
    assert answer.status_code == 401
    assert Dispute.objects.get(pk=shipped.pk).settlement == "replacement_receipt"
    assert not DisputeEvent.objects.filter(dispute=shipped, kind="carrier_delivered").exists()


def test_a_captured_message_sent_again_later_is_refused(shipped):
    """The same bytes and headers, replayed ten minutes after they were sent."""
    when = datetime.now(tz=UTC)
    body = json.dumps(_payload(status="in_transit"))
    assert _post(None, raw=body, message_id="msg_captured", at=when).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        answer = _post(None, raw=body, message_id="msg_captured", at=when)
    assert answer.status_code == 401


def test_a_message_without_signature_headers_is_refused(shipped):
    answer = APIClient().post(URL, data=_payload(), format="json")
    assert answer.status_code == 401


def test_an_unknown_tracking_number_is_ignored_without_a_trace(shipped):
    answer = _post(_payload(tracking_number="NOT-OURS-1"))
    assert (answer.status_code, answer.json()) == (202, {"status": "ignored"})
    assert not CarrierWebhookMessage.objects.exists()
    assert Dispute.objects.get(pk=shipped.pk).event_count == shipped.event_count


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe not utf-8",
        "not json",
        "[1, 2, 3]",
        "null",
        "{}",
        json.dumps(
            {"tracking_number": "JD014600", "status": "lost", "occurred_at": "2026-12-05T10:00:00Z"}
        ),
        json.dumps(
            {"tracking_number": "JD014600", "status": "delivered", "occurred_at": "yesterday"}
        ),
        json.dumps(
            {
                "tracking_number": "JD014600",
                "status": "delivered",
                "occurred_at": "2026-12-05T10:00:00",
            }
        ),
        json.dumps(
            {
                "tracking_number": "J" * 65,
                "status": "delivered",
                "occurred_at": "2026-12-05T10:00:00Z",
            }
        ),
        json.dumps(
            {
                "tracking_number": ["JD014600"],
                "status": "delivered",
                "occurred_at": "2026-12-05T10:00:00Z",
            }
        ),
        json.dumps(
            {
                "tracking_number": "JD014600",
                "status": "delivered",
                "occurred_at": "2026-13-45T99:00:00Z",
            }
        ),
        "[" * 5000 + "]" * 5000,
        json.dumps(
            {
                "tracking_number": "JD\u0000",
                "status": "delivered",
                "occurred_at": "2026-12-05T10:00:00Z",
            }
        ),
    ],
)
def test_hostile_bodies_get_a_400_never_a_500(shipped, raw):
    answer = _post(None, raw=raw)
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "invalid"
    assert Dispute.objects.get(pk=shipped.pk).event_count == shipped.event_count


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-signature": "v1"},
        {"webhook-signature": "v1,***not base64***"},
        {"webhook-signature": "v2,abc v3,def"},
        {"webhook-timestamp": "soon"},
        {"webhook-timestamp": "nan"},
        {"webhook-timestamp": "1e400"},
        {"webhook-id": ""},
    ],
)
def test_malformed_signature_headers_get_a_401_never_a_500(shipped, headers):
    answer = _post(_payload(), headers=headers)
    assert answer.status_code == 401, answer.content


def test_an_overlong_message_id_is_refused(shipped):
    assert _post(_payload(), message_id="m" * 200).status_code == 400


def test_without_a_secret_the_webhook_is_off(shipped, settings):
    settings.CARRIER_WEBHOOK_SECRET = ""
    answer = _post(_payload())
    assert (answer.status_code, answer.json()["code"]) == (401, "bad_signature")
    assert not DisputeEvent.objects.filter(dispute=shipped, kind="carrier_delivered").exists()


def test_the_buyer_confirms_or_objects_through_the_api(shipped, buyer, seller):
    client = api_for(buyer)
    detail = client.get(f"/api/v1/disputes/{shipped.reference}/").json()
    assert set(detail["allowed_actions"]) >= {"confirm_replacement", "object_replacement"}
    assert (
        "confirm_replacement"
        not in api_for(seller)
        .get(f"/api/v1/disputes/{shipped.reference}/")
        .json()["allowed_actions"]
    )
    short = client.post(
        f"/api/v1/disputes/{shipped.reference}/object-replacement/", {"reason": "no"}, format="json"
    )
    assert short.status_code == 400
    done = client.post(
        f"/api/v1/disputes/{shipped.reference}/confirm-replacement/", {}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "closed"


def test_the_decide_action_takes_who_pays_to_ship_the_return(submitted, buyer, seller, mediator):
    from mediation.services import case_take

    d = services.dispute_reject_claim(dispute=submitted, actor=seller)
    d = services.dispute_escalate(dispute=d, actor=buyer, justification="We cannot agree at all.")
    case_take(dispute=d, actor=mediator)
    answer = api_for(mediator).post(
        f"/api/v1/disputes/{d.reference}/decide/",
        {
            "outcome": "return_and_refund",
            "refund_amount": "60.00",
            "reason_code": "shared_fault",
            "return_shipping_paid_by": "platform",
            "rationale": "The mugs should come back before the money goes out.",
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    events = api_for(buyer).get(f"/api/v1/disputes/{d.reference}/events/").json()
    rows = events["results"] if isinstance(events, dict) else events
    decide = next(e for e in rows if e["kind"] == "decide")
    assert decide["details"]["return_shipping_paid_by"] == "platform"
    wrong = api_for(mediator).post(
        f"/api/v1/disputes/{d.reference}/decide/",
        {"outcome": "return_and_refund", "return_shipping_paid_by": "courier"},
        format="json",
    )
    assert wrong.status_code in (400, 409)


def test_the_parcel_row_is_what_the_webhook_found(shipped):
    parcel = CarrierShipment.objects.get(dispute=shipped)
    _post(_payload(status="exception"))
    parcel.refresh_from_db()
    assert (parcel.status, parcel.delivered_at) == ("exception", None)
