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


@pytest.fixture
def worker():
    """A real Celery worker (in a thread) on the Redis broker, for ``real_worker`` tests.

    The test settings give this process a queue of its own; it starts empty.
    """
    import redis
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.db import connection

    from disputes_site.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
    ) as w:
        yield w
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)
    connection.close()


def wait_for(condition, timeout=20.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
