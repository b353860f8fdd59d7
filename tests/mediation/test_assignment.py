"""Automatic assignment: every arrow into review from the parties' phase picks the
least-loaded active mediator who is not a party; appeals a senior who did not
decide; every assignment is an event in the case's chain."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import time_machine

from disputes import services
from disputes.events import verify_chain
from disputes.models import Dispute, DisputeEvent, Notification
from mediation.assignment import OPEN_STATES, choose_mediator, open_case_counts
from tests.disputes.test_transition_matrix import SETUPS
from tests.factories import BuyerFactory, MediatorFactory, full_order
from tests.mediation.conftest import escalated, new_case, on_roster

pytestmark = pytest.mark.django_db


def _chain_ok(dispute):
    d = Dispute.objects.get(pk=dispute.pk)
    assert verify_chain(d, list(DisputeEvent.objects.filter(dispute=d).order_by("seq"))) is None


def test_escalation_goes_to_the_least_loaded_mediator_as_an_event_in_the_chain(roster, mediator):
    busy, idle = roster["senior"], roster["otto"]
    # Mia has two open cases, Selma one, Otto none: Otto gets the next one.
    for person, n in ((mediator, 2), (busy, 1)):
        for _ in range(n):
            case = new_case()
            services_reassign_quietly(case, person)
    d = new_case()
    assert d.assigned_mediator_id == idle.pk
    last = DisputeEvent.objects.filter(dispute=d).order_by("-seq").first()
    assert (last.kind, last.details["mediator"], last.details["why"], last.visibility) == (
        "assigned",
        idle.pk,
        "escalate",
        "mediator",
    )
    assert Dispute.objects.get(pk=d.pk).event_count == last.seq
    _chain_ok(d)
    # Otto hears of his new case; parties never see the assignment event.
    assert Notification.objects.filter(recipient=idle, event=last).exists()
    assert not Notification.objects.filter(event=last, recipient__in=[d.buyer, d.seller]).exists()


def services_reassign_quietly(case, person):
    """Put an open case on ``person`` (through a lead's reassignment, an event too)."""
    from mediation.services import case_reassign
    from tests.factories import make_lead

    if Dispute.objects.get(pk=case.pk).assigned_mediator_id == person.pk:
        return
    boss = make_lead(MediatorFactory())
    case_reassign(dispute=case, actor=boss, mediator=person)


@pytest.mark.parametrize(
    ("situation", "arrow"),
    [
        ("negotiating_no_offer", "escalate"),
        ("awaiting_seller", "seller_silence"),
        ("negotiating_no_offer", "negotiation_timeout"),
        ("resolved_replacement", "replacement_timeout"),
        ("resolved_return_receipt", "report_return_problem"),
    ],
)
def test_every_arrow_into_review_from_the_parties_phase_assigns(
    situation, arrow, buyer, seller, mediator, senior
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = services.dispute_submit(
        dispute=services.dispute_create(
            order=full_order(buyer=buyer, seller=seller),
            actor=buyer,
            type="quality",
            reason="damaged",
            description="Half of the units arrived broken.",
            claimed_amount="60.00",
            requested_outcome="partial_refund",
            facts={},
        ),
        actor=buyer,
    )
    d = Dispute.objects.get(pk=SETUPS[situation](d, people).pk)
    # The roster exists only now, so the earlier steps assigned nobody.
    on_roster(mediator)
    kwargs = {"dispute": d}
    if arrow == "escalate":
        kwargs.update(actor=buyer, justification="We cannot agree on the amount.")
    elif arrow == "report_return_problem":
        kwargs.update(actor=seller, problem="damaged", note="Smashed")
    with time_machine.travel((d.deadline_at or d.created_at) + timedelta(seconds=1)):
        d = services.SERVICES[arrow](**kwargs)
    assert d.state == "under_review"
    assert Dispute.objects.get(pk=d.pk).assigned_mediator_id == mediator.pk
    assert DisputeEvent.objects.filter(dispute=d, kind="assigned").count() == 1
    _chain_ok(d)


def test_asking_and_answering_inside_review_keeps_the_mediator(roster, mediator):
    d = new_case()
    owner = d.assigned_mediator_id
    owner_user = next(p for p in roster.values() if p.pk == owner)
    d = services.dispute_request_info(dispute=d, actor=owner_user, party="buyer", question="When?")
    d = services.dispute_provide_info(dispute=d, actor=d.buyer, answer="Monday.")
    assert Dispute.objects.get(pk=d.pk).assigned_mediator_id == owner
    assert DisputeEvent.objects.filter(dispute=d, kind="assigned").count() == 1


def test_a_mediator_who_is_a_party_never_gets_the_case(mediator, senior):
    # Mia bought the goods herself: she is the only free mediator, yet recused.
    on_roster(mediator)
    on_roster(senior, capacity=1)
    services_reassign_quietly(new_case(), senior)  # Selma is at capacity now
    d = new_case(buyer=mediator)
    assert Dispute.objects.get(pk=d.pk).assigned_mediator_id is None
    assert not DisputeEvent.objects.filter(dispute=d, kind="assigned").exists()


def test_inactive_and_full_mediators_are_skipped(mediator, senior):
    on_roster(mediator, active=False)
    on_roster(senior, capacity=1)
    first = new_case()
    assert first.assigned_mediator_id == senior.pk
    second = new_case()  # Selma is full, Mia inactive: the case waits unassigned
    assert Dispute.objects.get(pk=second.pk).assigned_mediator_id is None


def test_random_rosters_always_pick_a_least_loaded_non_party(db):
    """Property-style: 25 random rosters (seeded), each checked against a direct count."""
    rng = random.Random(20261127)
    for round_ in range(25):
        people = [MediatorFactory() for _ in range(rng.randint(1, 5))]
        for person in people:
            on_roster(person, capacity=rng.randint(1, 4), active=rng.random() > 0.2)
        # Some open load, put on directly through reassignment by a lead.
        for person in people:
            for _ in range(rng.randint(0, 2)):
                services_reassign_quietly(new_case(), person)
        # A mediator may even be the buyer.
        party = rng.choice(people) if rng.random() < 0.5 else None
        order = full_order(buyer=party) if party else full_order()
        d = services.dispute_submit(
            dispute=services.dispute_create(
                order=order,
                actor=order.buyer,
                type="quality",
                reason="damaged",
                description="Half of the units arrived broken.",
                claimed_amount="10.00",
                requested_outcome="partial_refund",
                facts={},
            ),
            actor=order.buyer,
        )
        d = services.dispute_reject_claim(dispute=d, actor=order.seller)
        load_before = open_case_counts(u.pk for u in _everyone_on_roster())
        d = services.dispute_escalate(dispute=d, actor=order.buyer, justification="No agreement.")
        chosen = Dispute.objects.get(pk=d.pk).assigned_mediator_id
        eligible = {
            p.user_id: p.capacity
            for p in _profiles()
            if p.active
            and p.user_id not in (d.buyer_id, d.seller_id)
            and load_before.get(p.user_id, 0) < p.capacity
        }
        if not eligible:
            assert chosen is None, round_
            continue
        least = min(load_before.get(uid, 0) for uid in eligible)
        assert chosen in eligible, round_
        assert load_before.get(chosen, 0) == least, round_
        assert chosen != (party.pk if party else None)
        # Close the rest of this round's cases so rounds do not pile up.
        Dispute.objects.filter(state__in=OPEN_STATES).update(assigned_mediator=None)
        from mediation.models import MediatorProfile

        MediatorProfile.objects.update(active=False)


def _profiles():
    from mediation.models import MediatorProfile

    return list(MediatorProfile.objects.all())


def _everyone_on_roster():
    return [p.user for p in _profiles()]


def test_an_appeal_goes_to_a_senior_who_did_not_decide(roster, mediator, senior):
    otto = roster["otto"]
    d = new_case()
    # Selma decides (a lead put the case on her).
    services_reassign_quietly(d, senior)
    d = services.dispute_decide(
        dispute=Dispute.objects.get(pk=d.pk),
        actor=senior,
        outcome="partial_refund",
        refund_amount="30.00",
        reason_code="shared_fault",
        rationale="Both sides share the fault here, evenly.",
    )
    d = services.dispute_appeal(
        dispute=d, actor=d.buyer, explanation="The photos show more damage than was counted."
    )
    # Mia is not senior, Selma decided: Otto, though he is the busiest.
    assert Dispute.objects.get(pk=d.pk).assigned_mediator_id == otto.pk
    _chain_ok(d)


def test_an_appeal_waits_unassigned_when_the_only_senior_decided(mediator, senior):
    on_roster(mediator)
    on_roster(senior)
    d = new_case()
    services_reassign_quietly(d, senior)
    d = services.dispute_decide(
        dispute=Dispute.objects.get(pk=d.pk),
        actor=senior,
        outcome="claim_rejected",
        refund_amount="0",
        reason_code="evidence_supports_seller",
        rationale="The photos show the goods intact on arrival.",
    )
    d = services.dispute_appeal(
        dispute=d, actor=d.buyer, explanation="The photos were taken after repacking them."
    )
    d = Dispute.objects.get(pk=d.pk)
    assert d.assigned_mediator_id is None  # not Selma, who decided
    last = DisputeEvent.objects.filter(dispute=d).order_by("-seq").first()
    assert (last.kind, last.details["mediator"], last.details["previous"]) == (
        "assigned",
        None,
        senior.pk,
    )
    # And she cannot decide the appeal even from the page's service.
    from disputes.errors import NotAllowedNow

    with pytest.raises(NotAllowedNow):
        services.dispute_decide_appeal(
            dispute=d, actor=senior, result="upheld", rationale="I stand by my decision fully."
        )


def test_choose_mediator_excludes_whoever_is_named(roster, mediator):
    d = new_case()
    everyone = {p.pk for p in roster.values()}
    assert choose_mediator(d, appeal=False, exclude=everyone) is None
    assert choose_mediator(d, appeal=False, exclude=everyone - {mediator.pk}) == mediator.pk


def test_a_seller_mediator_is_recused_too(mediator):
    on_roster(mediator)
    # A marketplace where a mediator also sells: their own sale is never theirs to mediate.
    d = escalated(full_order(seller=mediator, buyer=BuyerFactory()))
    assert Dispute.objects.get(pk=d.pk).assigned_mediator_id is None
    other = on_roster(MediatorFactory())
    d2 = escalated(full_order(seller=mediator))
    assert Dispute.objects.get(pk=d2.pk).assigned_mediator_id == other.pk


def test_an_overdue_case_stays_put_when_nobody_else_is_free_and_the_leads_hear(mediator):
    from tests.factories import make_lead

    on_roster(mediator)
    lead = make_lead(MediatorFactory())
    d = new_case()
    assert d.assigned_mediator_id == mediator.pk
    with time_machine.travel(d.deadline_at + timedelta(minutes=1)):
        services.sweep()
    d = Dispute.objects.get(pk=d.pk)
    assert d.is_overdue
    assert d.assigned_mediator_id == mediator.pk
    assert not DisputeEvent.objects.filter(dispute=d, details__why="review_overdue").exists()
    breach = DisputeEvent.objects.get(dispute=d, kind="review_overdue")
    assert set(
        Notification.objects.filter(event=breach).values_list("recipient_id", flat=True)
    ) == {
        d.buyer_id,
        d.seller_id,
        mediator.pk,
        lead.pk,
    }
    _chain_ok(d)


def test_the_sweeps_pool_chooses_as_a_fresh_count_would_after_every_move():
    """Property-style, in memory: the pool's heaps (kept up to date by ``moved``)
    always give the answer of the plain least-loaded rule over the current loads,
    for random rosters, parties, appeals, exclusions and cases coming and going."""
    from types import SimpleNamespace

    from mediation.assignment import MediatorPool, _barred, _least_loaded

    rng = random.Random(20261127)
    for round_ in range(200):
        ids = rng.sample(range(1, 40), rng.randint(1, 8))
        capacity = {uid: rng.randint(0, 4) for uid in ids}
        seniors = {uid for uid in ids if rng.random() < 0.4}
        load = {uid: rng.randint(0, 4) for uid in ids if rng.random() < 0.8}
        pool = MediatorPool(capacity=dict(capacity), seniors=set(seniors), load=dict(load))
        for _ in range(30):
            case = SimpleNamespace(
                buyer_id=rng.choice([*ids, 99]),
                seller_id=rng.choice([*ids, 98]),
                decided_by_id=rng.choice([*ids, None]),
            )
            appeal = rng.random() < 0.3
            exclude = [rng.choice(ids)] if rng.random() < 0.3 else []
            barred = _barred(case, appeal=appeal, exclude=exclude)  # type: ignore[arg-type]
            expected = _least_loaded(
                (
                    (uid, cap)
                    for uid, cap in capacity.items()
                    if uid not in barred and (not appeal or uid in seniors)
                ),
                load,
            )
            got = pool.choose(case, appeal=appeal, exclude=exclude)  # type: ignore[arg-type]
            assert got == expected, round_
            # The case moves: to the chosen one, or someone's case leaves review.
            before = rng.choice([*ids, None])
            was_open, is_open = rng.random() < 0.5, got is not None or rng.random() < 0.5
            pool.moved(before=before, after=got, was_open=was_open, is_open=is_open)
            if was_open and before is not None:
                load[before] = load.get(before, 0) - 1
            if is_open and got is not None:
                load[got] = load.get(got, 0) + 1
            assert pool.load == load
