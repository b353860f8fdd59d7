"""The mediation dashboard: figures on a small known data set, who sees what, the CSV
equals the page, and a constant number of queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.choices import DisputeState
from mediation.dashboard import Period, dashboard_figures
from mediation.services import case_take
from tests.conftest import client_for
from tests.factories import DisputeFactory, MediatorFactory, full_order, make_lead

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("mediation_dashboard:dashboard")
CSV = reverse("mediation_dashboard:csv")


def _create(order, *, type="quality", reason="damaged", outcome="partial_refund", amount="60.00"):
    facts = (
        {"received_on": "2026-01-01", "affected_quantity": 6}
        if type == "quality"
        else {"received_on": "2026-01-01", "expected_quantity": 12, "received_quantity": 6}
    )
    return services.dispute_create(
        order=order,
        actor=order.buyer,
        type=type,
        reason=reason,
        description="Half of the mugs arrived broken.",
        claimed_amount=Decimal(amount),
        requested_outcome=outcome,
        facts=facts,
    )


def _journey(start, buyer, seller, steps, **create):
    """Runs a dispute from submission at ``start`` through ``steps``: (hours after the
    submission, function(dispute) -> dispute), each at its moment."""
    with time_machine.travel(start, tick=False):
        d = services.dispute_submit(
            dispute=_create(full_order(buyer=buyer, seller=seller), **create), actor=buyer
        )
    for at_hours, step in steps:
        with time_machine.travel(start + timedelta(hours=at_hours), tick=False):
            d = step(d)
    return d


@pytest.fixture
def team(mediator):
    return {
        "mia": mediator,
        "max": MediatorFactory(email="max@example.com", name="Max Moreau"),
        "lead": make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead")),
    }


@pytest.fixture
def known(buyer, seller, team):
    """Four resolutions and seven open cases whose figures are worked out by hand below."""
    mia, max_ = team["mia"], team["max"]
    t0 = timezone.now() - timedelta(days=10)

    def reject(d):
        return services.dispute_reject_claim(dispute=d, actor=seller)

    def escalate(d):
        return services.dispute_escalate(dispute=d, actor=buyer, justification="No refund at all.")

    def decide(mediator, outcome, amount):
        def step(d):
            # Nobody is on the roster: the mediator takes the case before deciding it.
            d = case_take(dispute=d, actor=mediator)
            return services.dispute_decide(
                dispute=d,
                actor=mediator,
                outcome=outcome,
                refund_amount=amount,
                reason_code="other",
                rationale="Reasons given at length.",
            )

        return step

    def accept(d):
        return services.dispute_accept_claim(dispute=d, actor=seller)

    # A: the seller accepts the 60.00 partial refund claimed after 2 h: the buyer won.
    _journey(t0, buyer, seller, [(2, accept)])
    # B: 10 h with the seller, 20 h negotiating, 24 h in review; Mia decides 40.00 of 60.00: split.
    _journey(
        t0,
        buyer,
        seller,
        [(10, reject), (30, escalate), (54, decide(mia, "partial_refund", "40.00"))],
    )
    # C: 4 h, 2 h, 24 h; Max rejects the claim: the seller won.
    _journey(
        t0,
        buyer,
        seller,
        [(4, reject), (6, escalate), (30, decide(max_, "claim_rejected", "0"))],
        type="incorrect_shipment",
        reason="wrong_quantity",
        outcome="full_refund",
        amount="120.00",
    )
    # D: resolved 200 days ago (only in the longer periods): the buyer won after 8 h.
    _journey(timezone.now() - timedelta(days=200), buyer, seller, [(8, accept)])
    # Open cases now, besides B and C (resolved, in their appeal window) and A and D (refunding).
    DisputeFactory(state=DisputeState.AWAITING_SELLER)
    DisputeFactory(state=DisputeState.UNDER_REVIEW, assigned_mediator=mia)
    DisputeFactory(state=DisputeState.UNDER_REVIEW, assigned_mediator=mia, is_overdue=True)
    DisputeFactory(state=DisputeState.UNDER_REVIEW)
    DisputeFactory(state=DisputeState.AWAITING_INFO, assigned_mediator=max_)
    DisputeFactory(state=DisputeState.APPEALED, assigned_mediator=max_)
    DisputeFactory(state=DisputeState.CLOSED, assigned_mediator=max_)  # over: counts nowhere
    return team


def hours(figure):
    return None if figure is None else round(figure.total_seconds() / 3600, 3)


def test_figures_of_the_known_data_set(known):
    figures = dashboard_figures(Period.named("90"))
    assert figures.open_by_state == {
        "awaiting_seller": 1,
        "negotiating": 0,
        "under_review": 3,
        "awaiting_info": 1,
        "proposed": 0,
        # A and D wait for their refunds, B and C for the end of the appeal window.
        "resolved": 4,
        "appealed": 1,
    }
    assert (figures.open_total, figures.overdue, figures.unassigned) == (10, 1, 1)
    # A, B, C resolved after 2, 54 and 30 hours (D is older than the period).
    assert (figures.resolved, hours(figures.median_resolution)) == (3, 30.0)
    stages = {state: (hours(median), n) for state, (median, n) in figures.stage_medians.items()}
    assert stages == {
        "awaiting_seller": (4.0, 3),  # 2, 10, 4
        "negotiating": (11.0, 2),  # 20, 2
        "under_review": (24.0, 2),  # 24, 24
        "awaiting_info": (None, 0),
        "proposed": (None, 0),
        "resolved": (None, 0),
        "appealed": (None, 0),
    }
    assert figures.outcomes_by_side == {"buyer": 1, "split": 1, "seller": 1}
    assert figures.outcomes_by_type == {
        "quality": {"buyer": 1, "split": 1, "seller": 0},
        "incorrect_shipment": {"buyer": 0, "split": 0, "seller": 1},
        "not_received": {"buyer": 0, "split": 0, "seller": 0},
    }
    rows = {
        m.name: (
            m.open_cases,
            m.overdue,
            m.decisions["buyer"],
            m.decisions["split"],
            m.decisions["seller"],
        )
        for m in figures.mediators
    }
    assert rows == {
        "Lena Lead": (0, 0, 0, 0, 0),
        "Max Moreau": (2, 0, 0, 0, 1),
        "Mia Mediator": (2, 1, 0, 1, 0),
    }


def test_the_period_filter_takes_in_older_resolutions(known):
    figures = dashboard_figures(Period.named("365"))
    # D joins: 2, 8, 30, 54 hours.
    assert (figures.resolved, hours(figures.median_resolution)) == (4, 19.0)
    assert figures.outcomes_by_side == {"buyer": 2, "split": 1, "seller": 1}
    assert figures.stage_medians["awaiting_seller"][1] == 4
    week = dashboard_figures(Period.named("7"))
    assert (week.resolved, week.median_resolution, week.outcomes_by_side) == (
        0,
        None,
        {"buyer": 0, "split": 0, "seller": 0},
    )
    # Open cases and workload are as of now, whatever the period.
    assert week.open_total == figures.open_total == 10


def test_the_page_shows_the_period_and_refuses_a_bad_one_next_to_the_field(known):
    page = client_for(known["lead"]).get(DASHBOARD, {"period": "365"}).content.decode()
    assert '<option value="365" selected>' in page
    response = client_for(known["lead"]).get(DASHBOARD, {"period": "forever"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice. forever is not one of the available choices." in body
    assert "invalid-feedback" in body
    # The figures fall back to the default period (90 days): A, B and C.
    assert response.context["figures"].resolved == 3


@pytest.fixture
def viewers(known, buyer, seller):
    return {
        "anonymous": None,
        "buyer": buyer,
        "seller": seller,
        "mediator": known["mia"],
        "lead": known["lead"],
    }


@pytest.mark.parametrize(
    ("who", "code"),
    [("anonymous", 302), ("buyer", 404), ("seller", 404), ("mediator", 200), ("lead", 200)],
)
@pytest.mark.parametrize("url", [DASHBOARD, CSV])
def test_permission_matrix(viewers, who, code, url):
    response = client_for(viewers[who]).get(url)
    assert response.status_code == code
    if code == 302:
        assert response.url.startswith(reverse("account_login"))


def test_a_mediator_sees_the_team_figures_and_only_their_own_row(viewers):
    page = client_for(viewers["mediator"]).get(DASHBOARD).content.decode()
    assert "Your workload" in page
    assert "Workload per mediator" not in page
    assert "Mia Mediator" in page
    assert "Max Moreau" not in page
    assert "Lena Lead" not in page
    assert 'data-section="open"' in page
    lead_page = client_for(viewers["lead"]).get(DASHBOARD).content.decode()
    assert "Workload per mediator" in lead_page
    assert "Max Moreau" in lead_page
    assert "Lena Lead" in lead_page


@pytest.mark.parametrize(
    ("who", "linked"), [("buyer", False), ("seller", False), ("mediator", True)]
)
def test_the_menu_links_the_dashboard_for_mediators(viewers, who, linked):
    page = client_for(viewers[who]).get(reverse("disputes:list")).content.decode()
    assert (f'href="{DASHBOARD}"' in page) == linked


def test_the_charts_are_accessible_svg_with_the_figures_in_tables(viewers):
    page = client_for(viewers["lead"]).get(DASHBOARD).content.decode()
    # Open cases, time per stage, outcomes by type, decisions and workload by mediator.
    assert page.count('<svg class="dashboard-chart img-fluid" role="img"') == 5
    mediator_page = client_for(viewers["mediator"]).get(DASHBOARD).content.decode()
    # A mediator's own row needs no chart.
    assert mediator_page.count('<svg class="dashboard-chart img-fluid" role="img"') == 3
    assert '<title id="chart-open-title">Open cases by state</title>' in page
    assert 'aria-labelledby="chart-open-title chart-open-desc"' in page
    assert "<script>" not in page  # nothing inline for the CSP to refuse


class _Tables(HTMLParser):
    """The page's figure tables as (section title, row, column, value)."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str, str, str, str]] = []
        self.caption = self.row = ""
        self.columns: list[str] = []
        self.current: list[str] = []
        self.text: list[str] | None = None
        self.in_table = self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("data-section"):
            self.in_table, self.columns = True, []
        elif self.in_table and tag in ("caption", "th", "td"):
            self.text = []
        elif self.in_table and tag == "thead":
            self.in_head = True
        elif self.in_table and tag == "tr":
            self.current = []

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if not self.in_table:
            return
        if tag in ("caption", "th", "td") and self.text is not None:
            value = "".join(self.text).strip()
            self.text = None
            if tag == "caption":
                self.caption = value
            elif self.in_head:
                self.columns.append(value)
            else:
                self.current.append(value)
        elif tag == "thead":
            self.in_head = False
        elif tag == "tr" and self.current:
            row, *values = self.current
            for column, value in zip(self.columns[1:], values, strict=True):
                self.cells.append((self.caption, row, column, "" if value == "\u2013" else value))
            self.current = []
        elif tag == "table":
            self.in_table = False


@pytest.mark.parametrize("who", ["mediator", "lead"])
def test_the_csv_has_exactly_the_figures_of_the_page(viewers, who):
    client = client_for(viewers[who])
    page = client.get(DASHBOARD, {"period": "365"})
    tables = _Tables()
    tables.feed(page.content.decode())
    response = client.get(CSV, {"period": "365"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="mediation-dashboard-365-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert [r[:3] for r in rows[1:4]] == [
        ["Period", "Last 12 months", "from"],
        ["Period", "Last 12 months", "to"],
        ["Period", "Last 12 months", "computed at"],
    ]
    assert [tuple(r) for r in rows[4:]] == tables.cells
    assert ("Resolved in the period", "Last 12 months", "Cases", "4") in tables.cells
    assert ("Outcomes by side", "Buyer won", "Cases", "2") in tables.cells


def test_a_name_that_looks_like_a_formula_is_text_in_the_csv(viewers, known):
    known["max"].name = '=HYPERLINK("http://evil")'
    known["max"].save()
    rows = list(csv.reader(io.StringIO(client_for(viewers["lead"]).get(CSV).content.decode())))
    assert ["Workload per mediator", '\'=HYPERLINK("http://evil")', "Overdue", "0"] in rows


def _queries(user) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured)


def _many_cases(count):
    mediators = [MediatorFactory() for _ in range(5)]
    states = [
        DisputeState.AWAITING_SELLER,
        DisputeState.UNDER_REVIEW,
        DisputeState.AWAITING_INFO,
        DisputeState.APPEALED,
        DisputeState.RESOLVED,
    ]
    for i in range(count):
        DisputeFactory(
            state=states[i % len(states)],
            assigned_mediator=mediators[i % len(mediators)],
            is_overdue=i % 7 == 0,
        )


def test_the_number_of_queries_does_not_grow_with_cases_or_mediators(team, settings):
    settings.MEDIATION_DASHBOARD_CACHE_SECONDS = 0  # every render computes
    lead = team["lead"]
    DisputeFactory(state=DisputeState.UNDER_REVIEW, assigned_mediator=team["mia"])
    one = _queries(lead)
    _many_cases(200)
    assert _queries(lead) == one
    # user with the bell's count (the session is read from the cache), the lead's
    # permissions (user, group),
    # then the seven of the dashboard: open cases, resolution time, outcomes by type,
    # time per stage, workload, the mediators' names, decisions by mediator; around
    # them the transaction that asks for plans made with the period's dates (a
    # savepoint here, inside the test's transaction; BEGIN and COMMIT in production)
    # and its SET LOCAL.
    assert one == 3 + 7 + 3


def test_figures_are_computed_once_a_minute_per_period_for_everyone(team, settings):
    settings.MEDIATION_DASHBOARD_CACHE_SECONDS = 60
    lead, mia = team["lead"], team["mia"]
    DisputeFactory(state=DisputeState.UNDER_REVIEW, assigned_mediator=mia)
    cold = _queries(lead)
    DisputeFactory(state=DisputeState.UNDER_REVIEW, assigned_mediator=mia)
    client = client_for(lead)
    with CaptureQueriesContext(connection) as warm:
        page = client.get(DASHBOARD)
    # Within the minute the page shows the figures it computed, without their queries.
    assert page.context["figures"].open_total == 1
    assert len(warm) == cold - 7 - 3
    assert "Figures computed at" in page.content.decode()
    # A mediator reads the same entry, cut down to their own row.
    mine = client_for(mia).get(DASHBOARD).context["figures"]
    assert (mine.open_total, [(m.name, m.open_cases) for m in mine.mediators]) == (
        1,
        [("Mia Mediator", 1)],
    )
    # Another period computes its own.
    assert client.get(DASHBOARD, {"period": "7"}).context["figures"].open_total == 2
