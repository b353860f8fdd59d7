"""Mediation fixtures: a roster, cases that reach review through the real services."""

from __future__ import annotations

import pytest

from disputes import services
from mediation.models import MediatorProfile
from tests.conftest import open_dispute
from tests.factories import MediatorFactory, full_order, make_lead, make_senior


def on_roster(user, *, capacity=30, active=True):
    MediatorProfile.objects.create(user=user, capacity=capacity, active=active)
    return user


def escalated(order, *, justification="We cannot agree on anything at all."):
    """A case of ``order`` escalated into review by its buyer (after the seller rejected)."""
    d = services.dispute_submit(dispute=open_dispute(order), actor=order.buyer)
    d = services.dispute_reject_claim(dispute=d, actor=order.seller)
    return services.dispute_escalate(dispute=d, actor=order.buyer, justification=justification)


def new_case(buyer=None, seller=None):
    kwargs = {}
    if buyer is not None:
        kwargs["buyer"] = buyer
    if seller is not None:
        kwargs["seller"] = seller
    return escalated(full_order(**kwargs))


@pytest.fixture
def lead(db):
    return on_roster(make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead")))


@pytest.fixture
def roster(db, mediator, senior):
    """Mia (mediator) and Selma (senior) on the roster; a second senior, Otto."""
    otto = make_senior(MediatorFactory(email="otto@example.com", name="Otto Other"))
    for person in (mediator, senior, otto):
        on_roster(person)
    return {"mediator": mediator, "senior": senior, "otto": otto}
