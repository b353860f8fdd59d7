"""Webhook endpoints, and events fanned out into deliveries: the event row is the outbox
(ARCHITECTURE rule 4), the sweeps pick up what a lost task left behind."""

from __future__ import annotations

import itertools
import logging
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from disputes.choices import DisputeState
from disputes.errors import InvalidInput
from disputes.models import DisputeEvent
from integrations import outbound
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks.selectors import SELLER_VISIBLE, payload_for
from integrations.webhooks.transport import enqueue

logger = logging.getLogger(__name__)

MAX_ENDPOINTS = 10


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


def replay(*, seller: User, delivery_id: int) -> WebhookDelivery | None:
    """Send a delivery again (same message id: receivers drop duplicates), with fresh retries."""
    updated = WebhookDelivery.objects.filter(pk=delivery_id, endpoint__seller=seller).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if not updated:
        return None
    transaction.on_commit(lambda: enqueue(delivery_id))
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


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
