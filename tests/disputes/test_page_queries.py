"""The pages cost the same number of queries with 1 and with 30 of everything:
events, messages, offers and evidence items on the dispute page; disputes on
the lists; disputes and items on the order page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services
from disputes.models import Dispute
from evidence.services import evidence_add
from orders.conversation import order_message_post
from tests.conftest import client_for, open_dispute
from tests.evidence.conftest import upload
from tests.evidence.corpus import png
from tests.factories import full_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def busy_dispute(buyer, seller, n: int) -> Dispute:
    """A negotiating dispute with ``n`` messages, offers and evidence items (and the
    events they write: about 3n + 2)."""
    dispute = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    for i in range(n):
        # Offers alternate: the seller offers, the buyer counters with a refund request.
        if i % 2 == 0:
            services.dispute_make_offer(
                dispute=dispute, actor=seller, outcome="partial_refund", amount=f"{10 + i}.00"
            )
        else:
            services.dispute_request_refund(
                dispute=dispute, actor=buyer, amount=f"{50 - i}.00", rationale="Half were broken."
            )
        author = buyer if i % 2 else seller
        services.message_post(dispute=dispute, actor=author, body=f"Message {i}")
        evidence_add(dispute=dispute, actor=author, upload=upload(f"photo-{i}.png", png(40, 30)))
    return Dispute.objects.get(pk=dispute.pk)


def count(client, url: str) -> tuple[int, str]:
    client.get(url)  # warms the cached seller reputation
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_dispute_page(who, request, buyer, seller):
    viewer = request.getfixturevalue(who)
    counts = []
    for n in (1, 30):
        dispute = busy_dispute(buyer, seller, n)
        for i in range(n):
            order_message_post(order=dispute.order, actor=seller, body=f"Before {i}")
        queries, html = count(
            client_for(viewer), reverse("disputes:detail", args=[dispute.reference])
        )
        # Everything is on the page: every message, offer and photo.
        assert html.count('data-testid="evidence-item"') == n
        assert f"Message {n - 1}<" in html
        assert f"Before {n - 1}<" in html
        assert html.count('class="list-group-item d-flex justify-content-between"') == n
        counts.append(queries)
    # user with the bell's count (the session is read from the cache), the dispute with
    # order/parties/store/mediator, events, offers, evidence, decisions (none here:
    # nothing cited to prefetch), messages, the order's conversation before the dispute,
    # and the read of the thread's new messages (the viewer has unread notifications)
    assert counts == [9, 9]


@pytest.mark.parametrize(
    ("who", "url", "row"),
    [
        ("buyer", "disputes:list", 'href="/disputes/DSP-'),
        ("seller", "disputes:list", 'href="/disputes/DSP-'),
        ("buyer", "orders:list", 'href="/orders/ORD-'),
        ("seller", "orders:list", 'href="/orders/ORD-'),
    ],
)
def test_lists(who, url, row, request, buyer, seller):
    viewer = request.getfixturevalue(who)
    counts = []
    for total in (1, 30):
        while Dispute.objects.count() < total:
            busy_dispute(buyer, seller, 1)
        queries, html = count(client_for(viewer), reverse(url))
        # A page shows 20 disputes (or orders) at most.
        assert html.count(row) == min(total, 20)
        counts.append(queries)
    assert counts[0] == counts[1]
    assert counts[0] <= 5


def test_order_page(buyer, seller):
    counts = []
    for n in (1, 30):
        order = full_order(buyer=buyer, seller=seller)
        dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
        for i in range(n):
            services.message_post(dispute=dispute, actor=seller, body=f"Message {i}")
        queries, html = count(client_for(buyer), reverse("orders:detail", args=[order.reference]))
        assert dispute.reference in html
        counts.append(queries)
    # the user, the order, its disputes, its items, the unread messages of its conversation
    assert counts == [5, 5]
