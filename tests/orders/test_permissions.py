"""Every order page x every role: foreign orders answer 404, anonymous goes to login."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import full_order

pytestmark = pytest.mark.django_db

ROLES = ["buyer", "other_buyer", "seller", "other_seller", "mediator", "anonymous"]

# The order belongs to `buyer` and `seller`.
DETAIL_EXPECTED = {
    "buyer": 200,
    "other_buyer": 404,
    "seller": 200,
    "other_seller": 404,
    "mediator": 404,
    "anonymous": "login",
}
LIST_EXPECTED = {
    "buyer": 200,
    "other_buyer": 200,
    "seller": 200,
    "other_seller": 200,
    # Manage orders is a page for the parties to orders; mediators work cases.
    "mediator": 404,
    "anonymous": "login",
}


@pytest.fixture
def people(buyer, other_buyer, seller, other_seller, mediator):
    return {
        "buyer": buyer,
        "other_buyer": other_buyer,
        "seller": seller,
        "other_seller": other_seller,
        "mediator": mediator,
        "anonymous": None,
    }


@pytest.fixture
def order(buyer, seller):
    return full_order(buyer=buyer, seller=seller)


def _check(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_order_page_matrix(role, people, order):
    response = client_for(people[role]).get(reverse("orders:detail", args=[order.reference]))
    _check(response, DETAIL_EXPECTED[role])


@pytest.mark.parametrize("role", ROLES)
def test_order_list_matrix(role, people, order):
    response = client_for(people[role]).get(reverse("orders:list"))
    _check(response, LIST_EXPECTED[role])
    if LIST_EXPECTED[role] == 200:
        listed = order.reference in response.content.decode()
        assert listed == (role in ("buyer", "seller"))


def test_unknown_reference_answers_404_like_a_foreign_one(buyer):
    response = client_for(buyer).get(reverse("orders:detail", args=["ORD-NOPE0000"]))
    assert response.status_code == 404


def test_other_buyers_search_never_finds_a_foreign_order(other_buyer, order):
    response = client_for(other_buyer).get(reverse("orders:list"), {"q": order.reference})
    assert f"/orders/{order.reference}/" not in response.content.decode()
    assert "No orders match your search." in response.content.decode()
