"""Demo disputes in every state, built through the real services.

Each scenario gets an order of its own (orders.demo.DISPUTE_ORDERS) and is
created only if that order has no dispute yet, so a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Offer
from evidence.demo import seed_evidence
from orders.models import Order

Scenario = Callable[[Dispute, dict[str, User]], Dispute]


def _submitted(d: Dispute, p: dict[str, User]) -> Dispute:
    return services.dispute_submit(dispute=d, actor=p["buyer"])


def _negotiating(d: Dispute, p: dict[str, User]) -> Dispute:
    d = _submitted(d, p)
    d = services.dispute_make_offer(
        dispute=d,
        actor=p["seller"],
        outcome="partial_refund",
        amount=_part(d, "0.3"),
        note="We can refund 30 % for the damaged units.",
    )
    services.message_post(
        dispute=d,
        actor=p["buyer"],
        body="More than half of the units are unusable; 30 % is not enough.",
    )
    return d


def _under_review(d: Dispute, p: dict[str, User]) -> Dispute:
    d = _negotiating(d, p)
    return services.dispute_escalate(
        dispute=d,
        actor=p["buyer"],
        justification="The seller will not go beyond 30 % although most units are broken.",
    )


def _working_mediator(d: Dispute, p: dict[str, User]) -> User:
    """Whoever the case was assigned to on escalation (the roster balances the load);
    with nobody free, the demo mediator takes it (only its mediator acts on a case)."""
    if d.assigned_mediator_id is None:
        from mediation.services import case_take

        case_take(dispute=d, actor=p["mediator"])
        d.assigned_mediator_id = p["mediator"].pk
        return p["mediator"]
    return User.objects.get(pk=d.assigned_mediator_id)


def _decided(d: Dispute, p: dict[str, User]) -> Dispute:
    d = _under_review(d, p)
    return services.dispute_decide(
        dispute=d,
        actor=_working_mediator(d, p),
        outcome="partial_refund",
        refund_amount=_part(d, "0.6"),
        reason_code="evidence_supports_buyer",
        rules_applied="Goods must arrive fit for use (terms 4.2); packing is the seller's duty.",
        rationale="The photos show most units broken in transit; the packing was too thin for the route.",
    )


def _part(d: Dispute, share: str) -> str:
    from decimal import Decimal

    return str((d.claimed_amount * Decimal(share)).quantize(Decimal("0.01")))


def _accepted_return(d: Dispute, p: dict[str, User]) -> Dispute:
    d = _submitted(d, p)
    d = services.dispute_make_offer(
        dispute=d,
        actor=p["seller"],
        outcome="return_and_refund",
        amount=d.claimed_amount,
        note="Send them back and we refund in full.",
    )
    offer = Offer.objects.get(dispute=d, status="open")
    return services.dispute_accept_offer(dispute=d, actor=p["buyer"], offer=offer.pk)


def _closed(d: Dispute, p: dict[str, User]) -> Dispute:
    d = _submitted(d, p)
    d = services.dispute_make_offer(
        dispute=d,
        actor=p["seller"],
        outcome="partial_refund",
        amount=_part(d, "0.5"),
        note="Half back.",
    )
    offer = Offer.objects.get(dispute=d, status="open")
    # The refund is paid inline in the demo (no broker), which closes the case.
    return services.dispute_accept_offer(dispute=d, actor=p["buyer"], offer=offer.pk)


SCENARIOS: dict[str, tuple[Scenario, str]] = {
    # name: (how to build it, the wanted outcome)
    "draft": (lambda d, p: d, "partial_refund"),
    "awaiting_seller_due": (_submitted, "full_refund"),
    "awaiting_seller": (_submitted, "partial_refund"),
    "negotiating": (_negotiating, "partial_refund"),
    "negotiating_due": (_negotiating, "partial_refund"),
    "under_review": (_under_review, "partial_refund"),
    "awaiting_info": (
        lambda d, p: services.dispute_request_info(
            dispute=(reviewed := _under_review(d, p)),
            actor=_working_mediator(reviewed, p),
            party="buyer",
            question="How many units were broken, and were the outer boxes damaged?",
        ),
        "partial_refund",
    ),
    "proposed": (
        lambda d, p: services.dispute_propose(
            dispute=(reviewed := _under_review(d, p)),
            actor=_working_mediator(reviewed, p),
            outcome="partial_refund",
            refund_amount=_part(reviewed, "0.5"),
            rationale="Half of the units arrived broken and the rest are usable: half the price back is fair to both.",
        ),
        "partial_refund",
    ),
    "resolved_appeal_window": (_decided, "partial_refund"),
    "resolved_return": (_accepted_return, "return_and_refund"),
    "appealed": (
        lambda d, p: services.dispute_appeal(
            dispute=_decided(d, p),
            actor=p["seller"],
            explanation="Our carrier's report shows the boxes arrived intact; the damage happened later.",
        ),
        "partial_refund",
    ),
    "closed": (_closed, "partial_refund"),
    "cancelled": (
        lambda d, p: services.dispute_cancel(
            dispute=_submitted(d, p), actor=p["buyer"], reason="The seller sent the missing units."
        ),
        "partial_refund",
    ),
}

# Cases whose galleries the demo fills (open ones, where evidence can be added).
WITH_EVIDENCE = (
    "under_review",
    "awaiting_info",
    "negotiating",
    "appealed",
    "draft",
    "awaiting_seller",
)

# Scenarios whose current deadline the demo puts in the past, so that
# `manage.py run_deadlines` (running beside the demo server) has work to show.
DUE = ("awaiting_seller_due", "negotiating_due")


def seed_disputes(orders: dict[str, Order], users: dict[str, User]) -> int:
    people = {"mediator": users["mediator@example.com"]}
    created = 0
    # The seeded history is not mailed to anyone.
    with override_settings(
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    ):
        for name, (build, outcome) in SCENARIOS.items():
            order = orders[name]
            if order.disputes.exists():
                continue
            roles = {**people, "buyer": order.buyer, "seller": order.seller}
            dispute = services.dispute_create(
                order=order,
                actor=order.buyer,
                type="quality",
                reason="damaged",
                description="Several units arrived broken; the outer carton was crushed on one side.",
                claimed_amount=order.amount_paid if outcome != "partial_refund" else _half(order),
                requested_outcome=outcome,
                facts={
                    "received_on": (timezone.now() - timedelta(days=8)).date().isoformat(),
                    "affected_quantity": 6,
                },
            )
            dispute = build(dispute, roles)
            created += 1
            if name in WITH_EVIDENCE:
                # Evidence before the case moved on would be nicer; added now, it
                # still shows the galleries (the timeline says when).
                seed_evidence([Dispute.objects.get(pk=dispute.pk)])
    _make_due([orders[name].pk for name in DUE])
    return created


def _half(order: Order) -> str:
    from decimal import Decimal

    return str((order.amount_paid / 2).quantize(Decimal("0.01")))


def _make_due(order_ids: list[int]) -> None:
    """Backdate the current wait of a few cases (demo data only; the events, and so
    the audit chain, are untouched: a deadline is not part of the history)."""
    now = timezone.now()
    Dispute.objects.filter(
        order_id__in=order_ids, deadline_at__gt=now, state__in=("awaiting_seller", "negotiating")
    ).update(deadline_at=now - timedelta(minutes=5), reminder_at=None)
