"""MEDIATOR_MFA_REQUIRED: a mediator without an authenticator is sent to set one up."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_mediator_without_totp_is_sent_to_set_it_up(settings, mediator):
    settings.MEDIATOR_MFA_REQUIRED = True
    EmailAddress.objects.create(user=mediator, email=mediator.email, verified=True, primary=True)
    client = Client()
    login = client.post(reverse("account_login"), {"login": mediator.email, "password": PASSWORD})
    assert login.status_code == 302
    # Straight after login, and on any page after that, until TOTP is set up.
    assert client.get(login.url).url == reverse("mfa_activate_totp")
    response = client.get(reverse("disputes:list"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    # allauth asks for the password again before showing the QR code.
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()


def test_mediator_with_totp_works_normally(settings, mediator):
    settings.MEDIATOR_MFA_REQUIRED = True
    Authenticator.objects.create(user=mediator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client_for(mediator).get(reverse("disputes:list")).status_code == 200


def test_buyers_are_not_asked(settings, buyer):
    settings.MEDIATOR_MFA_REQUIRED = True
    assert client_for(buyer).get(reverse("orders:list")).status_code == 200


def test_off_by_default_for_the_demo(mediator):
    assert client_for(mediator).get(reverse("disputes:list")).status_code == 200
