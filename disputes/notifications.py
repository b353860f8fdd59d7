"""Who hears about an event, and what they read (SPEC section 7).

``notify`` writes the in-app notifications in the same transaction as the
event; their emails go out after commit from a Celery task per batch
(disputes/notification_emails.py), and a periodic sweep sends whatever the
fast path missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import notification_emails
from disputes.choices import NotificationCategory, Visibility
from disputes.models import Dispute, DisputeEvent, Notification, NotificationPreference
from disputes.workflow import TRANSITIONS

if TYPE_CHECKING:
    from orders.models import OrderMessage

CATEGORY_OF_KIND = {
    "make_offer": NotificationCategory.OFFERS,
    "request_refund": NotificationCategory.OFFERS,
    "decline_offer": NotificationCategory.OFFERS,
    "accept_offer": NotificationCategory.OFFERS,
    "refund_succeeded": NotificationCategory.OFFERS,
    "refund_failed": NotificationCategory.OFFERS,
    "refund_retried": NotificationCategory.OFFERS,
    "refund_paid_outside": NotificationCategory.OFFERS,
    "message": NotificationCategory.MESSAGES,
    "evidence_added": NotificationCategory.EVIDENCE,
    "reminder": NotificationCategory.DEADLINES,
    "extend_deadline": NotificationCategory.DEADLINES,
}

# What each event says, in a line; {ref} is the dispute's reference: the transitions'
# from the workflow table (``Transition.notice``), the other events' here.
TITLES = {
    **{name: t.notice for name, t in TRANSITIONS.items()},
    "created": "{ref}: dispute drafted",
    "message": "{ref}: new message",
    "note": "{ref}: private note added",
    "reminder": "{ref}: reminder, a deadline is near",
    "refund_succeeded": "{ref}: refund paid",
    "refund_failed": "{ref}: a refund could not be paid; the payments team has it",
    "refund_retried": "{ref}: the refund is being tried again",
    "refund_paid_outside": "{ref}: the refund was paid outside the platform",
    "evidence_added": "{ref}: new evidence",
    "assigned": "{ref}: case assigned",
    "order_corrected": "{ref}: the platform corrected the order's amounts",
    "carrier_update": "{ref}: news from the carrier",
}


def title_for(kind: str) -> str:
    """The notification's title, translated, with ``{ref}`` for the case's reference."""
    return _(TITLES.get(kind, "{ref}: case updated"))


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


@dataclass
class Notice:
    """An event to tell ``people`` about (already resolved: see ``recipients_of``)."""

    dispute: Dispute
    event: DisputeEvent
    people: list[int]
    body: str = ""


def recipients_of(
    dispute: Dispute, event: DisputeEvent, recipients: Iterable[int] | None = None
) -> list[int]:
    """Who is told of ``event``: ``recipients`` or everyone it concerns, never its actor."""
    if recipients is None:
        recipients = concerned(dispute, event.visibility)
    return sorted(set(recipients) - {event.actor_id})


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
    return notify_many([Notice(dispute, event, recipients_of(dispute, event, recipients), body)])


def notify_many(notices: Sequence[Notice]) -> list[Notification]:
    """``notify`` for many events at once (the deadline sweep's batch), in the same
    two queries whatever their number: everyone's preferences, one insert."""
    webhook_events = [
        n.event.pk for n in notices if n.event.visibility in (Visibility.ALL, Visibility.SELLER)
    ]
    if webhook_events:
        # Sellers' webhooks (integrations app): fanned out by a task after commit.
        transaction.on_commit(lambda: _enqueue_webhooks(webhook_events))
    notices = [n for n in notices if n.people]
    if not notices:
        return []
    categories = {
        n.event.pk: CATEGORY_OF_KIND.get(n.event.kind, NotificationCategory.CASE) for n in notices
    }
    email_off = set(
        NotificationPreference.objects.filter(
            user_id__in={p for n in notices for p in n.people},
            category__in=set(categories.values()),
            email=False,
        ).values_list("user_id", "category")
    )
    now = timezone.now()
    # Translated once per kind, not once per notification (the sweep writes
    # thousands of the same two).
    titles = {kind: title_for(kind) for kind in {n.event.kind for n in notices}}
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient_id=person,
            event_id=n.event.pk,
            dispute_id=n.dispute.pk,
            category=categories[n.event.pk],
            title=titles[n.event.kind].format(ref=n.dispute.reference),
            body=n.body,
            created_at=now,
            email_status=Notification.EmailStatus.OFF
            if (person, categories[n.event.pk]) in email_off
            else Notification.EmailStatus.PENDING,
        )
        for n in notices
        for person in n.people
    )
    to_email = [n.pk for n in notifications if n.email_status == Notification.EmailStatus.PENDING]
    if to_email:
        transaction.on_commit(lambda: _enqueue_emails(to_email))
    return notifications


def notify_order_message(message: OrderMessage, *, recipient: int, from_seller: bool) -> None:
    """The other party of an order's conversation is told as for a dispute's message: in
    the bell, and by email unless they turned message emails off. Two queries."""
    category = NotificationCategory.MESSAGES
    email_off = NotificationPreference.objects.filter(
        user_id=recipient, category=category, email=False
    ).exists()
    title = (
        _("{ref}: new message from the seller")
        if from_seller
        else _("{ref}: new message from the buyer")
    )
    body = message.body if len(message.body) <= 300 else message.body[:299] + "…"
    notification = Notification.objects.create(
        recipient_id=recipient,
        order_message=message,
        order_id=message.order_id,
        category=category,
        title=title.format(ref=message.order.reference),
        body=body,
        created_at=message.created_at,
        email_status=Notification.EmailStatus.OFF
        if email_off
        else Notification.EmailStatus.PENDING,
    )
    if not email_off:
        transaction.on_commit(lambda: _enqueue_emails([notification.pk]))


def _enqueue_webhooks(event_ids: list[int]) -> None:
    from integrations.webhooks.services import on_events

    on_events(event_ids)


def _enqueue_emails(notification_ids: list[int]) -> None:
    # In batches, one task each (the sweep's thousands too); what the broker
    # refuses the outbox sweep sends.
    notification_emails.enqueue(notification_ids)
