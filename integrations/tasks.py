from __future__ import annotations

import logging

from celery import shared_task

from integrations import idempotency
from integrations.webhooks import services as webhooks
from integrations.webhooks.transport import attempt

logger = logging.getLogger(__name__)


@shared_task(name="integrations.fan_out_event")
def fan_out_event(event_id: int) -> int:
    return len(webhooks.fan_out(event_id))


# Nobody waits for its result (see disputes.send_notification_emails).
@shared_task(name="integrations.fan_out_events", ignore_result=True)
def fan_out_events(event_ids: list[int]) -> int:
    """Many events' fan-outs (the deadline sweep's batch queues one message per
    EVENTS_PER_TASK). One that fails is left to the outbox sweep, as a lost task."""
    created = 0
    for pk in event_ids:
        try:
            created += len(webhooks.fan_out(pk))
        except Exception:
            logger.exception("webhook fan-out of event %s failed", pk)
    return created


@shared_task(name="integrations.touch_token", ignore_result=True)
def touch_token(token_id: int, used_at: str) -> None:
    """Record when a token was last used (for the account page), off the request:
    a later moment never goes back to an earlier one."""
    from django.db.models import Q

    from integrations.models import ApiToken

    ApiToken.objects.filter(pk=token_id).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=used_at)
    ).update(last_used_at=used_at)


@shared_task(name="integrations.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    delivery = attempt(delivery_id)
    return delivery.status if delivery else "skipped"


@shared_task(name="integrations.sweep_webhooks")
def sweep_webhooks() -> int:
    """The outbox sweep: fan-outs and deliveries that a lost task left behind."""
    return webhooks.fan_out_missed() + webhooks.sweep()


@shared_task(name="integrations.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()


@shared_task(name="integrations.poll_carriers", ignore_result=True)
def poll_carriers() -> int:
    """What the carrier backend says of the parcels not yet delivered (issue 15 item 6)."""
    from integrations.carriers import services as carriers

    return carriers.poll()
