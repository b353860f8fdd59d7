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


def test_the_sellers_page_shows_the_store_and_its_figures(buyer, seller):
    from accounts.models import SellerProfile

    SellerProfile.objects.update_or_create(
        user=seller, defaults={"store_name": "Porto Ceramics", "country": "PT"}
    )
    orders = [full_order(buyer=buyer, seller=seller) for _ in range(2)]
    services.dispute_submit(dispute=open_dispute(orders[0]), actor=buyer)
    order_page = client_for(buyer).get(reverse("orders:detail", args=[orders[1].reference]))
    # The store's name on the order page links to the seller's page.
    url = reverse("seller_page", args=[seller.pk])
    assert f'href="{url}"' in order_page.content.decode()
    page = client_for(buyer).get(url).content.decode()
    assert "Porto Ceramics" in page
    assert "Portugal" in page
    assert "50 % · 1 disputes on 2 orders" in page
    assert "no resolved disputes" in page


@pytest.mark.parametrize("who", ["buyer", "mediator"])
def test_only_sellers_have_a_sellers_page(who, request, seller):
    user = request.getfixturevalue(who)
    assert client_for(seller).get(reverse("seller_page", args=[user.pk])).status_code == 404
    assert client_for(None).get(reverse("seller_page", args=[seller.pk])).status_code == 302
