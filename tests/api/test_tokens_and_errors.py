"""Tokens (issue, use, revoke from the account page), throttling, and the error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.models import ApiToken
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_token_from_email_and_password_works_until_revoked_on_the_account_page(buyer):
    client = APIClient()
    answer = client.post(
        "/api/v1/auth/token/", {"email": buyer.email, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    token = answer.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/disputes/").status_code == 200
    # Only a hash is kept; its last use is recorded (by a task, inline here).
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert ApiToken.objects.get(user=buyer).last_used_at is not None

    page = client_for(buyer)
    listing = page.get("/account/api-tokens/")
    assert token[:8].encode() in listing.content
    stored = ApiToken.objects.get(user=buyer)
    assert page.post(f"/account/api-tokens/{stored.pk}/revoke/").status_code == 302
    refused = client.get("/api/v1/disputes/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"


def test_a_token_made_on_the_account_page_is_shown_once(seller):
    page = client_for(seller)
    made = page.post("/account/api-tokens/", {"name": "ERP"})
    assert made.status_code == 200
    key = made.context["new_key"]
    assert key.encode() in made.content
    assert key.encode() not in page.get("/account/api-tokens/").content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/orders/").status_code == 200


def test_someone_elses_token_cannot_be_revoked(buyer, seller):
    page = client_for(seller)
    page.post("/account/api-tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=seller)
    assert client_for(buyer).post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "bea@example.com", "password": "wrong"}, 400, "invalid_credentials"),
        ({"email": "nobody@example.com", "password": "x"}, 400, "invalid_credentials"),
        ({"email": "bea@example.com"}, 400, "invalid"),
        ({}, 400, "invalid"),
    ],
)
def test_a_bad_login_is_400_with_a_code(buyer, body, status, code):
    answer = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert answer.status_code == status
    assert answer.json()["code"] == code
    assert answer.json()["detail"]


def test_password_guesses_are_throttled(buyer):
    client = APIClient()
    # A guess per account: one account locks after five (tests/security), and
    # this is the limit per address, across accounts.
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"email": f"guess{i}@example.com", "password": "nope"},
            format="json",
        ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
    throttled = client.post("/api/v1/auth/token/", {"email": "x", "password": "y"}, format="json")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_authenticated_clients_are_throttled_too(buyer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute", "token_login": None},
    }
    from tests.api.conftest import api_for

    client = api_for(buyer)
    assert [client.get("/api/v1/orders/").status_code for _ in range(4)] == [200, 200, 200, 429]
    anonymous = APIClient()
    assert [anonymous.get("/api/v1/orders/").status_code for _ in range(3)] == [401, 401, 429]


def test_anonymous_calls_answer_401_with_the_token_scheme():
    answer = APIClient().get("/api/v1/orders/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"
    assert answer.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


def test_malformed_json_is_a_400_not_a_500(buyer):
    from tests.api.conftest import api_for

    answer = api_for(buyer).post(
        "/api/v1/disputes/", data=b"{not json", content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"


def test_unknown_paths_and_methods_answer_json(buyer):
    from tests.api.conftest import api_for

    client = api_for(buyer)
    missing = client.get("/api/v1/nothing/here/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    wrong = client.delete("/api/v1/disputes/")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


def test_the_session_works_for_the_pages_htmx(buyer):
    page = client_for(buyer)
    assert page.get("/api/v1/orders/").status_code == 200


def test_a_mediator_without_two_factor_gets_no_token_when_it_is_required(mediator, settings):
    settings.MEDIATOR_MFA_REQUIRED = True
    answer = APIClient().post(
        "/api/v1/auth/token/", {"email": mediator.email, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "mfa_setup_required"
    assert not ApiToken.objects.filter(user=mediator).exists()


def test_support_sees_tokens_and_deliveries_in_the_admin_without_secrets(buyer):
    from integrations.tokens import token_issue
    from tests.factories import UserFactory

    token, key = token_issue(user=buyer, name="ERP")
    admin_user = UserFactory(is_staff=True, is_superuser=True, role="mediator")
    page = client_for(admin_user)
    listing = page.get("/admin/integrations/apitoken/")
    assert listing.status_code == 200
    assert token.prefix.encode() in listing.content
    detail = page.get(f"/admin/integrations/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert key.encode() not in detail.content
    assert token.key_hash.encode() not in detail.content
    for url in ("/admin/integrations/webhookendpoint/", "/admin/integrations/webhookdelivery/"):
        assert page.get(url).status_code == 200


def test_a_token_is_touched_once_a_minute_even_before_the_task_has_run(buyer):
    import time_machine
    from django.utils import timezone

    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"email": buyer.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert client.get("/api/v1/disputes/").status_code == 200
        stored = ApiToken.objects.get(user=buyer)
        assert stored.last_used_at is not None
        # As if the task had not run yet: within the minute no request asks again
        # (tasks run inline here, so asking would write the time at once).
        ApiToken.objects.filter(pk=stored.pk).update(last_used_at=None)
        clock.shift(30)
        assert client.get("/api/v1/disputes/").status_code == 200
        assert ApiToken.objects.get(pk=stored.pk).last_used_at is None
        clock.shift(31)
        assert client.get("/api/v1/disputes/").status_code == 200
        assert ApiToken.objects.get(pk=stored.pk).last_used_at is not None
