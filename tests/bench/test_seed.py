"""bench.seed: the canonical bulk seeder fills every state with consistent, verifiable rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone

from bench.seed import HISTORY, chain_hash, is_reusable, reference, seed
from disputes.choices import TERMINAL_STATES, DisputeState
from disputes.events import event_hash, verify_all
from disputes.models import Dispute, DisputeEvent, Offer
from disputes.services import sweep
from evidence.models import Evidence
from orders.models import Order


@pytest.fixture
def seeded(db):
    return seed(300, reuse=False)


def test_every_state_is_seeded_with_its_history(seeded):
    counts = dict(Dispute.objects.values_list("state").annotate(n=Count("id")))
    assert set(counts) == set(DisputeState.values)
    assert sum(counts.values()) == 300
    # Each case has one event per step of its history, and every chain verifies.
    for dispute in Dispute.objects.all()[:50]:
        assert dispute.event_count == len(HISTORY[dispute.state])
        assert DisputeEvent.objects.filter(dispute=dispute).count() == dispute.event_count
    assert list(verify_all(records=False)) == []


def test_active_cases_wait_on_a_deadline_that_nothing_has_reached_yet(seeded):
    now = timezone.now()
    active = Dispute.objects.exclude(state__in=[*TERMINAL_STATES, DisputeState.DRAFT])
    assert not active.filter(deadline_at__isnull=True).exists()
    assert not Dispute.objects.filter(state__in=TERMINAL_STATES, deadline_at__isnull=False).exists()
    # The sweep finds nothing due, neither a timeout nor a reminder.
    result = sweep(now=now)
    assert (result.timeouts, result.reminders) == (0, 0)
    # A month later every wait has ended, and the sweep moves each of those cases on.
    waiting = Dispute.objects.filter(deadline_at__isnull=False).count()
    with time_machine.travel(now + timedelta(days=30), tick=False):
        assert sweep().timeouts == waiting


def test_negotiating_cases_have_the_sellers_open_offer(seeded):
    negotiating = Dispute.objects.filter(state=DisputeState.NEGOTIATING)
    assert negotiating.exists()
    assert set(negotiating.values_list("open_offer_party", flat=True)) == {"seller"}
    assert Offer.objects.filter(status="open").count() == negotiating.count()
    assert Evidence.objects.exists()
    assert Order.objects.count() > Dispute.objects.count()  # some orders without a dispute


def test_a_second_seed_of_the_same_size_reuses_the_data(seeded):
    first = list(Dispute.objects.order_by("pk").values_list("reference", flat=True)[:5])
    again = seed(300)
    assert again.reused
    assert list(Dispute.objects.order_by("pk").values_list("reference", flat=True)[:5]) == first
    assert not is_reusable(301)


def test_the_fast_hash_is_the_event_hash():
    at = timezone.now()
    for actor in (None, 7):
        fast = chain_hash(12, 3, "make_offer", actor, "seller", "a", "b", at, "0" * 64)
        slow = event_hash(
            dispute_id=12, seq=3, kind="make_offer", actor_id=actor, actor_role="seller",
            from_state="a", to_state="b", details={}, visibility="all", created_at=at,
            prev_hash="0" * 64,
        )  # fmt: skip
        assert fast == slow


def test_references_are_unique_and_in_the_house_format():
    refs = {reference("DSP", n) for n in range(1, 5000)}
    assert len(refs) == 4999
    assert all(len(r) == 12 and r.startswith("DSP-") for r in refs)
    assert not any(c in r[4:] for r in refs for c in "01IO")


def test_the_case_page_of_each_seeded_state_opens_for_its_buyer(seeded, client):
    # The bench times these pages: a seeded row the page cannot show (a
    # proposal without its terms) would be a failed request there.
    for state in DisputeState.values:
        dispute = Dispute.objects.filter(state=state).select_related("buyer").first()
        client.force_login(dispute.buyer)
        response = client.get(f"/disputes/{dispute.reference}/")
        assert response.status_code == 200, state
    proposed = Dispute.objects.filter(state=DisputeState.PROPOSED).first()
    client.force_login(proposed.buyer)
    assert "Half back" in client.get(f"/disputes/{proposed.reference}/").content.decode()
