"""Every transition of the workflow table has every part it needs, and the registries
built from the table are what the pages and the API expose (issue 14).

A transition missing its page form used to be a 500 on the dispute page; one missing
its API action, a hole in the API; one missing its title, a notification saying
"case updated". These tests fail first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from disputes.api.actions import ACTIONS
from disputes.forms import ACTION_FORMS
from disputes.inputs import Kind
from disputes.notifications import TITLES
from disputes.services import SERVICES, TIMEOUT_SERVICES
from disputes.services.transitions import BATCH_BUILDS
from disputes.timeline import OTHER_KINDS, event_label
from disputes.workflow import MEDIATOR_ACTIONS, RULES, TRANSITIONS, Role

ROOT = Path(__file__).resolve().parents[2]
# Taken by a person (a party or a mediator), not only by the system.
BY_PEOPLE = {name for name, t in TRANSITIONS.items() if t.roles - {Role.SYSTEM}}


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
def test_each_transition_has_a_label_a_service_a_title_and_a_timeline_line(name):
    transition = TRANSITIONS[name]
    assert transition.label
    assert SERVICES[name].__name__ == f"dispute_{name}"
    assert name in TITLES
    assert "{ref}" in TITLES[name]
    assert event_label(name) == transition.label


@pytest.mark.parametrize("name", sorted(BY_PEOPLE))
def test_each_transition_a_person_takes_has_a_page_form_and_an_api_action(name):
    form_class, button = ACTION_FORMS[name]
    assert button
    form_class(prefix=name)  # builds without arguments
    input_class, summary = ACTIONS[name]
    assert summary
    input_class()


def test_the_forms_and_actions_are_exactly_the_people_s_transitions():
    assert set(ACTION_FORMS) == BY_PEOPLE
    assert set(ACTIONS) == BY_PEOPLE
    assert set(MEDIATOR_ACTIONS) <= BY_PEOPLE
    assert set(MEDIATOR_ACTIONS) == {"request_info", "propose", "decide", "decide_appeal"}


@pytest.mark.parametrize("name", sorted(BY_PEOPLE))
def test_the_page_form_and_the_api_input_are_one_declared_schema(name):
    """Both doors take the same fields, required alike, from ``Transition.inputs``
    (a page's confirmation box is the only field the API has no use for)."""
    declared = TRANSITIONS[name].inputs
    confirmations = {f.name for f in declared if f.kind == Kind.CONFIRM}
    form = ACTION_FORMS[name][0]()
    serializer = ACTIONS[name][0]()
    assert list(form.fields) == [f.name for f in declared]
    assert list(serializer.fields) == [f.name for f in declared if f.name not in confirmations]
    for spec in declared:
        assert form.fields[spec.name].required == spec.required, spec.name
        if spec.name not in confirmations:
            assert serializer.fields[spec.name].required == spec.required, spec.name
        assert spec.kind == Kind.REF or spec.label, f"{name}.{spec.name} has no label"


def test_the_engine_refuses_an_undeclared_target_and_engine_only_columns(submitted, seller):
    from disputes.models import Dispute
    from disputes.services.engine import Change, run_transition

    before = Dispute.objects.get(pk=submitted.pk)
    with pytest.raises(ValueError, match="cannot lead to closed"):
        run_transition(submitted, seller, "reject_claim", lambda d, r: Change(target="closed"))
    with pytest.raises(ValueError, match="cannot write"):
        run_transition(
            submitted, seller, "reject_claim", lambda d, r: Change(fields={"state": "closed"})
        )
    with pytest.raises(ValueError, match="cannot write"):
        run_transition(
            submitted, seller, "reject_claim", lambda d, r: Change(fields={"deadline_at": None})
        )
    after = Dispute.objects.get(pk=submitted.pk)
    assert (after.state, after.version, after.event_count, after.deadline_at) == (
        before.state,
        before.version,
        before.event_count,
        before.deadline_at,
    )


def test_each_timeout_has_its_service_and_only_timeouts_are_batched():
    assert set(TIMEOUT_SERVICES) == {rule.on_timeout for rule in RULES.values()}
    assert set(BATCH_BUILDS) <= set(TIMEOUT_SERVICES)
    for name in TIMEOUT_SERVICES:
        assert Role.SYSTEM in TRANSITIONS[name].roles, name


@pytest.mark.parametrize("name", sorted(BY_PEOPLE))
def test_the_api_has_a_route_for_each_action(name):
    try:
        api = reverse(f"api:dispute-{name.replace('_', '-')}", kwargs={"id": "DSP-X"})
    except NoReverseMatch:
        pytest.fail(f"no API route for {name}")
    assert api.endswith(f"/{name.replace('_', '-')}/")
    # The page's action URL takes any name; which it answers is what
    # tests/security/test_door_parity.py posts to, door by door.


def test_every_event_kind_the_code_writes_has_a_timeline_label():
    written = set()
    for app in ("disputes", "evidence", "mediation", "orders", "integrations"):
        for path in (ROOT / app).rglob("*.py"):
            written |= set(re.findall(r'\bkind="([a-z_]+)"', path.read_text()))
    written.add("case_file_exported")  # mediation.casefile.services.EXPORT_EVENT
    unlabelled = sorted(k for k in written if k not in TRANSITIONS and k not in OTHER_KINDS)
    assert unlabelled == []
