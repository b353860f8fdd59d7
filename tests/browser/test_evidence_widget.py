"""The evidence widget in Chromium: two files at once, one refused next to its row,
the progress bars, and the accepted one in the gallery."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from disputes import services
from tests.conftest import open_dispute
from tests.evidence.corpus import png
from tests.factories import PASSWORD, BuyerFactory, full_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_files_one_refused_one_in_the_gallery(
    page, live_server, console_errors, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    buyer = BuyerFactory(email="widget@example.com")
    EmailAddress.objects.create(user=buyer, email=buyer.email, verified=True, primary=True)
    dispute = services.dispute_submit(dispute=open_dispute(full_order(buyer=buyer)), actor=buyer)
    good = tmp_path / "crushed-box.png"
    good.write_bytes(png(800, 600))
    bad = tmp_path / "notes.jpg"
    bad.write_text("<html><script>alert('x')</script></html>")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(buyer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    expect(page.get_by_test_id("gallery-empty")).to_be_visible()

    page.get_by_label("Choose files or drop them here").set_input_files([str(good), str(bad)])
    rows = page.locator("[data-row]")
    expect(rows).to_have_count(2)
    rows.nth(0).get_by_label("Description").fill("The crushed corner")
    expect(page.get_by_role("progressbar", name="Upload progress")).to_have_count(2)
    page.get_by_role("button", name="Upload", exact=True).click()

    # The refused file says why, next to its own row; the other one arrives.
    expect(rows.nth(1).get_by_test_id("upload-error")).to_contain_text(
        "not a photo, video or document"
    )
    expect(rows.nth(0).locator("[data-progress]")).to_have_text("100%")
    item = page.get_by_test_id("evidence-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("crushed-box.png")
    expect(item).to_contain_text("The crushed corner")
    # After a reload the thumbnail (made by the task) opens in the lightbox.
    page.reload()
    page.get_by_role("button", name="View crushed-box.png larger").click()
    expect(page.locator("#lightbox-image")).to_be_visible()
    expect(page.locator("#lightbox-title")).to_have_text("crushed-box.png")
    # Chromium logs the refused request itself; nothing else may fail (no CSP violation).
    assert [e for e in console_errors if "status of 415" not in e] == []
