"""What the journeys share: a signed-in browser per person, screenshots at desktop
and phone width, the phone-width overflow check and the axe-core audit."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
# Test artifacts (CI keeps test-results/); docs/screenshots/ is refreshed from
# them when DOCS_SCREENSHOTS=1 (see docs/screenshots/README.md).
ARTIFACTS = ROOT / "test-results" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# axe-core impacts the issue holds us to.
BLOCKING = {"serious", "critical"}


def signed_in(browser: Browser, live_server, email: str, errors: list[str]) -> Page:
    """A page in a fresh browser context (own cookies), logged in as ``email``.

    Console errors and page errors (a CSP violation lands here) go to ``errors``.
    """
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("bell")).to_be_visible()
    return page


def audit(page: Page) -> None:
    """axe-core on the page as it is: no serious or critical violation.

    The script is evaluated through the DevTools protocol, which the page's CSP
    does not govern, so the CSP stays on for everything else."""
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    blocking = [v for v in result if v["impact"] in BLOCKING]
    assert blocking == [], f"axe-core on {page.url}: {blocking}"


def fits_phone(page: Page) -> None:
    """Nothing sticks out sideways at phone width (no horizontal scrolling)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a phone screen"


def shoot(page: Page, journey: str, name: str, *, docs: bool = False) -> None:
    """Full-page screenshots at desktop and phone width, checked for overflow and
    audited with axe-core at both widths."""
    out = ARTIFACTS / journey
    out.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        if width == "phone":
            fits_phone(page)
        audit(page)
        path = out / f"{slug}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        if docs and os.environ.get("DOCS_SCREENSHOTS") == "1":
            DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS / path.name)
    page.set_viewport_size(DESKTOP)


def act(page: Page, action: str) -> None:
    """Open an action's panel on the dispute page ("What you can do now")."""
    panel = page.locator(f"details[data-action={action}]")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
