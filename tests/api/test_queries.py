"""Query counts of the list and detail endpoints: the same with 1 and with 50 rows
(ARCHITECTURE rule 8). Each count is the whole request, authentication included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import services
from disputes.models import Offer
from evidence.services import evidence_add
from tests.api.conftest import api_for
from tests.conftest import open_dispute
from tests.factories import add_item, full_order

pytestmark = pytest.mark.django_db


def warmed(user):
    """A client whose token was used just now, so "last used" is not written during a count."""
    client = api_for(user)
    client.get("/api/v1/notifications/")
    return client


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200, answer.content
    return len(queries)


def _disputes(buyer, seller, n):
    made = []
    for _ in range(n):
        order = full_order(buyer=buyer, seller=seller)
        made.append(services.dispute_submit(dispute=open_dispute(order), actor=buyer))
    return made


def test_the_disputes_and_orders_lists_cost_the_same_with_1_and_50(buyer, seller):
    client = warmed(buyer)
    _disputes(buyer, seller, 1)
    one = {
        url: count(client, url)
        for url in ("/api/v1/disputes/?page_size=100", "/api/v1/orders/?page_size=100")
    }
    _disputes(buyer, seller, 49)
    fifty = {
        url: count(client, url)
        for url in ("/api/v1/disputes/?page_size=100", "/api/v1/orders/?page_size=100")
    }
    print("queries with 1 and 50 rows:", one)
    assert fifty == one
    # token, COUNT, page of disputes (with order, parties, store) — and a token touch at most
    assert one["/api/v1/disputes/?page_size=100"] <= 4
    # token, COUNT, page of orders (joined), their disputes (prefetch)
    assert one["/api/v1/orders/?page_size=100"] <= 5


def test_a_case_costs_the_same_with_1_and_50_events_messages_offers_and_items(
    buyer, seller, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    order = full_order(buyer=buyer, seller=seller)
    case = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    client = warmed(seller)
    base = f"/api/v1/disputes/{case.reference}"
    urls = [
        f"{base}/",
        f"{base}/events/?page_size=200",
        f"{base}/messages/?page_size=200",
        f"{base}/offers/?page_size=100",
        f"{base}/evidence/?page_size=100",
        f"/api/v1/orders/{order.reference}/",
        "/api/v1/notifications/?page_size=100",
    ]

    def grow(n):
        for i in range(n):
            services.message_post(dispute=case, actor=buyer, body=f"Message {i}")
            services.dispute_make_offer(
                dispute=case, actor=seller, outcome="partial_refund", amount=Decimal(10 + i % 20)
            )
            evidence_add(
                dispute=case,
                # Each side may add 30 items: the two sides take turns.
                actor=buyer if i % 2 else seller,
                upload=SimpleUploadedFile(f"note{i}.txt", f"note {i}\n".encode(), "text/plain"),
            )
            add_item(order, name=f"Item {i}")

    grow(1)
    one = {url: count(client, url) for url in urls}
    grow(49)
    assert Offer.objects.filter(dispute=case).count() == 50
    fifty = {url: count(client, url) for url in urls}
    print("queries with 1 and 50 rows:", one)
    assert fifty == one
    # The dispute: token, the scoped dispute with its order and parties.
    assert one[f"{base}/"] <= 3


def test_a_transition_answers_the_dispute_as_get_shows_it_without_reading_it_again(buyer, seller):
    """make-offer, the transition the benchmark loads: the token, the dispute (scope
    check), then the service; the answer is built from the row the service locked
    and changed. Tests count the service's SAVEPOINT and RELEASE, which are BEGIN and
    COMMIT in production and not counted there: 10 queries in production."""
    (dispute,) = _disputes(buyer, seller, 1)
    client = warmed(seller)
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            f"/api/v1/disputes/{dispute.pk}/make-offer/",
            {"outcome": "partial_refund", "amount": "5.00", "note": "Five back."},
            format="json",
        )
    assert answer.status_code == 200, answer.content
    assert len(queries) == 12, [q["sql"][:60] for q in queries]
    assert answer.json() == client.get(f"/api/v1/disputes/{dispute.pk}/").json()
