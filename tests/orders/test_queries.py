"""The Manage orders pages cost the same number of queries with 1 order or 50."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.choices import DisputeState
from tests.conftest import client_for
from tests.factories import DisputeFactory, add_item, full_order

pytestmark = pytest.mark.django_db

# The session is read from the cache. 1 user with the bell's unread count
# (disputes_site/auth_backends.py), 2 COUNT for the paginator, 3 the page of
# orders joined with parties, store, payment and shipment, 4 the disputes of
# those orders.
LIST_QUERIES = 4
# 1 user with the bell's count, 2 the order joined with parties, store, payment
# and shipment, 3 its disputes, 4 its items, 5 the unread messages of its
# conversation (Contact seller / Contact buyer).
DETAIL_QUERIES = 5


@pytest.mark.parametrize("orders", [1, 50])
def test_order_list_queries_do_not_grow_with_orders(
    orders, buyer, seller, django_assert_num_queries, settings
):
    settings.ORDERS_PER_PAGE = 50
    made = [full_order(buyer=buyer, seller=seller) for _ in range(orders)]
    DisputeFactory(order=made[0], state=DisputeState.NEGOTIATING)
    client = client_for(buyer)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("orders:list"))
    assert response.content.decode().count("/orders/ORD-") == orders


@pytest.mark.parametrize("items", [1, 50])
def test_order_page_queries_do_not_grow_with_items(items, buyer, seller, django_assert_num_queries):
    order = full_order(buyer=buyer, seller=seller)
    for n in range(items - 1):
        add_item(order, name=f"Item {n}")
    client = client_for(seller)
    # The seller's reputation comes from the cache, computed (3 queries) at most
    # every ten minutes: warm it, then count the steady state.
    client.get(reverse("orders:detail", args=[order.reference]))
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("orders:detail", args=[order.reference]))
    assert response.status_code == 200
    assert response.content.decode().count("<td>MUG-350</td>") == items
