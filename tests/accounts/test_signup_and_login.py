"""Signing up as a buyer or a seller, verifying the email, logging in, rate limits."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Role, SellerProfile, User
from tests.factories import PASSWORD, BuyerFactory

pytestmark = pytest.mark.django_db

STRONG = "pale-violet-harbour-42"


def _signup(client, **extra):
    data = {
        "email": "new@example.com",
        "name": "Nina New",
        "password1": STRONG,
        "password2": STRONG,
        "role": Role.BUYER,
        "store_name": "",
        "country": "",
    } | extra
    return client.post(reverse("account_signup"), data)


def test_buyer_signs_up_and_must_verify_the_email(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.com")
    assert (user.role, user.name) == (Role.BUYER, "Nina New")
    assert not SellerProfile.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]

    # Following the link in the mail verifies the address and logs the user in.
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(
        1
    )
    client.post(link)
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get(reverse("orders:list")).status_code == 200


def test_seller_signs_up_with_a_store(client):
    _signup(client, role=Role.SELLER, store_name="Porto Ceramics", country="PT")
    profile = SellerProfile.objects.get(user__email="new@example.com")
    assert (profile.store_name, profile.country.code, profile.user.role) == (
        "Porto Ceramics",
        "PT",
        Role.SELLER,
    )


def test_seller_without_a_store_gets_the_error_next_to_the_field_and_keeps_input(client):
    response = _signup(client, role=Role.SELLER, name="Kept Name")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A seller account needs a store name." in html
    assert "A seller account needs a country." in html
    assert 'value="Kept Name"' in html
    assert 'value="new@example.com"' in html
    assert not User.objects.filter(email="new@example.com").exists()


def test_nobody_can_sign_up_as_a_mediator(client):
    response = _signup(client, role=Role.MEDIATOR)
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.com").exists()


def test_login_with_email_and_password(client):
    user = BuyerFactory(email="login@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        reverse("account_login"), {"login": "LOGIN@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("orders:list")).status_code == 200


def test_failed_logins_are_rate_limited(client):
    user = BuyerFactory(email="target@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
        assert "not correct" in response.content.decode()
    # Even the right password is refused once the account's limit is reached.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_sends_a_mail(client):
    BuyerFactory(email="forgot@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgot@example.com"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_superuser_is_staff_and_logs_in_by_email():
    admin = User.objects.create_superuser("Root@Example.com", "pw-unused-12345")
    assert admin.email == "root@example.com"
    assert admin.is_staff
    assert admin.is_superuser


def test_senior_mediator_has_the_review_appeals_permission(mediator):
    from tests.factories import make_senior

    assert not mediator.is_senior_mediator
    assert make_senior(mediator).is_senior_mediator
