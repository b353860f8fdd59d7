"""The workflow table is the single source: the diagrams, SPEC's arrows, the services."""

from __future__ import annotations

from pathlib import Path

from disputes.choices import DisputeState
from disputes.services import SERVICES, TIMEOUT_SERVICES
from disputes.workflow import RULES, TRANSITIONS
from disputes.workflow_doc import mermaid, workflow_markdown

ROOT = Path(__file__).resolve().parents[2]

# SPEC section 3's arrows, as (source, target, name).
SPEC_ARROWS = {
    ("draft", "awaiting_seller", "submit"),
    ("awaiting_seller", "resolved", "accept_claim"),
    ("awaiting_seller", "negotiating", "make_offer"),
    ("awaiting_seller", "negotiating", "reject_claim"),
    ("awaiting_seller", "under_review", "seller_silence"),
    ("negotiating", "negotiating", "make_offer"),
    ("negotiating", "negotiating", "request_refund"),
    ("negotiating", "resolved", "accept_offer"),
    ("negotiating", "under_review", "escalate"),
    ("negotiating", "under_review", "negotiation_timeout"),
    ("under_review", "awaiting_info", "request_info"),
    ("awaiting_info", "under_review", "provide_info"),
    ("awaiting_info", "under_review", "info_timeout"),
    ("under_review", "resolved", "decide"),
    ("resolved", "appealed", "appeal"),
    ("resolved", "closed", "complete"),
    ("resolved", "closed", "finalize"),
    ("appealed", "closed", "decide_appeal"),
    *{
        (state, "cancelled", "cancel")
        for state in ("draft", "awaiting_seller", "negotiating", "under_review", "awaiting_info")
    },
}


def _arrows() -> set[tuple[str, str, str]]:
    return {
        (source, target, t.name)
        for t in TRANSITIONS.values()
        for source in t.sources
        for target in (t.targets or (source,))
    }


def test_every_arrow_of_the_spec_is_in_the_table():
    assert SPEC_ARROWS - _arrows() == set()


def test_every_transition_has_exactly_one_service():
    assert set(SERVICES) == set(TRANSITIONS)
    for name, service in SERVICES.items():
        assert service.__name__ == f"dispute_{name}"


def test_every_deadline_rule_has_a_timeout_service_and_every_waiting_state_a_rule():
    assert {rule.on_timeout for rule in RULES.values()} == set(TIMEOUT_SERVICES)
    started = {t.starts for t in TRANSITIONS.values()} - {None}
    assert started <= set(RULES)


def test_terminal_states_have_no_way_out():
    for t in TRANSITIONS.values():
        assert not t.sources & {DisputeState.CLOSED, DisputeState.CANCELLED}, t.name


def test_docs_workflow_md_matches_the_table():
    assert (ROOT / "docs" / "workflow.md").read_text() == workflow_markdown(), (
        "docs/workflow.md is out of date: run `manage.py workflow_doc`"
    )


def test_readme_diagram_matches_the_table():
    assert mermaid() in (ROOT / "README.md").read_text()


def test_the_state_lists_come_from_each_state_s_phase():
    """A state is declared once, with its phase; the lists the code asks for follow
    (written out here from SPEC sections 3, 8 and 13.1, independently of the code)."""
    from disputes.choices import PHASE_OF, PLATFORM_STATES, TERMINAL_STATES, DisputeState
    from disputes.workflow import BEFORE_RESOLVED
    from mediation.assignment import OPEN_STATES
    from mediation.dashboard import OPEN_STATES as DASHBOARD_OPEN
    from mediation.selectors import QUEUE_STATES

    assert set(PHASE_OF) == set(DisputeState.values)
    assert set(PLATFORM_STATES) == {"under_review", "awaiting_info", "proposed", "appealed"}
    assert set(OPEN_STATES) == set(PLATFORM_STATES)
    assert set(QUEUE_STATES) == {"under_review", "awaiting_info", "proposed"}
    assert set(TERMINAL_STATES) == {"closed", "cancelled"}
    assert set(DASHBOARD_OPEN) == set(DisputeState.values) - {"draft", "closed", "cancelled"}
    assert set(BEFORE_RESOLVED) == {
        "draft",
        "awaiting_seller",
        "negotiating",
        "under_review",
        "awaiting_info",
        "proposed",
    }
