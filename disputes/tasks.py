"""Background work: each task takes ids and calls one service (ARCHITECTURE rule 6)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

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


class RetryLater(Exception):
    """The send failed and may be tried again in ``countdown`` seconds."""

    def __init__(self, countdown: int) -> None:
        super().__init__(countdown)
        self.countdown = countdown


@shared_task(
    name="disputes.send_notification_email",
    bind=True,
    max_retries=None,  # bounded below by NOTIFICATION_EMAIL_MAX_RETRIES
)
def send_notification_email(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send one notification's email, once; retried with backoff."""
    try:
        return deliver_notification_email(notification_id)
    except RetryLater as later:
        raise self.retry(exc=later.__cause__, countdown=later.countdown) from later.__cause__


# Nobody waits for its result: without one, queueing it is one round trip to
# Redis, not two (the result backend subscribes to every result it may be asked for).
@shared_task(name="disputes.send_notification_emails", ignore_result=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Many notifications' emails, one after the other: what the deadline sweep's
    batch queues, a message per EMAILS_PER_TASK rather than one each. One whose
    send fails is retried by its own task, with the same backoff."""
    for pk in notification_ids:
        try:
            deliver_notification_email(pk)
        except RetryLater as later:
            try:
                send_notification_email.apply_async((pk,), countdown=later.countdown)
            except Exception:
                # The row is pending again: the outbox sweep sends it later.
                log.warning("could not enqueue the retry of %s", pk, exc_info=True)
    return len(notification_ids)


def deliver_notification_email(notification_id: int) -> str:
    """Claim, send and record one notification's email; RetryLater when it failed
    and has attempts left (the row is pending again).

    The claim (pending → sending) is a compare-and-set, so two workers, or the
    task and the outbox sweep, never both send it.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.PENDING
    ).update(
        email_status=Notification.EmailStatus.SENDING,
        email_claimed_at=now,
        email_attempts=F("email_attempts") + 1,
    )
    if not claimed:
        return "not pending"
    notification = Notification.objects.select_related("recipient", "dispute").get(
        pk=notification_id
    )
    try:
        _send(notification)
    except Exception as exc:
        if notification.email_attempts >= settings.NOTIFICATION_EMAIL_MAX_RETRIES + 1:
            Notification.objects.filter(pk=notification_id).update(
                email_status=Notification.EmailStatus.FAILED
            )
            log.error(
                "notification %s: giving up after %s attempts",
                notification_id,
                notification.email_attempts,
            )
            return "failed"
        Notification.objects.filter(
            pk=notification_id, email_status=Notification.EmailStatus.SENDING
        ).update(email_status=Notification.EmailStatus.PENDING, email_claimed_at=None)
        raise RetryLater(min(2**notification.email_attempts, 300)) from exc
    Notification.objects.filter(pk=notification_id).update(
        email_status=Notification.EmailStatus.SENT, emailed_at=timezone.now()
    )
    return "sent"


def _send(notification: Notification) -> None:
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "dispute": notification.dispute,
        "url": f"{settings.SITE_URL.rstrip('/')}/disputes/{notification.dispute.reference}/",
    }
    message = EmailMultiAlternatives(
        subject=f"[Disputes] {notification.title}",
        body=render_to_string("disputes/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(
        render_to_string("disputes/email/notification.html", context), "text/html"
    )
    message.send()


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
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in pending:
        send_notification_email.delay(pk)
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
