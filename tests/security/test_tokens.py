"""API tokens expire, carry a scope, and are never cached (issue 12 item 2, SPEC 13.6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiToken
from integrations.tokens import token_issue
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(user, **extra):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, **extra}, format="json"
    )


def _calling_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_works_for_ninety_days_then_answers_401_token_expired(buyer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        answer = _login(buyer).json()
        client = _calling_with(answer["token"])
        clock.shift(timedelta(days=89, hours=23))
        assert client.get("/api/v1/disputes/").status_code == 200
        clock.shift(timedelta(hours=1, seconds=1))
        refused = client.get("/api/v1/disputes/")

    assert refused.status_code == 401
    assert refused.json()["code"] == "token_expired"
    assert refused["WWW-Authenticate"] == "Token"


def test_the_lifetime_is_a_setting(seller, settings):
    settings.API_TOKEN_DAYS = 7
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _token, key = token_issue(user=seller, name="ERP")
        clock.shift(timedelta(days=7, seconds=1))
        assert _calling_with(key).get("/api/v1/orders/").json()["code"] == "token_expired"


def test_a_read_token_reads_but_any_post_gets_403_token_read_only(buyer):
    answer = _login(buyer, scope="read").json()
    assert answer["scope"] == "read"
    client = _calling_with(answer["token"])

    assert client.get("/api/v1/disputes/").status_code == 200
    for path in ("/api/v1/disputes/", "/api/v1/webhooks/endpoints/"):
        refused = client.post(path, {}, format="json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "token_read_only"
    # A write token (the default) gets past the scope: refused for its input only.
    writer = _calling_with(_login(buyer).json()["token"])
    assert writer.post("/api/v1/disputes/", {}, format="json").json()["code"] == "invalid"


def test_the_token_answer_is_never_cached(buyer):
    answer = _login(buyer)
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]


def test_pages_and_answers_with_secrets_are_never_cached(seller):
    page = client_for(seller)
    made = page.post("/account/api-tokens/", {"name": "ERP", "scope": "write"})
    assert made.context["new_key"]
    assert "no-store" in made["Cache-Control"]
    assert "no-store" in page.get("/account/webhooks/")["Cache-Control"]
    endpoints = _calling_with(token_issue(user=seller)[1]).get("/api/v1/webhooks/endpoints/")
    assert endpoints.status_code == 200
    assert "no-store" in endpoints["Cache-Control"]


def test_the_tokens_page_makes_read_tokens_unless_asked_and_shows_scope_expiry_last_use(seller):
    page = client_for(seller)
    page.post("/account/api-tokens/", {"name": "reporting"})
    page.post("/account/api-tokens/", {"name": "ERP", "scope": "write"})
    reporting = ApiToken.objects.get(user=seller, name="reporting")
    erp = ApiToken.objects.get(user=seller, name="ERP")
    assert (reporting.scope, erp.scope) == ("read", "write")
    ApiToken.objects.filter(pk=erp.pk).update(last_used_at=timezone.now())

    html = page.get("/account/api-tokens/").content.decode()

    assert "Read only" in html
    assert "Read and write" in html
    assert "Expires" in html
    assert html.count("—") == 1  # the reporting token was never used; ERP was
    assert 'name="scope"' in html


def test_the_authenticator_app_set_up_page_with_its_secret_is_never_cached(seller):
    """It shows the TOTP shared secret; allauth itself sends no Cache-Control there."""
    from allauth.account.models import EmailAddress
    from django.test import Client

    from tests.factories import PASSWORD

    EmailAddress.objects.create(user=seller, email=seller.email, verified=True, primary=True)
    browser = Client()
    browser.post("/accounts/login/", {"login": seller.email, "password": PASSWORD})
    browser.post("/accounts/reauthenticate/", {"password": PASSWORD})
    activate = browser.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    assert activate.context["form"].secret  # the shared secret is on the page
    assert "no-store" in activate["Cache-Control"]
    assert "no-store" in browser.get("/accounts/2fa/")["Cache-Control"]


def test_an_idempotency_key_keeps_no_webhook_secret_yet_a_repeat_gets_it(seller):
    """The answer of registering an endpoint carries its signing secret: the key's
    stored answer leaves it out, and a repeat reads it from the endpoint."""
    from integrations.models import IdempotencyKey, WebhookEndpoint
    from tests.api.conftest import api_for

    api = api_for(seller)
    body = {"url": "https://203.0.114.9/hooks", "description": "ERP"}  # numeric: no DNS here
    first = api.post("/api/v1/webhooks/endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post("/api/v1/webhooks/endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert first.status_code == again.status_code == 201
    secret = WebhookEndpoint.objects.get(seller=seller).secret
    assert first.json()["secret"] == again.json()["secret"] == secret
    assert again["Idempotent-Replayed"] == "true"
    stored = IdempotencyKey.objects.get(user=seller, key="k1")
    assert secret not in str(stored.response_body)
