"""Sellers' webhooks: signed with Standard Webhooks, retried with backoff, replayable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from disputes import services
from integrations.models import WebhookDelivery
from integrations.webhooks import services as webhooks
from integrations.webhooks.selectors import SELLER_VISIBLE
from mediation.services import case_take
from tests.api.conftest import api_for
from tests.conftest import client_for, open_dispute

pytestmark = pytest.mark.django_db


class Receiver:
    """A seller's system on 127.0.0.1: records every request, answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(seller, receiver):
    answer = api_for(seller).post(
        "/api/v1/webhooks/endpoints/", {"url": receiver.url, "description": "ERP"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["secret"].startswith("whsec_")
    return answer.json()


def _submit(order, buyer, capture):
    with capture(execute=True):
        draft = open_dispute(order)
    with capture(execute=True):
        return services.dispute_submit(dispute=draft, actor=buyer)


def test_a_dispute_event_reaches_the_seller_signed_with_the_endpoint_secret(
    endpoint, receiver, order, buyer, django_capture_on_commit_callbacks
):
    dispute = _submit(order, buyer, django_capture_on_commit_callbacks)
    # The draft was the buyer's alone: only the submission is sent.
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    # Verified as a receiver would, with the secret the seller was given ...
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert payload["type"] == "dispute.submit"
    assert payload["data"]["dispute"]["reference"] == dispute.reference
    assert payload["data"]["event"]["to_state"] == "awaiting_seller"
    # ... and by hand: v1, base64 HMAC-SHA256 of "id.timestamp.body".
    key = base64.b64decode(endpoint["secret"].removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body.decode()}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    # A wrong secret does not verify.
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + base64.b64encode(b"x" * 24).decode()).verify(body, headers)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded"
    assert delivery.message_id == headers["webhook-id"]


def test_events_only_for_the_buyer_are_not_sent(
    endpoint, receiver, order, buyer, seller, mediator, django_capture_on_commit_callbacks
):
    dispute = _submit(order, buyer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_reject_claim(dispute=dispute, actor=seller)
        dispute = services.dispute_escalate(
            dispute=dispute, actor=buyer, justification="We cannot agree at all."
        )
        dispute = case_take(dispute=dispute, actor=mediator)
        services.dispute_request_info(
            dispute=dispute, actor=mediator, party="buyer", question="When did it arrive?"
        )
    kinds = [json.loads(body)["type"] for _, body in receiver.requests]
    assert kinds == ["dispute.submit", "dispute.reject_claim", "dispute.escalate"]


def test_a_failing_receiver_gets_retries_then_the_delivery_is_failed(
    endpoint, receiver, order, buyer, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0]
    receiver.status = 500
    _submit(order, buyer, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    # Every attempt is the same message: receivers can drop duplicates.
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == 3
    assert delivery.last_status_code == 500


def test_retries_back_off_and_the_sweep_sends_what_is_due(
    endpoint, receiver, order, buyer, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS = [60, 600]
    receiver.status = 503
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _submit(order, buyer, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == 1
        assert delivery.status == "pending"
        assert delivery.next_attempt_at == timezone.now() + timedelta(seconds=60)
        assert webhooks.sweep() == 0  # not due yet
        traveller.shift(timedelta(seconds=61))
        receiver.status = 200
        assert webhooks.sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2


def test_the_seller_replays_a_failed_delivery(
    endpoint, receiver, order, buyer, seller, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS = []
    receiver.status = 500
    _submit(order, buyer, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    receiver.status = 204
    client = api_for(seller)
    log = client.get("/api/v1/webhooks/deliveries/").json()["results"]
    assert [(d["id"], d["status"]) for d in log] == [(delivery.pk, "failed")]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/replay/")
    assert answer.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert [h["webhook-id"] for h, _ in receiver.requests] == [delivery.message_id] * 2
    # And from the delivery log page, with its Replay button.
    page = client_for(seller).get("/account/webhooks/")
    assert page.status_code == 200
    assert b"Replay" in page.content
    assert delivery.message_id.encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        replayed = client_for(seller).post(f"/account/webhooks/deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 302
    assert len(receiver.requests) == 3


def test_only_sellers_have_webhooks_and_urls_are_checked(buyer, seller):
    assert client_for(buyer).get("/account/webhooks/").status_code == 404
    bad = api_for(seller).post("/api/v1/webhooks/endpoints/", {"url": "ftp://x"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"url": ["Enter an http(s) URL."]}


def test_private_addresses_are_refused_outside_tests(settings, seller, order, buyer, receiver):
    # Registered while allowed; refused at delivery once it is not (registration
    # refuses it too: tests/security/test_webhook_ssrf.py).
    endpoint = webhooks.endpoint_create(seller=seller, url=receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    settings.WEBHOOK_RETRY_DELAYS = []
    webhooks.fan_out(dispute.events.order_by("seq").last().pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed"
    assert "non-public" in delivery.last_error
    assert receiver.requests == []


def test_the_sweep_fans_out_an_event_whose_task_was_lost(endpoint, receiver, order, buyer):
    # No on-commit callbacks run here: as if the broker was down at the commit.
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    assert receiver.requests == []
    assert webhooks.fan_out_missed() == 0  # too young: its task may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert webhooks.fan_out_missed() == 1
        assert webhooks.fan_out_missed() == 0  # once
    assert [json.loads(body)["type"] for _, body in receiver.requests] == ["dispute.submit"]
    assert WebhookDelivery.objects.get().event.dispute == dispute


def test_a_batch_of_events_goes_out_a_task_per_chunk_each_event_once(
    endpoint, receiver, order, buyer, seller, monkeypatch, django_capture_on_commit_callbacks
):
    # The deadline sweep hands its events over in one call; chunks of two here,
    # so that three events take the chunked path (two tasks).
    dispute = _submit(order, buyer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        dispute = services.dispute_reject_claim(dispute=dispute, actor=seller)
        services.message_post(dispute=dispute, actor=seller, body="We shipped it as ordered.")
    events = list(dispute.events.order_by("seq").values_list("pk", flat=True))
    assert len(events) >= 3
    monkeypatch.setattr(webhooks, "EVENTS_PER_TASK", 2)
    receiver.requests.clear()
    WebhookDelivery.objects.all().delete()
    webhooks.on_events(events)
    # Every event the seller may see, once; the draft's creation is not sent.
    sent = [json.loads(body)["type"] for _, body in receiver.requests]
    assert sorted(sent) == sorted(WebhookDelivery.objects.values_list("event_type", flat=True))
    assert "dispute.submit" in sent
    assert "dispute.reject_claim" in sent
    for_seller = (
        dispute.events.filter(pk__in=events, visibility__in=SELLER_VISIBLE)
        .exclude(to_state="draft")
        .count()
    )
    assert len(sent) == for_seller >= 3
    # Run again (a retried task): nothing is delivered twice.
    webhooks.on_events(events)
    assert len(receiver.requests) == len(sent)
