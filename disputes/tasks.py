"""Background work: each task takes ids and calls one service (ARCHITECTURE rule 6)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from disputes import notification_emails
from disputes.choices import RefundStatus
from disputes.models import Notification, Refund
from disputes.payments import GatewayError

log = logging.getLogger(__name__)

# A sending claim older than this is taken to belong to a dead worker.
STALE_CLAIM = timedelta(minutes=10)
# Emails still pending this long after their event missed the fast path.
OUTBOX_GRACE = timedelta(seconds=30)


@shared_task(name="disputes.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    from disputes.services.deadlines import sweep

    result = sweep(batch=settings.DEADLINE_SWEEP_BATCH)
    return {
        "timeouts": result.timeouts,
        "reminders": result.reminders,
        "skipped": len(result.skipped),
    }


@shared_task(name="disputes.sign_checkpoints")
def sign_checkpoints() -> int:
    """Sign the chain heads that changed since the last checkpoint (disputes/checkpoints.py)."""
    from disputes.checkpoints import sign_pending

    return sign_pending()


@shared_task(name="disputes.send_notification_emails", ignore_result=True)
def send_notification_emails(notification_ids: list[int]) -> None:
    """Send a batch of notification emails, each once (disputes/notification_emails.py).

    Nobody reads the result: it is not stored. The ones that failed are
    retried in a batch of their own after a backoff, so the others of the
    batch are neither failed nor sent again.
    """
    outcome = notification_emails.deliver(notification_ids)
    for attempts, ids in sorted(outcome.retry.items()):
        try:
            send_notification_emails.apply_async(
                (ids,), countdown=notification_emails.backoff(attempts)
            )
        except Exception:
            # They are pending again: the outbox sweep sends them later.
            log.warning("could not enqueue the retry of notifications %s", ids, exc_info=True)


@shared_task(name="disputes.send_notification_email", ignore_result=True)
def send_notification_email(notification_id: int) -> None:
    """The one-email task of earlier releases: what was queued before a deploy still goes out."""
    send_notification_emails([notification_id])


@shared_task(name="disputes.deliver_pending_notifications")
def deliver_pending_notifications() -> int:
    """The outbox sweep: emails whose task never ran (broker down, worker crashed)."""
    now = timezone.now()
    # A claim by a worker that died mid-send goes back to pending.
    Notification.objects.filter(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - STALE_CLAIM
    ).update(email_status=Notification.EmailStatus.PENDING, email_claimed_at=None)
    pending = list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.PENDING, created_at__lt=now - OUTBOX_GRACE
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    notification_emails.enqueue(pending)
    return len(pending)


@shared_task(name="disputes.execute_refund", bind=True, max_retries=None)
def execute_refund(self, refund_id: int) -> str:  # type: ignore[no-untyped-def]
    """Pay one refund through the gateway; retried with backoff, the idempotency key
    making a repeated call harmless."""
    from disputes.services import refunds

    if not refunds.claim(refund_id):
        return "not pending"
    try:
        refunds.pay(refund_id)
    except GatewayError as exc:
        attempts = Refund.objects.values_list("attempts", flat=True).get(pk=refund_id)
        if attempts > settings.REFUND_MAX_RETRIES:
            refunds.give_up(refund_id, str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=min(2**attempts, 600)) from exc
    return "paid"


@shared_task(name="disputes.resume_refunds")
def resume_refunds() -> int:
    """Refunds left pending (never enqueued) or processing by a dead worker."""
    stale = timezone.now() - STALE_CLAIM
    Refund.objects.filter(status=RefundStatus.PROCESSING, updated_at__lt=stale).update(
        status=RefundStatus.PENDING
    )
    pending = list(
        Refund.objects.filter(
            status=RefundStatus.PENDING, updated_at__lt=timezone.now() - OUTBOX_GRACE
        ).values_list("pk", flat=True)[:500]
    )
    for pk in pending:
        execute_refund.delay(pk)
    return len(pending)
