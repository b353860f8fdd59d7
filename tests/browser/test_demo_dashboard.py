"""Issue 15 item 7 in Chromium: the demo's 90 days of history give the lead's
dashboard real medians (the README's screenshot comes from here). Tasks run inline, as in the demo: the
past's refunds are paid at their own time."""

from __future__ import annotations

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.journey import shoot, signed_in
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_lead_sees_the_demo_s_last_90_days(browser, live_server):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    lead = User.objects.get(email="senior@example.com")
    lead.set_password(PASSWORD)
    lead.save(update_fields=["password"])
    errors: list[str] = []
    page = signed_in(browser, live_server, lead.email, errors)
    page.goto(f"{live_server.url}/mediation/dashboard/?period=90")
    expect(page.get_by_role("heading", name="Mediation dashboard")).to_be_visible()
    median = page.get_by_text("Median time to resolution", exact=True).first.locator("xpath=..")
    expect(median).to_contain_text(re.compile(r"\d+ h"))
    shoot(page, "demo", "dashboard-90-days", docs=True)
    assert errors == []
