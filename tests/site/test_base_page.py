"""The base page: role-aware menu, CSP with nonces, vendored assets served locally."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


def test_buyer_menu(buyer):
    menu = _menu(client_for(buyer).get(reverse("orders:list")).content.decode())
    assert "Manage orders" in menu
    assert "Disputes" in menu
    assert "Admin" not in menu
    assert "Review queue" not in menu


def test_seller_menu(seller):
    menu = _menu(client_for(seller).get(reverse("orders:list")).content.decode())
    assert "Manage orders" in menu
    assert "Disputes" in menu


def test_mediator_menu_is_the_review_queue(mediator):
    menu = _menu(client_for(mediator).get(reverse("disputes:list")).content.decode())
    assert "Review queue" in menu
    assert "Manage orders" not in menu


def test_staff_see_the_admin(mediator):
    mediator.is_staff = True
    mediator.save()
    assert "Admin" in _menu(client_for(mediator).get(reverse("disputes:list")).content.decode())


def test_home_sends_each_role_to_its_work(buyer, mediator):
    assert client_for(buyer).get("/").url == reverse("orders:list")
    assert client_for(mediator).get("/").url == reverse("disputes:list")


def test_every_script_carries_the_nonce_of_the_csp_header(buyer):
    response = client_for(buyer).get(reverse("orders:list"))
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "script-src 'self' 'nonce-" in csp
    assert "style-src 'self';" in csp  # no inline styles anywhere
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts
    assert all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)


@pytest.mark.parametrize(
    "path", ["/static/vendor/htmx/htmx.min.js", "/static/vendor/bootstrap/css/bootstrap.min.css"]
)
def test_vendored_assets_are_served_from_this_site(client, path):
    response = client.get(path)
    assert response.status_code == 200


def test_login_page_renders_for_anonymous(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert 'type="email"' in response.content.decode()


def test_healthz(client):
    assert client.get("/healthz").json() == {"ok": True}
