"""The demo path: migrate and seed_demo on a fresh SQLite file, twice, and every login works."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from accounts.models import User
from disputes import services
from disputes.choices import DisputeState
from disputes.events import verify_all
from disputes.models import Dispute, DisputeEvent
from orders.eligibility import dispute_eligibility
from orders.models import Order, OrderItem, OrderStatus, Payment, Shipment
from tests.processes import manage

ROOT = Path(__file__).resolve().parents[2]


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = manage(
        *args, DJANGO_SETTINGS_MODULE="disputes_site.settings.local", VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    return result


def test_demo_migrates_and_seeds_a_fresh_sqlite_file_idempotently(tmp_path):
    _demo(tmp_path, "migrate", "--noinput")
    first = _demo(tmp_path, "seed_demo")
    assert "buyer@example.com" in first.stdout
    dump_args = (
        "dumpdata",
        "accounts.user",
        "accounts.sellerprofile",
        "orders",
        "account.emailaddress",
        "disputes",
        "--indent",
        "1",
    )
    before = _demo(tmp_path, *dump_args).stdout
    second = _demo(tmp_path, "seed_demo")
    assert "(0 orders created, 0 disputes created)" in second.stdout
    assert _demo(tmp_path, *dump_args).stdout == before
    assert (tmp_path / "demo.sqlite3").exists()


def _snapshot() -> list[object]:
    return [
        sorted(User.objects.values_list("email", "role", "name", "is_superuser", "password")),
        sorted(
            Order.objects.values_list(
                "reference",
                "status",
                "total",
                "amount_paid",
                "placed_at",
                "buyer__email",
                "seller__email",
                "expected_delivery_date",
            )
        ),
        sorted(
            OrderItem.objects.values_list(
                "order__reference", "product_name", "quantity", "unit_price"
            )
        ),
        sorted(Payment.objects.values_list("order__reference", "amount", "paid_at")),
        sorted(Shipment.objects.values_list("order__reference", "shipped_at", "delivered_at")),
        sorted(
            Dispute.objects.values_list(
                "reference", "state", "settlement", "deadline_at", "chain_head"
            )
        ),
        DisputeEvent.objects.count(),
    ]


@pytest.mark.django_db
def test_seed_demo_twice_leaves_the_same_data_on_postgres():
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    before = _snapshot()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert _snapshot() == before
    assert 70 <= Order.objects.count() <= 90
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)


@pytest.mark.django_db
def test_several_of_each_buyers_delivered_orders_can_be_disputed():
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for email in ("buyer@example.com", "buyer2@example.com"):
        delivered = Order.objects.filter(buyer__email=email, status=OrderStatus.DELIVERED)
        open_now = [o for o in delivered if dispute_eligibility(o).allowed]
        closed = [o for o in delivered if dispute_eligibility(o).code == "window_closed"]
        assert len(open_now) >= 3
        assert closed, "the demo shows an order whose window has closed, and why"


@pytest.mark.django_db
@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.email)
def test_every_demo_login_works(account):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": account.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    landing = client.get(response.url, follow=True)
    assert landing.status_code == 200
    assert account.email.split("@")[0] != ""
    assert User.objects.get(email=account.email).role == account.role


@pytest.mark.django_db
def test_the_demo_has_disputes_in_every_state_some_already_due(django_capture_on_commit_callbacks):
    # As in the demo, the refunds are paid once their transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert set(Dispute.objects.values_list("state", flat=True)) == set(DisputeState.values)
    assert Dispute.objects.filter(deadline_at__lte=timezone.now()).count() == 2
    assert list(verify_all()) == []
    # The sweep (what run_deadlines does beside the demo server) moves the due ones on.
    assert services.sweep().timeouts == 2


@pytest.mark.django_db
def test_the_demo_has_90_days_of_history_that_the_dashboard_and_sellers_show(
    django_capture_on_commit_callbacks,
):
    from accounts.reputation import seller_reputation
    from mediation.dashboard import Period, dashboard_figures
    from orders.demo import HISTORY_DAYS_AGO
    from tests.factories import make_lead

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # The cases of today's states are opened now; the past's, over 90 days.
    now = timezone.now()
    past = Dispute.objects.filter(created_at__lt=now - timedelta(days=1))
    assert past.count() == len(HISTORY_DAYS_AGO) >= 25
    opened = sorted(past.values_list("created_at", flat=True))
    assert now - timedelta(days=90) < opened[0] < now - timedelta(days=80)
    assert opened[-1] > now - timedelta(days=10)
    assert DisputeEvent.objects.filter(dispute__in=past, created_at__lt=now - timedelta(days=60))
    assert list(verify_all()) == []
    assert set(past.values_list("state", flat=True)) == {"closed", "cancelled"}

    # The lead's dashboard over 90 days: a median time to resolution, and a
    # median stay in the stages the past went through.
    lead = make_lead(User.objects.get(email="senior@example.com"))
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("mediation_dashboard:dashboard") + "?period=90").content.decode()
    figures = dashboard_figures(Period.named("90"))
    assert figures.median_resolution is not None
    assert figures.median_resolution > timedelta(hours=1)
    for stage in ("awaiting_seller", "negotiating", "under_review"):
        median, stays = figures.stage_medians[stage]
        assert median is not None, stage
        assert median > timedelta(hours=1), stage
        assert stays >= 5, stage
    shown = re.search(r'Median time to resolution</div><div class="fs-3">([\d.,]+) h<', page)
    assert shown, "the dashboard shows a median time to resolution in hours"
    # The sellers answer in hours, as the seller page says.
    for email in ("seller@example.com", "seller2@example.com"):
        reputation = seller_reputation(User.objects.get(email=email).pk)
        assert reputation.median_first_response_hours is not None
        assert 4 < reputation.median_first_response_hours < 72
