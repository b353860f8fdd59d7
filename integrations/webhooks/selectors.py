"""What a seller's webhooks may carry and show: the events a seller sees, the payload of
one, a seller's deliveries."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import User
from disputes.choices import Visibility
from disputes.models import DisputeEvent
from integrations.models import WebhookDelivery

# What a seller's system may see: what the seller sees in the timeline.
SELLER_VISIBLE = (Visibility.ALL, Visibility.SELLER)


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


def deliveries_for(seller: User) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint__seller=seller)
        .select_related("endpoint", "event", "event__dispute")
        .order_by("-created_at", "-id")
    )
