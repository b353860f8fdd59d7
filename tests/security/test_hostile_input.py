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

from core.api.parsers import DEEP, NUL_KEY, SURROGATE
from disputes.models import DisputeEvent
from disputes_site.search import NUL_MESSAGE
from evidence.models import Evidence
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


@pytest.mark.parametrize(
    ("where", "body"),
    [
        # A choice field echoes what it refuses: its error could not be encoded.
        ("token", '{"email": "x@example.com", "password": "x", "scope": "\\ud800"}'),
        ("message", '{"body": "Hello", "visibility": "\\udfff"}'),
        ("message", '{"body": "Hello", "\\ud800": 1}'),
        ("message", '{"body": ["\\udc00\\ud800"]}'),
    ],
)
def test_a_lone_surrogate_anywhere_in_a_json_body_answers_400(mode, seller, case, where, body):
    url = (
        "/api/v1/auth/token/"
        if where == "token"
        else reverse("api:dispute-messages", args=[case.reference])
    )
    response = _api(seller).post(url, body, content_type="application/json", **mode)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": SURROGATE}
    assert not DisputeEvent.objects.filter(dispute=case, kind="message").exists()


def test_the_production_mode_leaves_this_process_settings_as_they_were(settings):
    # Importing production.py in the test process once replaced the static
    # files storage of every later test in it (browser tests then failed).
    _production_values()
    assert "Manifest" not in settings.STORAGES["staticfiles"]["BACKEND"]


@pytest.mark.parametrize("query", ["version=%0A", "version=a%00b", "lang=%00", "format=%00"])
def test_the_api_schema_and_docs_take_hostile_parameters_without_a_500(mode, query):
    """``?version=`` was written into the schema's Content-Disposition header."""
    for path in ("/api/schema/", "/api/docs/", "/api/docs/redoc/"):
        response = Client().get(f"{path}?{query}", **mode)
        assert response.status_code < 500, (path, response.status_code)
    schema = Client().get(f"/api/schema/?{query}", **mode)
    assert "\n" not in schema.get("Content-Disposition", "")


# --- NUL in the admin's filters ------------------------------------------------


def _admin_user():
    from tests.factories import UserFactory

    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


def _changelists() -> list[tuple[str, object]]:
    from django.contrib import admin

    return sorted(
        ((f"{model._meta.app_label}.{model._meta.model_name}", model_admin))
        for model, model_admin in admin.site._registry.items()
    )


def _filter_parameters(model_admin, user) -> list[str]:
    """Every address parameter the changelist's filters read (list_filter)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    return [name for spec in changelist.filter_specs for name in spec.expected_parameters()]


@pytest.mark.parametrize(
    ("label", "model_admin"), _changelists(), ids=[label for label, _ in _changelists()]
)
def test_a_nul_in_any_admin_changelist_filter_answers_400(label, model_admin, mode):
    user = _admin_user()
    client = _client(user)
    url = reverse(f"admin:{label.replace('.', '_')}_changelist")
    assert client.get(url, **mode).status_code == 200
    names = _filter_parameters(model_admin, user)
    if model_admin.search_fields:
        names.append("q")
    if model_admin.date_hierarchy:
        names.append(f"{model_admin.date_hierarchy}__year")
    for name in names:
        response = client.get(url, {name: "\x00"}, **mode)
        assert response.status_code == 400, (name, response.status_code)
        assert b"NUL" in response.content
    # In a parameter's name too, and in a form sent to it (an action).
    assert client.get(f"{url}?a%00b=1", **mode).status_code == 400
    assert client.post(url, {"action": "x\x00"}, **mode).status_code == 400


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "-1", "2024x", "\u0662\u0660\u0662\u0664"]
)
def test_a_date_hierarchy_year_that_is_no_small_number_answers_400(value, mode, buyer):
    from tests.factories import OrderFactory

    client = _client(_admin_user())
    response = client.get(
        reverse("admin:orders_order_changelist"), {"placed_at__year": value}, **mode
    )
    assert response.status_code == 400, response.status_code
    for part in ("month", "day"):
        response = client.get(
            reverse("admin:orders_order_changelist"),
            {"placed_at__year": "2024", f"placed_at__{part}": "99999999999999999999"},
            **mode,
        )
        assert response.status_code == 400, (part, response.status_code)
    # A plain year still filters.
    order = OrderFactory(buyer=buyer)
    response = client.get(
        reverse("admin:orders_order_changelist"),
        {"placed_at__year": str(order.placed_at.year)},
        **mode,
    )
    assert response.status_code == 200
    assert order.reference in response.content.decode()


# --- NUL in an address's path ------------------------------------------------


def _addresses_with_a_text_part() -> list[str]:
    """Every route with a text part (a case's or order's reference, an action's
    name, a key), that part holding a NUL; number parts are 1."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.urls.converters import IntConverter
    from django.urls.exceptions import NoReverseMatch

    found: list[str] = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = getattr(pattern.pattern, "converters", {})
                names = list(pattern.pattern.regex.groupindex)
                if not names or all(isinstance(converters.get(n), IntConverter) for n in names):
                    continue
                kwargs = {
                    n: 1 if isinstance(converters.get(n), IntConverter) else "DSP\x00"
                    for n in names
                }
                try:
                    found.append(reverse(f"{namespace}{pattern.name}", kwargs=kwargs))
                except NoReverseMatch:  # a part whose pattern a NUL cannot match
                    continue

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_a_nul_in_any_addresss_text_part_answers_400(mode, buyer, mediator, settings):
    # Throttling is tested elsewhere: the anonymous round alone sends two requests
    # per API address, which passed the anonymous rate (60 a minute) at 31 addresses.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "token_login": None},
    }
    addresses = _addresses_with_a_text_part()
    # The pages' and the API's references are among them (else this proves little).
    assert reverse("disputes:detail", args=["DSP\x00"]) in addresses
    assert reverse("api:dispute-detail", args=["DSP\x00"]) in addresses
    assert len(addresses) > 40
    for who in (None, buyer, mediator):
        client = _client(who) if who else Client(raise_request_exception=False)
        for address in addresses:
            for send in (client.get, client.post):
                status = send(address, **mode).status_code
                if address.startswith("/api/"):
                    # The API answers its own 404 for an id that cannot exist
                    # (tests/api/test_permissions.py), and never a 500.
                    assert status in (401, 403, 404, 405), (address, send, status)
                else:
                    assert status == 400, (address, send, status)


# --- NUL in every page form a role reaches ----------------------------------------


def _pages_of(who: str, buyer, seller, mediator) -> list[str]:
    """The pages with forms or address parameters each role reaches, each
    with a case it may act on (a fresh one: a sweep may move it)."""
    from mediation.services import case_take
    from tests.factories import full_order
    from tests.mediation.conftest import escalated

    if who == "anonymous":
        return [
            reverse("account_login"),
            reverse("account_signup"),
            reverse("account_reset_password"),
        ]
    pages = [
        reverse("account_change_password"),
        reverse("account_email"),
        reverse("accounts:account"),
        reverse("notifications"),
        reverse("notification_preferences"),
        reverse("integrations:tokens"),
        reverse("disputes:list"),
    ]
    if who in ("buyer", "seller"):
        case = submitted_case(full_order(buyer=buyer, seller=seller), buyer)
        fresh = full_order(buyer=buyer, seller=seller)
        pages += [
            reverse("disputes:detail", args=[case.reference]),
            reverse("evidence:gallery", args=[case.reference]),
            reverse("orders:list"),
            reverse("orders:detail", args=[fresh.reference]),
        ]
        if who == "buyer":
            pages.append(reverse("orders:start_dispute", args=[fresh.reference]))
        else:
            pages.append(reverse("integrations:webhooks"))
        return pages
    case = escalated(full_order(buyer=buyer, seller=seller))
    if case.assigned_mediator_id != mediator.pk:
        case_take(dispute=case, actor=mediator)
    pages += [
        reverse("disputes:detail", args=[case.reference]),
        reverse("mediation:queue"),
        reverse("mediation:case", args=[case.reference]),
        reverse("mediation_dashboard:dashboard"),
    ]
    if who == "lead":
        pages.append(reverse("mediation:reassign") + f"?cases={case.reference}")
    return pages


def test_a_nul_in_any_field_of_any_page_form_never_answers_500(
    mode, buyer, seller, mediator, senior
):
    """Every role (a lead last: leads reassign), every form of its pages."""
    from tests.factories import make_lead
    from tests.security.nul_sweep import sweep

    make_lead(senior)
    users = {"anonymous": None, "buyer": buyer, "seller": seller, "mediator": mediator}
    for who, user in [*users.items(), ("lead", senior)]:
        client = _client(user) if user else Client(raise_request_exception=False)
        answers = sweep(client, _pages_of(who, buyer, seller, mediator), **mode)
        assert len(answers) > 10, who
        assert [answer for answer in answers if answer[-1] >= 500] == [], who
    reassign = [a for a in answers if a[1] == reverse("mediation:reassign")]
    assert reassign
    assert all(status == 400 for *_rest, status in reassign), reassign


# --- NUL in the reassign page's list of cases ------------------------------------


def test_a_nul_in_the_cases_to_reassign_answers_400_next_to_the_form(mode, senior, mediator):
    from tests.factories import full_order, make_lead
    from tests.mediation.conftest import escalated, on_roster

    make_lead(senior)
    case = escalated(full_order())  # nobody on the roster yet: unassigned
    on_roster(mediator)
    client = _client(senior)
    url = reverse("mediation:reassign")
    shown = client.get(url, {"cases": f"{case.reference},a\x00b"}, **mode)
    posted = client.post(url, {"cases": "a\x00b", "mediator": mediator.pk}, **mode)
    for response in (shown, posted):
        assert response.status_code == 400
        form = response.content.decode().split("<form", 1)[1]
        # The first thing in the form, above the choice of mediator.
        assert "contains a NUL character" in form.split('name="mediator"', 1)[0]
    case.refresh_from_db()
    assert case.assigned_mediator_id is None
