from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import BuyerFactory, MediatorFactory, SellerFactory


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
    from disputes_site.celery import app

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
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
