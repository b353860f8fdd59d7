"""The demo's past: closed cases over the last 90 days, so that the dashboard's
medians, the time per stage and the sellers' median first response show real
figures (issue 15 item 7).

Each case is written through the real services at the moments it happened: the
clock is moved (time-machine) to each step, so every event is chained at its own
time and nothing is backdated afterwards (the triggers of the record would refuse
it, and the audit would catch it). Each case has its own order
(``orders.demo.HISTORY_ORDERS``) and is created only if that order has no
dispute yet, so a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import time_machine
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Offer
from orders.demo import HISTORY_DAYS_AGO
from orders.models import Order

Path = Callable[[Dispute, dict[str, User], datetime, int], None]


@contextmanager
def _at(when: datetime) -> Iterator[None]:
    # The clock stands still at each step: what a service does at "now" (its
    # event, its deadline, a refund paid on commit) happens at that moment.
    with time_machine.travel(when, tick=False):
        yield


def _hours(n: float) -> timedelta:
    return timedelta(hours=n)


def _seller_answers_after(i: int) -> timedelta:
    # From 5 hours to about 2.5 days, well inside the 3 days the seller has.
    return _hours(5 + (i * 13) % 58)


def _offer(d: Dispute, p: dict[str, User], share: str, note: str) -> Dispute:
    amount = (d.claimed_amount * Decimal(share)).quantize(Decimal("0.01"))
    return services.dispute_make_offer(
        dispute=d, actor=p["seller"], outcome="partial_refund", amount=str(amount), note=note
    )


def _agreed(d: Dispute, p: dict[str, User], t: datetime, i: int) -> None:
    t += _seller_answers_after(i)
    with _at(t):
        d = _offer(d, p, "0.7", "Sorry about that: we refund 70 % for the broken units.")
    t += _hours(3 + (i * 7) % 30)
    with _at(t):
        services.message_post(dispute=d, actor=p["buyer"], body="Thank you, that is fair.")
    t += _hours(1)
    with _at(t):
        offer = Offer.objects.get(dispute=d, status="open")
        services.dispute_accept_offer(dispute=d, actor=p["buyer"], offer=offer.pk)


def _accepted(d: Dispute, p: dict[str, User], t: datetime, i: int) -> None:
    t += _seller_answers_after(i)
    with _at(t):
        services.dispute_accept_claim(dispute=d, actor=p["seller"])


def _cancelled(d: Dispute, p: dict[str, User], t: datetime, i: int) -> None:
    t += _hours(2 + i % 20)
    with _at(t):
        services.dispute_cancel(
            dispute=d, actor=p["buyer"], reason="The seller sent the missing units after all."
        )


def _decided(d: Dispute, p: dict[str, User], t: datetime, i: int) -> None:
    t += _seller_answers_after(i)
    with _at(t):
        d = _offer(d, p, "0.2", "We can refund 20 %; the rest arrived usable.")
    t += _hours(20 + i % 24)
    with _at(t):
        d = services.dispute_escalate(
            dispute=d,
            actor=p["buyer"],
            justification="Most of the units are broken; 20 % does not cover the loss.",
        )
    if d.assigned_mediator_id is None:
        from mediation.services import case_take

        with _at(t + _hours(1)):
            d = case_take(dispute=d, actor=p["mediator"])
    assert d.assigned_mediator_id is not None
    mediator = User.objects.get(pk=d.assigned_mediator_id)
    t += timedelta(days=1 + i % 4, hours=3)
    with _at(t):
        d = services.dispute_decide(
            dispute=d,
            actor=mediator,
            outcome="partial_refund",
            refund_amount=str((d.claimed_amount * Decimal("0.6")).quantize(Decimal("0.01"))),
            reason_code="evidence_supports_buyer",
            rules_applied="Goods must arrive fit for use (terms 4.2).",
            rationale="The photos show most units broken in transit; the packing was too thin.",
        )
    # Nobody appealed: the decision became final when the window ended.
    assert d.deadline_at is not None
    with _at(d.deadline_at + timedelta(minutes=1)):
        services.dispute_finalize(dispute=d)


PATHS: dict[str, Path] = {
    "agreed": _agreed,
    "accepted": _accepted,
    "cancelled": _cancelled,
    "decided": _decided,
}


def seed_history(orders: dict[str, Order], users: dict[str, User]) -> int:
    """Write the past cases that are missing; returns how many. Their times count
    back from now, with each order's delivery a few days before its dispute."""
    now = timezone.now()
    created = 0
    # The past is not mailed to anyone.
    with override_settings(
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    ):
        for i, (name, days_ago) in enumerate(HISTORY_DAYS_AGO.items()):
            order = orders[name]
            if order.disputes.exists():
                continue
            start = now - timedelta(days=days_ago, hours=(i * 5) % 9)
            people = {"buyer": order.buyer, "seller": order.seller}
            people["mediator"] = users["mediator@example.com"]
            _past_case(order, name.rsplit("-", 1)[1], people, start, i)
            created += 1
    return created


def _past_case(order: Order, path: str, p: dict[str, User], start: datetime, i: int) -> None:
    full = path == "accepted"
    claimed = order.amount_paid if full else (order.amount_paid / 2).quantize(Decimal("0.01"))
    with _at(start):
        d = services.dispute_create(
            order=order,
            actor=p["buyer"],
            type="quality",
            reason="damaged",
            description="Several units arrived broken; the outer carton was crushed.",
            claimed_amount=str(claimed),
            requested_outcome="full_refund" if full else "partial_refund",
            facts={"received_on": (start - timedelta(days=2)).date().isoformat()},
        )
    start += _hours(1)
    with _at(start):
        d = services.dispute_submit(dispute=d, actor=p["buyer"])
    PATHS[path](d, p, start, i)
