"""Password guessing: one lockout per account for every door, whatever address
the guesses claim to come from (issue 12 item 1, SPEC 13.6)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiToken
from tests.factories import PASSWORD, BuyerFactory, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts for this account"


@pytest.fixture
def target():
    user = BuyerFactory(email="target@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _forwarded(attempt: int) -> dict[str, str]:
    """A new made-up client address on every request."""
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{attempt % 250 + 1}"}


def _web_login(client: Client, email: str, password: str, attempt: int = 0):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, **_forwarded(attempt)
    )


def _token(email: str, password: str, attempt: int = 0):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        format="json",
        **_forwarded(attempt),
    )


def _admin_login(client: Client, email: str, password: str, attempt: int = 0):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        **_forwarded(attempt),
    )


def test_the_web_login_locks_after_the_configured_count_from_rotating_addresses(
    client, target, settings
):
    settings.LOGIN_LOCKOUT_ATTEMPTS = 3
    for attempt in range(3):
        response = _web_login(client, "TARGET@example.com", "wrong", attempt)
        assert "not correct" in response.content.decode()

    response = _web_login(client, target.email, PASSWORD, 99)

    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert client.get(reverse("orders:list")).status_code == 302


def test_the_token_endpoint_locks_after_the_configured_count_from_rotating_addresses(target):
    for attempt in range(5):
        assert _token(target.email, "wrong", attempt).json()["code"] == "invalid_credentials"

    refused = _token(target.email, PASSWORD, 99)

    assert refused.status_code == 429
    assert refused.json()["code"] == "account_locked"
    assert LOCKED in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 300
    assert "token" not in refused.json()
    assert not ApiToken.objects.filter(user=target).exists()
    # The lock is the account's: another account logs in from the same addresses.
    other = UserFactory(email="other@example.com")
    assert _token(other.email, PASSWORD, 1).status_code == 200


def test_every_door_counts_towards_one_lock_and_says_so_the_same_way(target):
    target.is_staff = True
    target.save(update_fields=["is_staff"])
    web, admin = Client(), Client()
    _web_login(web, target.email, "wrong", 1)
    _web_login(web, target.email, "wrong", 2)
    _token(target.email, "wrong", 3)
    _token(target.email, "wrong", 4)
    _admin_login(admin, target.email, "wrong", 5)

    # The right password, through each door, now gets the same message.
    api = _token(target.email, PASSWORD, 6)
    page = _web_login(web, target.email, PASSWORD, 7)
    admin_page = _admin_login(admin, target.email, PASSWORD, 8)

    assert api.status_code == 429
    assert LOCKED in api.json()["detail"]
    assert LOCKED in page.content.decode()
    assert LOCKED in admin_page.content.decode()
    assert admin.get("/admin/").status_code == 302  # still sent to the login page


def test_the_admin_login_locks_too(target):
    target.is_staff = True
    target.save(update_fields=["is_staff"])
    admin = Client()
    for attempt in range(5):
        _admin_login(admin, target.email, "wrong", attempt)

    response = _admin_login(admin, target.email, PASSWORD, 99)

    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert _token(target.email, PASSWORD).status_code == 429


def test_the_lock_ends_after_the_configured_period(target, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 600
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(5):
            _token(target.email, "wrong", attempt)
        clock.shift(timedelta(seconds=590))
        assert _token(target.email, PASSWORD).status_code == 429
        clock.shift(timedelta(seconds=11))
        assert _token(target.email, PASSWORD).status_code == 200


def test_a_wrong_password_counts_once_although_two_backends_try_it(target, settings):
    settings.LOGIN_LOCKOUT_ATTEMPTS = 2
    _token(target.email, "wrong")
    # Counted once: one more guess is still allowed before the lock.
    assert _token(target.email, "wrong", 1).json()["code"] == "invalid_credentials"
    assert _token(target.email, PASSWORD, 2).json()["code"] == "account_locked"


def test_the_right_password_forgets_earlier_typos_but_not_later_guesses(target):
    for attempt in range(4):
        _token(target.email, "wrong", attempt)
    assert _token(target.email, PASSWORD).status_code == 200
    for attempt in range(4):
        _token(target.email, "wrong", attempt)
    assert _token(target.email, PASSWORD).status_code == 200  # 4 since the success
    for attempt in range(5):
        _token(target.email, "wrong", attempt)
    assert _token(target.email, PASSWORD).status_code == 429


def test_a_password_reset_lifts_the_lock(client, target):
    for attempt in range(5):
        _token(target.email, "wrong", attempt)
    assert _token(target.email, PASSWORD).status_code == 429

    client.post(reverse("account_reset_password"), {"email": target.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    new_password = "quiet-amber-lantern-77"
    client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})

    assert _token(target.email, new_password).status_code == 200


def test_unknown_accounts_lock_the_same_way_so_none_is_revealed():
    answers = [_token("nobody@example.com", "guess", attempt) for attempt in range(6)]
    assert [a.json()["code"] for a in answers[:5]] == ["invalid_credentials"] * 5
    assert answers[5].json()["code"] == "account_locked"


def test_changing_the_password_counts_wrong_current_passwords_towards_the_lock(target):
    """A stolen session is not a way to guess the password without limit (allauth's
    own limit of this page forgets after a minute), and the lock says so."""
    thief = Client()
    thief.force_login(target)
    new = {"password1": "quiet-amber-lantern-77", "password2": "quiet-amber-lantern-77"}
    for _ in range(5):
        page = thief.post(reverse("account_change_password"), {"oldpassword": "wrong", **new})
        assert "current password" in page.content.decode()

    page = thief.post(reverse("account_change_password"), {"oldpassword": PASSWORD, **new})

    assert LOCKED in page.content.decode()
    target.refresh_from_db()
    assert target.check_password(PASSWORD)  # unchanged
    assert _token(target.email, PASSWORD).status_code == 429  # one lock for every door


def test_the_admins_change_password_page_counts_towards_the_lock_too(target):
    target.is_staff = True
    target.save(update_fields=["is_staff"])
    thief = Client()
    thief.force_login(target)
    new = {"new_password1": "quiet-amber-lantern-77", "new_password2": "quiet-amber-lantern-77"}
    for _ in range(5):
        thief.post("/admin/password_change/", {"old_password": "wrong", **new})

    page = thief.post("/admin/password_change/", {"old_password": PASSWORD, **new})

    assert page.status_code == 200
    assert LOCKED in page.content.decode()
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_every_address_of_an_account_shares_its_lock(client, target):
    """A second address is not five more guesses, nor a way round the lock."""
    EmailAddress.objects.create(user=target, email="target-alt@example.com", verified=True)
    for attempt in range(3):
        _token(target.email, "wrong", attempt)
    for attempt in range(2):
        _token("Target-Alt@example.com", "wrong", attempt)

    assert _token("target-alt@example.com", PASSWORD).json()["code"] == "account_locked"
    assert LOCKED in _web_login(client, "target-alt@example.com", PASSWORD).content.decode()
    assert _token(target.email, PASSWORD).status_code == 429
