"""In Chromium: Swagger UI and Redoc render the API schema with no request leaving the machine."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_requests(page):
    """The hosts that answered: a request refused by the page's CSP never leaves."""
    hosts: set[str] = set()
    page.on("response", lambda response: hosts.add(urlsplit(response.url).hostname or ""))
    return hosts


def test_swagger_ui_renders_offline(page, live_server, console_errors):
    hosts = _watch_requests(page)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("Disputes API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/disputes/{id}/accept-claim/").first).to_be_visible()
    assert hosts == {urlsplit(live_server.url).hostname}
    assert console_errors == []


def test_redoc_renders_offline(page, live_server, console_errors):
    hosts = _watch_requests(page)
    page.goto(f"{live_server.url}/api/docs/redoc/")
    expect(page.get_by_text("Disputes API").first).to_be_visible(timeout=20000)
    expect(page.locator("h2", has_text="Open a dispute (a draft, until submitted)")).to_be_visible()
    assert hosts <= {urlsplit(live_server.url).hostname, ""}
    # Redoc's bundle always shows the Redocly logo from its CDN: the page's CSP
    # (img-src 'self' data:) refuses it before any request is made.
    refused = [e for e in console_errors if "cdn.redoc.ly" in e]
    assert all("Content Security Policy" in e for e in refused)
    assert [e for e in console_errors if e not in refused] == []
