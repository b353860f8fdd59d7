"""Seller reputation (SPEC section 2): the "how to avoid disputes" advice made visible."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

WINDOW = timedelta(days=90)
# The seller's first move on a case: an answer, an offer, or a message.
FIRST_RESPONSE_KINDS = ("accept_claim", "reject_claim", "make_offer", "message")


@dataclass(frozen=True)
class Reputation:
    orders: int
    disputes: int
    resolved: int
    amicable: int
    median_first_response_hours: float | None

    @property
    def dispute_rate(self) -> float | None:
        return self.disputes / self.orders if self.orders else None

    @property
    def amicable_share(self) -> float | None:
        return self.amicable / self.resolved if self.resolved else None


def seller_reputation(seller_id: int) -> Reputation:
    """The last 90 days; kept ten minutes in the cache (it changes slowly, and every
    order and dispute page shows it)."""
    key = f"reputation:{seller_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    reputation = _compute(seller_id)
    cache.set(key, reputation, 600)
    return reputation


def _compute(seller_id: int) -> Reputation:
    from disputes.models import Dispute, DisputeEvent
    from orders.models import Order

    since = timezone.now() - WINDOW
    orders = Order.objects.filter(seller_id=seller_id, placed_at__gte=since).count()
    disputes = Dispute.objects.filter(seller_id=seller_id, submitted_at__gte=since)
    counts = list(disputes.values_list("resolution_kind", "submitted_at", "pk"))
    resolved = [kind for kind, _at, _pk in counts if kind]
    amicable = [kind for kind in resolved if kind in ("claim_accepted", "amicable")]
    submitted = {pk: at for _kind, at, pk in counts}
    first: dict[int, object] = {}
    for dispute_id, created_at in (
        DisputeEvent.objects.filter(
            dispute_id__in=submitted, actor_id=seller_id, kind__in=FIRST_RESPONSE_KINDS
        )
        .order_by("dispute_id", "seq")
        .values_list("dispute_id", "created_at")
    ):
        first.setdefault(dispute_id, created_at)
    hours = [
        (first[pk] - submitted[pk]).total_seconds() / 3600  # type: ignore[operator]
        for pk in first
    ]
    return Reputation(
        orders=orders,
        disputes=len(counts),
        resolved=len(resolved),
        amicable=len(amicable),
        median_first_response_hours=statistics.median(hours) if hours else None,
    )
