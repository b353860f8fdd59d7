"""The viewer's own notifications: marking them read (the bell, the API)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from accounts.models import User
from disputes.models import Notification


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read (once); anyone else's is 404."""
    notification = (
        Notification.objects.filter(pk=notification_id, recipient=user)
        .select_related("dispute")
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification
