"""About 30 demo orders across every status, several of them disputable now.

References come from a fixed seed and rows are only ever created, never
updated, so running the seed again changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from orders.models import Order, OrderItem, OrderStatus, Payment, Shipment

CATALOGUE: dict[str, list[tuple[str, str, Decimal]]] = {
    "seller@example.com": [
        ("Cordless drill 18 V, 2 batteries", "BT-DR18", Decimal("54.90")),
        ("LED strip 5 m, 24 V, warm white", "BT-LED5", Decimal("7.35")),
        ("USB-C cable 1 m, braided", "BT-USBC1", Decimal("1.20")),
        ("Bluetooth earbuds, TWS, charging case", "BT-EB02", Decimal("11.80")),
        ("Stainless steel water bottle 750 ml", "BT-WB750", Decimal("3.95")),
        ("Digital caliper 150 mm", "BT-CAL150", Decimal("8.40")),
    ],
    "seller2@example.com": [
        ("Linen tablecloth 140 x 240 cm", "LT-TC140", Decimal("18.50")),
        ("Cotton tote bag, natural, 38 x 42 cm", "LT-TOTE", Decimal("1.85")),
        ("Bath towel 70 x 140 cm, 500 g/m²", "LT-BT70", Decimal("6.90")),
        ("Cork yoga mat 6 mm", "LT-YM6", Decimal("14.20")),
        ("Embroidered cushion cover 45 x 45 cm", "LT-CC45", Decimal("5.10")),
    ],
}

CARRIERS = ["DHL Express", "FedEx International Priority", "UPS Worldwide Saver", "China Post EMS"]


@dataclass(frozen=True)
class Plan:
    status: str
    # Days before now: placed, shipped, delivered (None = not yet).
    placed: int
    shipped: int | None = None
    delivered: int | None = None
    # Days from now of the promised delivery date (negative = in the past).
    expected: int | None = None


# Each buyer gets this mix with each seller: delivered orders still in the
# dispute window (several per buyer), ones past it, parcels late or on the way,
# unpaid, paid-not-shipped, completed and cancelled orders.
PLANS = [
    Plan(OrderStatus.DELIVERED, placed=20, shipped=16, delivered=5, expected=-6),
    Plan(OrderStatus.DELIVERED, placed=35, shipped=30, delivered=12, expected=-14),
    Plan(OrderStatus.DELIVERED, placed=70, shipped=65, delivered=50, expected=-52),
    Plan(OrderStatus.SHIPPED, placed=40, shipped=36, expected=-8),
    Plan(OrderStatus.SHIPPED, placed=6, shipped=3, expected=9),
    Plan(OrderStatus.PAID, placed=4, expected=12),
    Plan(OrderStatus.PLACED, placed=1, expected=20),
    Plan(OrderStatus.COMPLETED, placed=60, shipped=55, delivered=45, expected=-46),
]
EXTRA = [  # a few more so each list has two pages' worth of variety
    Plan(OrderStatus.CANCELLED, placed=15),
    Plan(OrderStatus.DELIVERED, placed=25, shipped=22, delivered=2, expected=-1),
]


def _reference(rng: random.Random) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "ORD-" + "".join(rng.choice(alphabet) for _ in range(8))


def _at(now: datetime, days_ago: int | None, rng: random.Random) -> datetime | None:
    if days_ago is None:
        return None
    return now - timedelta(days=days_ago, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))


# Orders that the dispute seed opens a case on, one per scenario: (buyer, seller).
DISPUTE_ORDERS: list[tuple[str, str, str]] = [
    ("draft", "buyer@example.com", "seller@example.com"),
    ("awaiting_seller_due", "buyer@example.com", "seller@example.com"),
    ("awaiting_seller", "buyer2@example.com", "seller@example.com"),
    ("negotiating", "buyer@example.com", "seller2@example.com"),
    ("negotiating_due", "buyer2@example.com", "seller@example.com"),
    ("under_review", "buyer@example.com", "seller@example.com"),
    ("awaiting_info", "buyer2@example.com", "seller2@example.com"),
    ("proposed", "buyer@example.com", "seller2@example.com"),
    ("resolved_appeal_window", "buyer@example.com", "seller2@example.com"),
    ("resolved_return", "buyer2@example.com", "seller@example.com"),
    ("appealed", "buyer@example.com", "seller@example.com"),
    ("closed", "buyer2@example.com", "seller2@example.com"),
    ("cancelled", "buyer@example.com", "seller2@example.com"),
]
DISPUTED = Plan(OrderStatus.DELIVERED, placed=20, shipped=15, delivered=8, expected=-9)

# The demo's past: closed cases over the last 90 days, named by how each ended
# (disputes.demo_history builds them); the platform's decisions take about three
# weeks from opening to the end of the appeal window, so they are the older ones.
_PAST_PATHS = ("agreed", "accepted", "decided", "agreed", "cancelled", "decided")
HISTORY_DAYS_AGO: dict[str, int] = {
    f"past-{i:02d}-{path}": days_ago
    for i, days_ago in enumerate(range(88, 3, -3))
    if (path := _PAST_PATHS[i % len(_PAST_PATHS)]) != "decided" or days_ago >= 25
}

# The demo's past (disputes.demo_history): an order per closed case of the last
# 90 days, delivered a few days before its dispute was opened.
HISTORY_ORDERS: list[tuple[str, str, str, Plan]] = [
    (
        name,
        ("buyer@example.com", "buyer2@example.com")[i % 2],
        ("seller@example.com", "seller2@example.com")[(i // 2) % 2],
        Plan(
            OrderStatus.DELIVERED,
            placed=days_ago + 16,
            shipped=days_ago + 12,
            delivered=days_ago + 3,
            expected=-(days_ago + 4),
        ),
    )
    for i, (name, days_ago) in enumerate(HISTORY_DAYS_AGO.items())
]


def seed_orders(users: dict[str, User]) -> tuple[int, dict[str, Order]]:
    """Create the missing demo orders. Returns how many were created, and the
    order of each dispute scenario (DISPUTE_ORDERS)."""
    rng = random.Random(2026)
    now = timezone.now()
    created = 0
    jobs: list[tuple[str | None, User, User, Plan]] = []
    for buyer in (users["buyer@example.com"], users["buyer2@example.com"]):
        for seller_email in CATALOGUE:
            plans = PLANS + (EXTRA if buyer.email == "buyer@example.com" else [])
            jobs += [(None, buyer, users[seller_email], plan) for plan in plans]
    jobs += [(name, users[b], users[s], DISPUTED) for name, b, s in DISPUTE_ORDERS]
    jobs += [(name, users[b], users[s], plan) for name, b, s, plan in HISTORY_ORDERS]
    scenarios: dict[str, Order] = {}
    for scenario, buyer, seller, plan in jobs:
        products = CATALOGUE[seller.email]
        # Draw everything from the seeded generator even for orders that
        # exist already, so each order gets the same values every run.
        reference = _reference(rng)
        lines = [
            (name, sku, price, rng.choice([10, 20, 50, 100, 200, 500]))
            for name, sku, price in rng.sample(products, rng.randint(1, 3))
        ]
        carrier = rng.choice(CARRIERS)
        tracking = "".join(rng.choice("0123456789") for _ in range(12))
        placed_at = _at(now, plan.placed, rng)
        shipped_at = _at(now, plan.shipped, rng)
        delivered_at = _at(now, plan.delivered, rng)
        order = Order.objects.filter(reference=reference).first()
        if order is None:
            with transaction.atomic():
                order = _create(
                    reference,
                    buyer,
                    seller,
                    plan,
                    lines,
                    carrier,
                    tracking,
                    placed_at,
                    shipped_at,
                    delivered_at,
                    now,
                )
            created += 1
        if scenario is not None:
            scenarios[scenario] = order
    return created, scenarios


def _create(
    reference: str,
    buyer: User,
    seller: User,
    plan: Plan,
    lines: list[tuple[str, str, Decimal, int]],
    carrier: str,
    tracking: str,
    placed_at: datetime | None,
    shipped_at: datetime | None,
    delivered_at: datetime | None,
    now: datetime,
) -> Order:
    total = sum((price * qty for _n, _s, price, qty in lines), Decimal(0))
    paid = plan.status not in (OrderStatus.PLACED, OrderStatus.CANCELLED)
    order = Order.objects.create(
        reference=reference,
        buyer=buyer,
        seller=seller,
        status=plan.status,
        currency="USD",
        total=total,
        amount_paid=total if paid else Decimal(0),
        expected_delivery_date=(now + timedelta(days=plan.expected)).date()
        if plan.expected is not None
        else None,
        placed_at=placed_at or now,
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=order, product_name=name, sku=sku, quantity=qty, unit_price=price)
        for name, sku, price, qty in lines
    )
    if paid:
        Payment.objects.create(
            order=order,
            method="card" if total < 1000 else "bank transfer",
            provider_reference=f"PAY-{reference[4:]}",
            amount=total,
            currency="USD",
            paid_at=(placed_at or now) + timedelta(minutes=7),
        )
    if shipped_at is not None:
        Shipment.objects.create(
            order=order,
            carrier=carrier,
            tracking_number=tracking,
            shipped_at=shipped_at,
            delivered_at=delivered_at,
        )
    return order
