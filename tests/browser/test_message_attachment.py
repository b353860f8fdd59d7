"""Issue 15 item 2 in Chromium: a message with an attachment; the file appears in the
gallery as evidence, and the message links to it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from disputes import services
from tests.browser.journey import shoot, signed_in
from tests.browser.test_journeys import people  # noqa: F401
from tests.disputes.conftest import open_dispute
from tests.evidence.corpus import jpeg
from tests.factories import full_order

pytestmark = [pytest.mark.browser, pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def test_a_message_with_a_photo_puts_it_in_the_gallery(browser, live_server, people, tmp_path):  # noqa: F811
    buyer, seller = people
    dispute = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    photo = tmp_path / "crushed-box.jpg"
    photo.write_bytes(jpeg(800, 600))
    errors: list[str] = []
    b = signed_in(browser, live_server, buyer.email, errors)
    b.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    b.get_by_role("textbox", name="Message").fill("This is how the box arrived.")
    b.get_by_label("Attach files").set_input_files(str(photo))
    b.get_by_role("button", name="Send").click()
    expect(b.get_by_test_id("thread")).to_contain_text("This is how the box arrived.")
    expect(b.get_by_test_id("evidence-item")).to_contain_text("crushed-box.jpg")
    link = b.get_by_test_id("thread").get_by_test_id("evidence-ref")
    expect(link).to_be_visible()
    link.click()
    assert b.url.endswith("#evidence-" + link.get_attribute("href").split("-")[-1])
    shoot(b, "message-attachment", "message-with-a-photo")
    # The seller sees the same item in their gallery.
    s = signed_in(browser, live_server, seller.email, errors)
    s.goto(f"{live_server.url}/disputes/{dispute.reference}/")
    expect(s.get_by_test_id("evidence-item")).to_contain_text("crushed-box.jpg")
    assert errors == []
