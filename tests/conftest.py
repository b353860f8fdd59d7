from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from disputes import services
from disputes.models import DisputeEvent
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order, make_senior
from tests.page_client import PageClient


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps login rate-limit counters in the cache (Redis database 1
    # in the tests); each test starts with none.
    cache.clear()
    return


@pytest.fixture(autouse=True)
def _celery_inline(request):
    """Tasks run inline, unless a test is marked ``real_worker`` (those start a
    worker on Redis and must see their tasks go through the broker)."""
    from celery._state import _set_task_join_will_block

    from disputes_site.celery import app

    # Building a worker (the ``worker`` fixture's) marks the whole process as
    # "inside a worker", after which result.get() refuses to block; a test
    # that waits on a result from the test thread must not inherit that mark
    # from an earlier test in the same process (seen under pytest-xdist).
    _set_task_join_will_block(False)
    if request.node.get_closest_marker("real_worker"):
        yield
        return
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def buyer(db):
    return BuyerFactory(email="bea@example.com", name="Bea Buyer")


@pytest.fixture
def other_buyer(db):
    return BuyerFactory(email="bruno@example.com", name="Bruno Byrne")


@pytest.fixture
def seller(db):
    return SellerFactory(email="sam@example.com", name="Sam Seller")


@pytest.fixture
def other_seller(db):
    return SellerFactory(email="sofia@example.com", name="Sofia Santos")


@pytest.fixture
def mediator(db):
    return MediatorFactory(email="mia@example.com", name="Mia Mediator")


def client_for(user) -> Client:
    client = PageClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client() -> Client:
    """pytest-django's ``client``, posting page forms with their one-time key."""
    return PageClient()


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
def negotiated(submitted, buyer, seller):
    """A dispute with five events:
    #1 created, #2 submit, #3 make_offer, #4 message, #5 request_refund."""
    d = services.dispute_make_offer(
        dispute=submitted, actor=seller, outcome="partial_refund", amount="30.00", note="30 back"
    )
    services.message_post(dispute=d, actor=buyer, body="Six of the twelve mugs broke.")
    d = services.dispute_request_refund(
        dispute=d, actor=buyer, amount="50.00", rationale="Six of twelve broke"
    )
    d.refresh_from_db()
    kinds = list(DisputeEvent.objects.filter(dispute=d).values_list("kind", flat=True))
    assert kinds == ["created", "submit", "make_offer", "message", "request_refund"]
    assert d.event_count == 5
    return d


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
    # Tasks run in the worker's thread, on a connection of its own: kept between
    # tasks (CELERY_DB_REUSE_MAX), it would outlive the test and hold the test
    # database open at teardown. Here Celery closes it after each task again.
    app.conf.CELERY_DB_REUSE_MAX = None
    # Starting a worker turns this process's database options into a worker's (no
    # prepared statements: disputes_site/celery.py); the tests that follow in this
    # process are a web process's again.
    options = dict(settings.DATABASES["default"].get("OPTIONS", {}))
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
        ) as w:
            yield w
    finally:
        app.conf.CELERY_DB_REUSE_MAX = settings.CELERY_DB_REUSE_MAX
        current = settings.DATABASES["default"].setdefault("OPTIONS", {})
        current.clear()
        current.update(options)
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


@pytest.fixture
def triggers_off(db):
    """What a database superuser can do: switch off every trigger for the test's
    transaction (``session_replication_role = replica``), the guards of the record
    (docs/audit.md, "The database refuses") and the foreign keys' alike. The tamper
    tests work this way: the audit checks must catch what the triggers did not stop."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    # No teardown: SET LOCAL ends with the test's transaction.
