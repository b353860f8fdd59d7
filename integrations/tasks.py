from __future__ import annotations

from celery import shared_task

from integrations import idempotency, webhooks


@shared_task(name="integrations.fan_out_event")
def fan_out_event(event_id: int) -> int:
    return len(webhooks.fan_out(event_id))


@shared_task(name="integrations.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    delivery = webhooks.attempt(delivery_id)
    return delivery.status if delivery else "skipped"


@shared_task(name="integrations.sweep_webhooks")
def sweep_webhooks() -> int:
    """The outbox sweep: fan-outs and deliveries that a lost task left behind."""
    return webhooks.fan_out_missed() + webhooks.sweep()


@shared_task(name="integrations.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()
