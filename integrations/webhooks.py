"""Sellers' webhooks: dispute events sent as signed requests (Standard Webhooks).

The event row is the outbox (ARCHITECTURE rule 4): after a transaction that
appended an event commits, ``fan_out`` writes one ``WebhookDelivery`` per
active endpoint of the dispute's seller and enqueues its delivery; failed
attempts are retried with exponential backoff (``WEBHOOK_RETRY_DELAYS``);
the sweep picks up whatever a crashed worker or a broker outage left behind.

Signing: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` =
``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` keyed with the
endpoint's secret (the ``standardwebhooks`` package does the HMAC).

Where requests may go (public addresses only, no redirect, one deadline, a
capped answer): ``integrations.outbound``, at registration and at each attempt.
"""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder
from standardwebhooks.webhooks import Webhook

from accounts.models import User
from disputes.choices import DisputeState, Visibility
from disputes.errors import InvalidInput
from disputes.models import DisputeEvent
from integrations import outbound
from integrations.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# What a seller's system may see: what the seller sees in the timeline.
SELLER_VISIBLE = (Visibility.ALL, Visibility.SELLER)
MAX_ENDPOINTS = 10


# --- endpoints ---------------------------------------------------------------


def endpoint_create(*, seller: User, url: str, description: str = "") -> WebhookEndpoint:
    if not seller.is_seller:
        raise InvalidInput("Only sellers register webhook endpoints.", field="url")
    url = (url or "").strip()
    # Checked as a delivery checks it (SSRF): the seller learns now, next to the
    # field, that a host is refused. Deliveries check again: DNS answers change.
    outbound.vet_url(url)
    if WebhookEndpoint.objects.filter(seller=seller, is_active=True).count() >= MAX_ENDPOINTS:
        raise InvalidInput(f"At most {MAX_ENDPOINTS} endpoints.", field="url")
    return WebhookEndpoint.objects.create(
        seller=seller, url=url, description=(description or "").strip()[:200]
    )


def endpoint_disable(*, seller: User, endpoint_id: int) -> bool:
    return bool(
        WebhookEndpoint.objects.filter(pk=endpoint_id, seller=seller, is_active=True).update(
            is_active=False
        )
    )


# --- the payload --------------------------------------------------------------


def payload_for(event: DisputeEvent) -> dict[str, Any]:
    dispute = event.dispute
    data = {
        "type": f"dispute.{event.kind}",
        "timestamp": event.created_at.isoformat(),
        "data": {
            "dispute": {
                "id": dispute.pk,
                "reference": dispute.reference,
                "order_reference": dispute.order.reference,
                "state": dispute.state,
            },
            "event": {
                "seq": event.seq,
                "kind": event.kind,
                "actor_role": event.actor_role,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "details": event.details,
                "created_at": event.created_at.isoformat(),
                "hash": event.hash,
            },
        },
    }
    return json.loads(json.dumps(data, cls=JSONEncoder))


def fan_out(event_id: int) -> list[int]:
    """A delivery per active endpoint of the seller, once per event (safe to run twice)."""
    event = (
        DisputeEvent.objects.select_related("dispute", "dispute__order").filter(pk=event_id).first()
    )
    if event is None or event.visibility not in SELLER_VISIBLE:
        return []
    if event.to_state == DisputeState.DRAFT:
        return []  # the draft was the buyer's alone: the seller hears from submission on
    endpoints = WebhookEndpoint.objects.filter(
        seller_id=event.dispute.seller_id, is_active=True, created_at__lte=event.created_at
    )
    created = []
    payload = payload_for(event)
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    event=event,
                    message_id=f"msg_{uuid.uuid4().hex}",
                    event_type=payload["type"],
                    payload=payload,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            continue  # already fanned out
        created.append(delivery.pk)
    for pk in created:
        enqueue(pk)
    return created


def enqueue(delivery_id: int, countdown: float = 0) -> None:
    from integrations.tasks import deliver_webhook

    try:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
    except Exception:
        # The row stays pending; the sweep delivers it.
        logger.warning("could not enqueue webhook delivery %s", delivery_id, exc_info=True)


# Events per fan-out task when many are queued at once.
EVENTS_PER_TASK = 100


def on_event(event_id: int) -> None:
    """Called after the commit of every event: the fan-out runs in a task."""
    from integrations.tasks import fan_out_event

    try:
        fan_out_event.delay(event_id)
    except Exception:
        logger.warning("could not enqueue webhook fan-out of %s", event_id, exc_info=True)


def on_events(event_ids: list[int]) -> None:
    """``on_event`` for many events at once (the deadline sweep's batch): a few alone
    get a task each; more go a task per EVENTS_PER_TASK, so that queueing them does
    not cost the sweep a round trip to the broker per event."""
    from integrations.tasks import fan_out_events

    if len(event_ids) < EVENTS_PER_TASK:
        for pk in event_ids:
            on_event(pk)
        return
    for batch in itertools.batched(event_ids, EVENTS_PER_TASK):
        chunk = list(batch)
        try:
            fan_out_events.delay(chunk)
        except Exception:
            # The outbox sweep (fan_out_missed) fans them out later.
            logger.warning(
                "could not enqueue webhook fan-out of %s events", len(chunk), exc_info=True
            )


# --- delivery -------------------------------------------------------------------


def signed_headers(
    endpoint: WebhookEndpoint, message_id: str, body: str, when: datetime
) -> dict[str, str]:
    signature = Webhook(endpoint.secret).sign(msg_id=message_id, timestamp=when, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "Disputes-Webhooks/1",
    }


def attempt(delivery_id: int) -> WebhookDelivery | None:
    """One attempt: claimed by moving ``next_attempt_at`` forward, so two workers never send at once."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2))
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = json.dumps(delivery.payload, separators=(",", ":"))
    when = datetime.now(tz=UTC)
    headers = signed_headers(delivery.endpoint, delivery.message_id, body, when)
    status_code: int | None = None
    error = ""
    try:
        # Vetted again at each attempt, and sent to the address vetted now (outbound).
        target = outbound.vet_url(delivery.endpoint.url)
        status_code = outbound.post(
            target,
            body.encode(),
            headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=settings.WEBHOOK_MAX_RESPONSE_BYTES,
        )
    except outbound.UnsafeUrl as exc:
        error = exc.message
    except (OSError, ValueError, http.client.HTTPException) as exc:
        error = str(exc)[:500] or exc.__class__.__name__
    if status_code is not None and not 200 <= status_code < 300:
        # A redirect is not followed: the receiver cannot send the request elsewhere.
        error = f"HTTP {status_code}" + (
            " (redirects are not followed)" if 300 <= status_code < 400 else ""
        )
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": status_code,
        "last_error": error,
    }
    delays = settings.WEBHOOK_RETRY_DELAYS
    if status_code is not None and 200 <= status_code < 300:
        fields.update(
            status=WebhookDelivery.Status.SUCCEEDED,
            delivered_at=timezone.now(),
            last_error="",
            next_attempt_at=None,
        )
    elif attempts > len(delays):
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    else:
        fields["next_attempt_at"] = timezone.now() + timedelta(seconds=delays[attempts - 1])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    for key, value in fields.items():
        setattr(delivery, key, value)
    if delivery.status == WebhookDelivery.Status.PENDING:
        enqueue(delivery.pk, countdown=delays[attempts - 1])
    return delivery


def replay(*, seller: User, delivery_id: int) -> WebhookDelivery | None:
    """Send a delivery again (same message id: receivers drop duplicates), with fresh retries."""
    updated = WebhookDelivery.objects.filter(pk=delivery_id, endpoint__seller=seller).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if not updated:
        return None
    transaction.on_commit(lambda: enqueue(delivery_id))
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def deliveries_for(seller: User) -> Any:
    return (
        WebhookDelivery.objects.filter(endpoint__seller=seller)
        .select_related("endpoint", "event", "event__dispute")
        .order_by("-created_at", "-id")
    )


def fan_out_missed(*, within_hours: int = 24, limit: int = 500) -> int:
    """Events whose fan-out task was lost (a broker outage at commit): fanned out now.

    An event is missed when the seller has an active endpoint, older than the
    event, without a delivery of it. Events younger than a minute are left to
    their task.
    """
    now = timezone.now()
    lacking = WebhookEndpoint.objects.filter(
        is_active=True,
        seller_id=OuterRef("dispute__seller_id"),
        created_at__lte=OuterRef("created_at"),
    ).exclude(deliveries__event_id=OuterRef("pk"))
    missed = list(
        DisputeEvent.objects.filter(
            created_at__gte=now - timedelta(hours=within_hours),
            created_at__lte=now - timedelta(minutes=1),
            visibility__in=SELLER_VISIBLE,
        )
        .exclude(to_state=DisputeState.DRAFT)
        .filter(Exists(lacking))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in missed:
        fan_out(pk)
    return len(missed)


def sweep(limit: int = 200) -> int:
    """Deliveries due (a retry whose task was lost, a broker outage): enqueue them again."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        enqueue(pk)
    return len(due)
