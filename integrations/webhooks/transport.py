"""One delivery attempt: signed (Standard Webhooks), sent only to a vetted public address
(``integrations.outbound``), retried with backoff through Celery."""

from __future__ import annotations

import http.client
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from integrations import outbound
from integrations.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)


def enqueue(delivery_id: int, countdown: float = 0) -> None:
    from integrations.tasks import deliver_webhook

    try:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
    except Exception:
        # The row stays pending; the sweep delivers it.
        logger.warning("could not enqueue webhook delivery %s", delivery_id, exc_info=True)


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
