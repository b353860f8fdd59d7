"""Escalations at the same moment on PostgreSQL, each on its own connection: the
roster lock makes each assignment count the ones before it, so the load stays even."""

from __future__ import annotations

from collections import Counter

import pytest

from disputes import services
from disputes.events import verify_all
from disputes.models import Dispute
from tests.conftest import open_dispute
from tests.disputes.test_races import _run_contenders
from tests.factories import MediatorFactory, full_order
from tests.mediation.conftest import on_roster

pytestmark = pytest.mark.django_db(transaction=True)

MEDIATORS = 4
CASES = 12


def test_twelve_escalations_at_once_spread_three_to_each_of_four_mediators(buyer, seller):
    mediators = [on_roster(MediatorFactory()) for _ in range(MEDIATORS)]
    cases = []
    for _ in range(CASES):
        d = services.dispute_submit(
            dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
        )
        cases.append(services.dispute_reject_claim(dispute=d, actor=seller))

    def escalate(_round, index):
        return services.dispute_escalate(
            dispute=cases[index], actor=buyer, justification="We cannot agree on the amount."
        )

    results, pids = _run_contenders(CASES, 1, escalate)
    assert len(pids) == CASES  # twelve real sessions
    assert [r for _i, r in results[0] if isinstance(r, Exception)] == []
    load = Counter(
        Dispute.objects.filter(pk__in=[c.pk for c in cases]).values_list(
            "assigned_mediator_id", flat=True
        )
    )
    # Without the lock, simultaneous choices would all see zero load and pile up.
    assert load == {m.pk: CASES // MEDIATORS for m in mediators}
    assert list(verify_all()) == []
