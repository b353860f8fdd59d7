"""Issue 12, item 6: hostile input answers 400 with a clear message, never 500,
with DEBUG on (local) and with the production settings."""

from __future__ import annotations

import ast
import functools
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from disputes.models import DisputeEvent
from disputes_site.search import NUL_MESSAGE
from evidence.models import Evidence
from integrations.api.parsers import DEEP, NUL_KEY
from tests.api.conftest import api_for
from tests.evidence.conftest import files_under, upload
from tests.evidence.corpus import png
from tests.page_client import PageClient
from tests.security.fixtures import submitted_case

pytestmark = pytest.mark.django_db

PRODUCTION = (
    Path(importlib.import_module("disputes_site.settings").__file__).parent / "production.py"
)


@functools.cache
def _production_values() -> dict[str, object]:
    """The settings production.py itself assigns (DEBUG, the secure transport
    ones, …), as it computes them. Read in another process: importing it here
    would change this process's settings (it edits base's STORAGES in place)."""
    tree = ast.parse(PRODUCTION.read_text())
    names = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper() and target.id != "SECRET_KEY"
    ]
    script = (
        "import disputes_site.settings.production as p; "
        f"print(repr({{n: getattr(p, n) for n in {names!r}}}))"
    )
    env = {**os.environ, "DJANGO_SECRET_KEY": "production-like-" + "k" * 50}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


@pytest.fixture(params=["local", "production"])
def mode(request, settings):
    """``local``: DEBUG on, as ``make demo``. ``production``: every value that
    disputes_site.settings.production sets (DEBUG off, HTTPS redirect, secure
    cookies, HSTS, …) applied over the test settings; requests come in over HTTPS
    as behind the TLS proxy. The secret key stays the test one (sessions)."""
    if request.param == "local":
        settings.DEBUG = True
        return {}
    for name, value in _production_values().items():
        setattr(settings, name, value)
    assert settings.DEBUG is False
    assert settings.SECURE_SSL_REDIRECT is True
    return {"secure": True, "HTTP_X_FORWARDED_PROTO": "https"}


@pytest.fixture
def case(order, buyer):
    return submitted_case(order, buyer)


@pytest.fixture(autouse=True)
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _client(user) -> Client:
    client = PageClient(raise_request_exception=False)  # a 500 is answered, not raised
    client.force_login(user)
    return client


def _api(user):
    client = api_for(user)
    client.raise_request_exception = False
    return client


# --- NUL in a page's search --------------------------------------------------

SEARCH_BOXES = [
    # (who, page, the box, the id of its message)
    ("buyer", "disputes:list", "q", "dq-error"),
    ("seller", "disputes:list", "q", "dq-error"),
    ("buyer", "orders:list", "q", "order-q-error"),
    ("seller", "orders:list", "q", "order-q-error"),
    ("mediator", "mediation:queue", "min_amount", None),
    ("mediator", "mediation:queue", "max_amount", None),
    ("mediator", "mediation:queue", "older_than_days", None),
]


@pytest.mark.parametrize(("who", "page", "box", "message_id"), SEARCH_BOXES)
def test_a_nul_in_a_page_search_box_answers_400_with_the_message_next_to_it(
    who, page, box, message_id, mode, request, case
):
    client = _client(request.getfixturevalue(who))
    response = client.get(reverse(page), {box: "ORD\x00"}, **mode)
    assert response.status_code == 400
    html = response.content.decode()
    if message_id:
        assert f'id="{message_id}" class="invalid-feedback"' in html
        feedback = html.split(f'id="{message_id}"', 1)[1]
    else:
        feedback = html.split(f'name="{box}"', 1)[1]
    # The message is the first feedback after the box: next to it.
    assert str(NUL_MESSAGE) in feedback.split("</div>", 1)[0]


def test_a_search_without_nul_still_finds_and_answers_200(mode, buyer, case):
    response = _client(buyer).get(reverse("disputes:list"), {"q": case.reference[-4:]}, **mode)
    assert response.status_code == 200
    assert case.reference in response.content.decode()


@pytest.mark.parametrize("url", ["api:dispute-list", "api:order-list"])
def test_a_nul_in_an_api_search_answers_400(url, mode, buyer, case):
    response = _api(buyer).get(reverse(url), {"q": "ORD\x00"}, **mode)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


# --- NUL in an evidence description ------------------------------------------


def _nothing_stored(case, local_media) -> None:
    assert Evidence.objects.count() == 0
    assert files_under(local_media) == []
    assert not DisputeEvent.objects.filter(dispute=case, kind="evidence_added").exists()


def test_a_nul_in_a_page_uploads_description_answers_400_next_to_the_file(
    mode, buyer, case, local_media
):
    response = _client(buyer).post(
        reverse("evidence:upload", args=[case.reference]),
        {"file": upload("photo.png", png()), "description": "Broken\x00mugs"},
        **mode,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="upload-error"' in html
    assert "The description contains a NUL" in html
    _nothing_stored(case, local_media)


def test_a_nul_in_an_api_uploads_description_answers_400_for_that_field(
    mode, buyer, case, local_media
):
    response = _api(buyer).post(
        reverse("api:evidence-list", args=[case.reference]),
        {"file": upload("photo.png", png()), "description": "Broken\x00mugs"},
        format="multipart",
        **mode,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["description"]
    _nothing_stored(case, local_media)


# --- A 50,000-deep JSON body ---------------------------------------------------

DEEP_BODY = "[" * 50_000 + "]" * 50_000


def _json_endpoints(case) -> list[tuple[str, bool]]:
    """(address, signed in): one of each kind of JSON endpoint."""
    return [
        (reverse("api:token"), False),
        (reverse("api:dispute-list"), True),
        (reverse("api:dispute-messages", args=[case.reference]), True),
        (reverse("api:dispute-make-offer", args=[case.reference]), True),
        (reverse("api:webhook-endpoints"), True),
    ]


def test_a_50000_deep_json_body_answers_400_on_every_kind_of_json_endpoint(mode, seller, case):
    for url, signed_in in _json_endpoints(case):
        client = _api(seller if signed_in else None)
        response = client.post(url, DEEP_BODY, content_type="application/json", **mode)
        assert response.status_code == 400, (url, response.status_code)
        assert response.json() == {"code": "invalid", "detail": DEEP}, url


def test_a_nul_in_a_json_key_answers_400(mode, seller, case):
    response = _api(seller).post(
        reverse("api:dispute-messages", args=[case.reference]),
        '{"body": "Hello", "x\\u0000y": 1}',
        content_type="application/json",
        **mode,
    )
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": NUL_KEY}


def test_the_production_mode_leaves_this_process_settings_as_they_were(settings):
    # Importing production.py in the test process once replaced the static
    # files storage of every later test in it (browser tests then failed).
    _production_values()
    assert "Manifest" not in settings.STORAGES["staticfiles"]["BACKEND"]
