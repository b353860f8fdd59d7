"""The admin for leads: the roster with open-case counts, overdue cases, and the
Reassign action that leads to the reassignment page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.models import Dispute
from tests.conftest import client_for
from tests.factories import MediatorFactory, make_lead
from tests.mediation.conftest import new_case, on_roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_lead(db):
    lead = make_lead(MediatorFactory(email="lena@example.com", is_staff=True))
    return lead


def test_the_roster_shows_each_mediators_open_cases(staff_lead, mediator):
    on_roster(mediator, capacity=7)
    new_case()
    new_case()
    page = client_for(staff_lead).get(reverse("admin:mediation_mediatorprofile_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert mediator.email in html or str(mediator) in html
    assert 'class="field-open_cases">2<' in html


def test_staff_who_are_not_leads_do_not_see_the_roster(mediator):
    staff = MediatorFactory(is_staff=True)
    response = client_for(staff).get(reverse("admin:mediation_mediatorprofile_changelist"))
    assert response.status_code == 403


def test_overdue_cases_and_the_reassign_action(staff_lead, mediator):
    on_roster(mediator)
    late, on_time = new_case(), new_case()
    # The sweep flags a breach; here the flag is set directly to list it.
    Dispute.objects.filter(pk=late.pk).update(is_overdue=True)
    client = client_for(staff_lead)
    listing = client.get(reverse("admin:mediation_overduecase_changelist")).content.decode()
    assert late.reference in listing
    assert on_time.reference not in listing
    response = client.post(
        reverse("admin:mediation_overduecase_changelist"),
        {"action": "reassign_cases", "_selected_action": [late.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mediation:reassign"))
    page = client.get(response["Location"]).content.decode()
    assert late.reference in page
    assert on_time.reference not in page


def test_the_disputes_admin_reassigns_too(mediator):
    admin = MediatorFactory(is_staff=True, is_superuser=True)
    on_roster(mediator)
    first, second = new_case(), new_case()
    response = client_for(admin).post(
        reverse("admin:disputes_dispute_changelist"),
        {"action": "reassign_cases", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    page = client_for(admin).get(response["Location"]).content.decode()
    assert first.reference in page
    assert second.reference in page
    # The assignment is not a field of the change form any more: only events move it.
    change = client_for(admin).get(reverse("admin:disputes_dispute_change", args=[first.pk]))
    assert 'name="assigned_mediator"' not in change.content.decode()
