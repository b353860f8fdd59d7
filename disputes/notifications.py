"""Who hears about an event, and what they read (SPEC section 7).

``notify`` writes the in-app notifications in the same transaction as the
event; their emails go out after commit from a Celery task per batch
(disputes/notification_emails.py), and a periodic sweep sends whatever the
fast path missed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import notification_emails
from disputes.choices import NotificationCategory, Visibility
from disputes.models import Dispute, DisputeEvent, Notification, NotificationPreference

CATEGORY_OF_KIND = {
    "make_offer": NotificationCategory.OFFERS,
    "request_refund": NotificationCategory.OFFERS,
    "decline_offer": NotificationCategory.OFFERS,
    "accept_offer": NotificationCategory.OFFERS,
    "refund_succeeded": NotificationCategory.OFFERS,
    "refund_failed": NotificationCategory.OFFERS,
    "message": NotificationCategory.MESSAGES,
    "evidence_added": NotificationCategory.EVIDENCE,
    "reminder": NotificationCategory.DEADLINES,
}

# What each event says, in a line; {ref} is the dispute's reference.
TITLES = {
    "created": "{ref}: dispute drafted",
    "submit": "{ref}: a new dispute was opened",
    "accept_claim": "{ref}: the seller accepted the claim",
    "reject_claim": "{ref}: the seller rejected the claim",
    "make_offer": "{ref}: a new offer",
    "request_refund": "{ref}: the buyer requested a refund",
    "decline_offer": "{ref}: the offer was declined",
    "accept_offer": "{ref}: the offer was accepted",
    "escalate": "{ref}: switched to a formal dispute",
    "seller_silence": "{ref}: the seller did not respond in time",
    "negotiation_timeout": "{ref}: the negotiation ran out of time; the platform reviews the case",
    "request_info": "{ref}: the mediator asks for information",
    "provide_info": "{ref}: information provided to the mediator",
    "info_timeout": "{ref}: the requested information did not come in time",
    "review_overdue": "{ref}: the review is overdue",
    "decide": "{ref}: the platform decided",
    "appeal": "{ref}: the decision was appealed",
    "finalize": "{ref}: the decision is final",
    "decide_appeal": "{ref}: the appeal was decided",
    "ship_return": "{ref}: the return was shipped",
    "confirm_return": "{ref}: the return arrived",
    "report_return_problem": "{ref}: a problem with the return was reported",
    "forfeit_return": "{ref}: the return was not shipped in time",
    "ship_replacement": "{ref}: the replacement was shipped",
    "replacement_timeout": "{ref}: the replacement was not shipped in time",
    "complete": "{ref}: the refund was paid and the case is closed",
    "cancel": "{ref}: the dispute was cancelled",
    "message": "{ref}: new message",
    "note": "{ref}: private note added",
    "reminder": "{ref}: reminder, a deadline is near",
    "refund_succeeded": "{ref}: refund paid",
    "refund_failed": "{ref}: a refund could not be paid",
    "evidence_added": "{ref}: new evidence",
    "assigned": "{ref}: case assigned",
}


def title_for(kind: str, reference: str) -> str:
    return _(TITLES.get(kind, "{ref}: case updated")).format(ref=reference)


def concerned(dispute: Dispute, visibility: str) -> set[int]:
    """Everyone an event of this visibility concerns (before removing the actor)."""
    people: set[int] = set()
    if visibility in (Visibility.ALL, Visibility.BUYER):
        people.add(dispute.buyer_id)
    # The seller knows nothing of a dispute until it is submitted.
    if visibility in (Visibility.ALL, Visibility.SELLER) and dispute.submitted_at is not None:
        people.add(dispute.seller_id)
    if dispute.assigned_mediator_id is not None:
        people.add(dispute.assigned_mediator_id)
    return people


def notify(
    dispute: Dispute,
    event: DisputeEvent,
    *,
    recipients: Iterable[int] | None = None,
    body: str = "",
) -> list[Notification]:
    """One in-app notification per concerned person (never the actor); emails after commit.

    Two queries: the recipients' email preferences, and one insert.
    """
    if event.visibility in (Visibility.ALL, Visibility.SELLER):
        # Sellers' webhooks (integrations app): fanned out by a task after commit.
        transaction.on_commit(lambda: _enqueue_webhooks(event.pk))
    if recipients is None:
        recipients = concerned(dispute, event.visibility)
    people = sorted(set(recipients) - {event.actor_id})
    if not people:
        return []
    category = CATEGORY_OF_KIND.get(event.kind, NotificationCategory.CASE)
    email_off = set(
        NotificationPreference.objects.filter(
            user_id__in=people, category=category, email=False
        ).values_list("user_id", flat=True)
    )
    title = title_for(event.kind, dispute.reference)
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient_id=person,
            event=event,
            dispute_id=dispute.pk,
            category=category,
            title=title,
            body=body,
            created_at=now,
            email_status=Notification.EmailStatus.OFF
            if person in email_off
            else Notification.EmailStatus.PENDING,
        )
        for person in people
    )
    to_email = [n.pk for n in notifications if n.email_status == Notification.EmailStatus.PENDING]
    if to_email:
        transaction.on_commit(lambda: _enqueue_emails(to_email))
    return notifications


def _enqueue_webhooks(event_id: int) -> None:
    from integrations.webhooks import on_event

    on_event(event_id)


def _enqueue_emails(notification_ids: list[int]) -> None:
    # In batches, one task each; what the broker refuses the outbox sweep sends.
    notification_emails.enqueue(notification_ids)
