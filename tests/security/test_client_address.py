"""The client's address is the one our proxies saw: a forged X-Forwarded-For
dodges no throttle nor rate limit (issue 12 item 1)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from disputes_site.client_address import client_address
from tests.factories import BuyerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon_two_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None, "token_login": None},
    }


def _anonymous_call(forwarded: str) -> int:
    return APIClient().get("/api/v1/orders/", HTTP_X_FORWARDED_FOR=forwarded).status_code


def test_a_new_forwarded_address_on_each_call_does_not_dodge_the_anonymous_throttle(
    anon_two_a_minute,
):
    statuses = [_anonymous_call(f"198.51.100.{n}") for n in range(1, 5)]
    assert statuses == [401, 401, 429, 429]


def test_guessing_tokens_is_throttled_like_any_anonymous_call(anon_two_a_minute):
    """A wrong token answers 401 before any permission is asked; it is counted
    against the client's address all the same."""
    statuses = [
        APIClient().get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token guess{n}").status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 429, 429]


def test_a_new_forwarded_address_does_not_dodge_the_token_endpoint_throttle():
    statuses = [
        APIClient()
        .post(
            "/api/v1/auth/token/",
            {"email": f"guess{n}@example.com", "password": "nope"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        .status_code
        for n in range(1, 13)
    ]
    assert statuses[10:] == [429, 429]


def test_behind_one_trusted_proxy_the_entry_it_appended_is_the_client(anon_two_a_minute, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forges the left-most entry; the proxy appends what it saw.
    first_client = [_anonymous_call(f"10.0.0.{n}, 203.0.113.7") for n in range(1, 4)]
    second_client = _anonymous_call("10.0.0.1, 203.0.113.8")

    assert first_client == [401, 401, 429]
    assert second_client == 401


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "127.0.0.1"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "127.0.0.1"),
        (1, "6.6.6.6, not-an-address", "127.0.0.1"),
        (1, "6.6.6.6, 2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_function(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_allauths_rate_limit_counts_by_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    for n in range(3):
        user = BuyerFactory(email=f"user{n}@example.com")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    def fail(client_ip: str, forged: str, n: int) -> str:
        return (
            Client()
            .post(
                reverse("account_login"),
                {"login": f"user{n}@example.com", "password": "wrong"},
                HTTP_X_FORWARDED_FOR=f"{forged}, {client_ip}",
            )
            .content.decode()
        )

    for n in range(3):
        assert "not correct" in fail("203.0.113.7", f"10.0.0.{n}", n)
    assert "Too many failed login attempts. Try again later." in fail("203.0.113.7", "10.9.9.9", 0)
    # Another client behind the same proxy (the same REMOTE_ADDR) is not limited.
    assert "not correct" in fail("203.0.113.8", "10.0.0.1", 0)
