"""The OpenAPI 3 schema validates; the docs pages load nothing from outside the machine."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

SPEC_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/orders/",
    "/api/v1/orders/{id}/",
    "/api/v1/disputes/",
    "/api/v1/disputes/{id}/",
    *[
        f"/api/v1/disputes/{{id}}/{a}/"
        for a in (
            "submit",
            "accept-claim",
            "reject-claim",
            "make-offer",
            "accept-offer",
            "request-refund",
            "escalate",
            "request-info",
            "provide-info",
            "decide",
            "appeal",
            "decide-appeal",
            "cancel",
            "evidence",
            "messages",
            "events",
            "offers",
        )
    ],
    "/api/v1/disputes/{id}/evidence/{eid}/download/",
    "/api/v1/disputes/{id}/decision-pdf/",
    "/api/v1/disputes/{id}/case-file/",
    "/api/v1/notifications/",
    "/api/v1/notifications/{id}/read/",
]


@pytest.fixture
def schema():
    answer = Client().get("/api/schema/")
    assert answer.status_code == 200
    return yaml.safe_load(answer.content)


def test_the_schema_is_valid_openapi_3_with_every_call_of_the_spec(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    missing = [
        p for p in SPEC_PATHS if p not in paths and p.replace("{id}/read", "{pk}/read") not in paths
    ]
    assert missing == []


def test_every_operation_has_a_summary_and_its_error_answers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            if path != "/api/v1/auth/token/":
                assert "401" in operation["responses"], (method, path)
            if method == "post" and "{id}" in path and path.count("/") == 6:
                assert "409" in operation["responses"], path


def test_every_operation_carries_examples_but_file_downloads(schema):
    without = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            bodies = [
                *operation.get("requestBody", {}).get("content", {}).values(),
                *(
                    c
                    for r in operation["responses"].values()
                    for c in r.get("content", {}).values()
                ),
            ]
            if not any("examples" in body for body in bodies):
                without.append(f"{method} {path}")
    assert without == [
        "post /api/v1/disputes/{id}/case-file/",
        "get /api/v1/disputes/{id}/decision-pdf/",
        "get /api/v1/disputes/{id}/evidence/{eid}/download/",
        "get /api/v1/disputes/{id}/evidence/{eid}/thumbnail/",
    ]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/docs/redoc/"])
def test_the_docs_reference_nothing_outside_the_machine(url):
    page = Client().get(url)
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, html
    assert [u for u in urls if re.match(r"(https?:)?//", u)] == []
    for asset in urls:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    # The JavaScript they load names no CDN either.
    for asset in urls:
        if asset.endswith(".js") and asset.startswith("/static/"):
            with open(finders.find(asset.removeprefix("/static/")), encoding="utf-8") as f:
                code = f.read()
            assert "cdn.jsdelivr" not in code, asset
            assert "unpkg.com" not in code, asset
