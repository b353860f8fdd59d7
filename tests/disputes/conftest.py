from __future__ import annotations

from decimal import Decimal

import pytest

from disputes import services
from tests.factories import full_order, make_senior


@pytest.fixture
def senior(db):
    from tests.factories import MediatorFactory

    return make_senior(MediatorFactory(email="selma@example.com", name="Selma Senior"))


@pytest.fixture
def order(buyer, seller):
    # Paid 120.00, delivered 5 days ago.
    return full_order(buyer=buyer, seller=seller)


def open_dispute(
    order, *, outcome="partial_refund", amount="60.00", type="quality", reason="damaged"
):
    return services.dispute_create(
        order=order,
        actor=order.buyer,
        type=type,
        reason=reason,
        description="Half of the mugs arrived broken.",
        claimed_amount=Decimal(amount),
        requested_outcome=outcome,
        facts={"received_on": "2026-01-01", "affected_quantity": 6},
    )


@pytest.fixture
def draft(order):
    return open_dispute(order)


@pytest.fixture
def submitted(draft, buyer):
    return services.dispute_submit(dispute=draft, actor=buyer)
