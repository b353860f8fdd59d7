"""Seller reputation: dispute rate, share resolved amicably, median first response."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.reputation import seller_reputation
from disputes import services
from disputes.models import Offer
from tests.conftest import client_for, open_dispute
from tests.factories import full_order

pytestmark = pytest.mark.django_db


def test_figures_over_the_last_90_days(buyer, seller):
    orders = [full_order(buyer=buyer, seller=seller) for _ in range(4)]
    start = timezone.now()
    amicable = services.dispute_submit(dispute=open_dispute(orders[0]), actor=buyer)
    with time_machine.travel(start + timedelta(hours=2)):
        d = services.dispute_make_offer(
            dispute=amicable, actor=seller, outcome="partial_refund", amount="10.00"
        )
        services.dispute_accept_offer(dispute=d, actor=buyer, offer=Offer.objects.get(dispute=d).pk)
    silent = services.dispute_submit(dispute=open_dispute(orders[1]), actor=buyer)
    with time_machine.travel(start + timedelta(hours=6)):
        services.message_post(dispute=silent, actor=seller, body="Looking into it.")
    reputation = seller_reputation(seller.pk)
    assert (reputation.orders, reputation.disputes) == (4, 2)
    assert reputation.dispute_rate == 0.5
    assert (reputation.resolved, reputation.amicable, reputation.amicable_share) == (1, 1, 1.0)
    assert reputation.median_first_response_hours == pytest.approx(4.0, abs=0.01)


def test_the_page_shows_the_advice_next_to_the_figures(buyer, seller, order):
    page = client_for(buyer).get(reverse("avoid_disputes")).content.decode()
    assert "Research and select reliable and reputable suppliers" in page
    assert seller.seller_profile.store_name in page
    assert "0 disputes on 1 orders" in page
