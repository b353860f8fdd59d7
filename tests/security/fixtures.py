"""Helpers shared by the security tests (fixtures stay in each module)."""

from __future__ import annotations

from disputes import services
from tests.conftest import open_dispute


def submitted_case(order, buyer):
    """A submitted dispute: the seller can see it, both sides can add evidence."""
    return services.dispute_submit(dispute=open_dispute(order), actor=buyer)
