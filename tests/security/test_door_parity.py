"""Pages and API answer alike (issue 14): for every situation of the transition
matrix, every person and every transition of their kind (a party's, a mediator's), posting the action
through the API and through the page either does it on both doors or on neither,
and what it does is what SPEC section 3 says (``EXPECTED`` of the matrix).

Each attempt runs in a savepoint that is rolled back, so every door meets the
situation as it was. Mediators post from their case view for the actions it offers,
from the dispute page otherwise; parties from the dispute page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from disputes import services
from disputes.forms import CONFIRMATIONS, FORMS
from disputes.models import Dispute
from disputes.workflow import MEDIATOR_ACTIONS, TRANSITIONS, Role
from tests.api.conftest import api_for
from tests.conftest import client_for, open_dispute
from tests.disputes.test_transition_matrix import EXPECTED, SETUPS, _arguments

pytestmark = pytest.mark.django_db

PEOPLE = ("buyer", "seller", "mediator", "senior")
BY_PEOPLE = [name for name, t in TRANSITIONS.items() if t.roles - {Role.SYSTEM}]


class _Undo(Exception):
    pass


def _page_data(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    data = {f"{name}-{key}": value for key, value in arguments.items()}
    # The boxes a person ticks to confirm (not passed to the service).
    for field in CONFIRMATIONS & set(FORMS[name].base_fields):
        data[f"{name}-{field}"] = "on"
    return data


def _candidates(person: str) -> list[str]:
    """The transitions of this kind of person (a mediator's include a senior's): the
    others are refused by role alike on both doors before any guard is asked."""
    role = Role.MEDIATOR if person == "senior" else Role(person)
    kinds = {role, Role.SENIOR} if role == Role.MEDIATOR else {role}
    return [name for name in BY_PEOPLE if TRANSITIONS[name].roles & kinds]


def _did(dispute: Dispute, before: int) -> bool:
    return Dispute.objects.values_list("event_count", flat=True).get(pk=dispute.pk) > before


def _attempt(dispute: Dispute, door: str, person: str, name: str, user: Any) -> bool:
    """Post ``name`` through ``door`` as ``user``; True when it was done (then undone)."""
    arguments = _arguments(name, dispute)
    before = dispute.event_count
    done = False
    try:
        with transaction.atomic():
            if door == "api":
                api_for(user).post(
                    f"/api/v1/disputes/{dispute.reference}/{name.replace('_', '-')}/",
                    arguments,
                    format="json",
                )
            else:
                view = (
                    "mediation:act"
                    if person in ("mediator", "senior") and name in MEDIATOR_ACTIONS
                    else "disputes:act"
                )
                client_for(user).post(
                    reverse(view, kwargs={"reference": dispute.reference, "name": name}),
                    _page_data(name, arguments),
                )
            done = _did(dispute, before)
            raise _Undo
    except _Undo:
        pass
    return done


@pytest.mark.parametrize("situation", list(EXPECTED))
def test_the_page_and_the_api_take_the_same_actions(
    situation, order, buyer, seller, mediator, senior
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = open_dispute(order)
    if situation != "draft":
        d = services.dispute_submit(dispute=d, actor=buyer)
    d = Dispute.objects.get(pk=SETUPS[situation](d, people).pk)
    differ, taken = [], set()
    for person in PEOPLE:
        for name in _candidates(person):
            api = _attempt(d, "api", person, name, people[person])
            page = _attempt(d, "page", person, name, people[person])
            if api != page:
                differ.append(f"{name} by {person}: API {api}, page {page}")
            if api:
                taken.add((name, person))
    assert differ == []
    assert taken == {(n, p) for n, p in EXPECTED[situation] if p != "system"}
