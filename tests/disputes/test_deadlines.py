"""Deadlines are swept: past each one, exactly its timeout transition happens, once,
even with two sweeps at the same moment; reminders go out once each."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from disputes import services
from disputes.choices import DisputeState, Settlement
from disputes.models import Dispute, DisputeEvent, Notification, Offer
from disputes.workflow import deadline_sentence
from tests.disputes.conftest import open_dispute
from tests.disputes.test_transition_matrix import SETUPS
from tests.factories import full_order

# situation -> (timeout transition, state after it, settlement after it)
TIMEOUTS = {
    "awaiting_seller": ("seller_silence", DisputeState.UNDER_REVIEW, Settlement.NONE),
    "negotiating_no_offer": ("negotiation_timeout", DisputeState.UNDER_REVIEW, Settlement.NONE),
    "negotiating_offer_from_seller": (
        "negotiation_timeout",
        DisputeState.UNDER_REVIEW,
        Settlement.NONE,
    ),
    "under_review": ("review_overdue", DisputeState.UNDER_REVIEW, Settlement.NONE),
    "awaiting_info_from_buyer": ("info_timeout", DisputeState.UNDER_REVIEW, Settlement.NONE),
    "resolved_appeal_window": ("finalize", DisputeState.CLOSED, Settlement.NONE),
    "appealed": ("review_overdue", DisputeState.APPEALED, Settlement.NONE),
    "resolved_return_shipment": ("forfeit_return", DisputeState.CLOSED, Settlement.NONE),
    "resolved_return_receipt": ("confirm_return", DisputeState.RESOLVED, Settlement.REFUNDING),
    "resolved_replacement": ("replacement_timeout", DisputeState.UNDER_REVIEW, Settlement.NONE),
}


def _people(buyer, seller, mediator, senior):
    return {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}


def _situation(name, order, people):
    d = services.dispute_submit(dispute=open_dispute(order), actor=people["buyer"])
    return SETUPS[name](d, people)


@pytest.mark.django_db
@pytest.mark.parametrize("situation", list(TIMEOUTS))
def test_past_the_deadline_the_sweep_takes_exactly_the_timeout_transition(
    situation, order, buyer, seller, mediator, senior
):
    d = _situation(situation, order, _people(buyer, seller, mediator, senior))
    transition, state, settlement = TIMEOUTS[situation]
    events_before = d.event_count
    # A second before the deadline: nothing happens.
    with time_machine.travel(d.deadline_at - timedelta(seconds=1), tick=False):
        assert services.sweep().timeouts == 0
    with time_machine.travel(d.deadline_at + timedelta(seconds=1), tick=False):
        first = services.sweep()
        second = services.sweep()
    d.refresh_from_db()
    assert (first.timeouts, second.timeouts) == (1, 0)
    timeline = list(
        DisputeEvent.objects.filter(dispute=d, seq__gt=events_before).values_list("kind", flat=True)
    )
    # Besides the reminder sent just before, and a refund the timeout issued (paid
    # inline in the tests), the one timeout transition is all that happened.
    assert [k for k in timeline if k not in ("reminder", "refund_succeeded", "complete")] == [
        transition
    ]
    assert (d.state, d.settlement) == (state, settlement)
    event = DisputeEvent.objects.get(dispute=d, kind=transition)
    assert event.actor_id is None
    assert event.actor_role == "system"


@pytest.mark.django_db
def test_silent_seller_shows_on_the_case(submitted):
    with time_machine.travel(submitted.deadline_at + timedelta(seconds=1), tick=False):
        services.sweep()
    submitted.refresh_from_db()
    assert submitted.seller_silent
    assert submitted.deadline_rule == "mediator_review"


@pytest.mark.django_db
def test_grant_claim_policy_resolves_for_the_buyer(submitted, settings):
    settings.SELLER_SILENCE_POLICY = "grant_claim"
    assert "then the buyer's claim is granted, which either party may appeal" in (
        deadline_sentence(submitted)
    )
    with time_machine.travel(submitted.deadline_at + timedelta(seconds=1), tick=False):
        services.sweep()
    submitted.refresh_from_db()
    assert (submitted.state, submitted.resolution_kind, submitted.refund_amount) == (
        DisputeState.RESOLVED,
        "seller_silence",
        submitted.claimed_amount,
    )
    # Granted as a platform decision would be: open to appeal first, paid after.
    assert submitted.settlement == Settlement.APPEAL_WINDOW
    assert submitted.deadline_rule == "appeal_window"
    assert not submitted.refunds.exists()


@pytest.mark.django_db
def test_open_offers_expire_with_the_negotiation(order, buyer, seller, mediator, senior):
    d = _situation("negotiating_offer_from_seller", order, _people(buyer, seller, mediator, senior))
    with time_machine.travel(d.deadline_at + timedelta(seconds=1), tick=False):
        services.sweep()
    assert list(Offer.objects.filter(dispute=d).values_list("status", flat=True)) == ["expired"]


@pytest.mark.django_db
def test_reminders_at_half_and_ninety_percent_once_each(submitted, seller):
    start, end = submitted.deadline_started_at, submitted.deadline_at
    at_half = start + (end - start) * 0.5
    at_ninety = start + (end - start) * 0.9
    with time_machine.travel(at_half - timedelta(seconds=1), tick=False):
        assert services.sweep().reminders == 0
    with time_machine.travel(at_half + timedelta(seconds=1), tick=False):
        assert services.sweep().reminders == 1
        assert services.sweep().reminders == 0
    with time_machine.travel(at_ninety + timedelta(seconds=1), tick=False):
        assert services.sweep().reminders == 1
        assert services.sweep().reminders == 0
    reminders = Notification.objects.filter(dispute=submitted, event__kind="reminder")
    # Only the one who must act (the seller) is reminded, once per threshold.
    assert list(reminders.values_list("recipient", flat=True)) == [seller.pk, seller.pk]
    # Each says the time left then, not the whole wait.
    bodies = [r.body.replace("\xa0", " ") for r in reminders.order_by("pk")]
    assert bodies[0].startswith(
        "The seller has 1 day, 11 hours left to respond; then the platform steps in. It ends on "
    )
    assert bodies[1].startswith("The seller has 7 hours, 11 minutes left to respond;")
    assert "3 days" not in bodies[0] + bodies[1]
    percents = sorted(
        DisputeEvent.objects.filter(dispute=submitted, kind="reminder").values_list(
            "details__percent", flat=True
        )
    )
    assert percents == [50, 90]


@pytest.mark.django_db
def test_a_late_sweep_sends_one_reminder_for_the_latest_threshold(submitted):
    start, end = submitted.deadline_started_at, submitted.deadline_at
    with time_machine.travel(start + (end - start) * 0.95, tick=False):
        assert services.sweep().reminders == 1
        assert services.sweep().reminders == 0
    event = DisputeEvent.objects.get(dispute=submitted, kind="reminder")
    assert event.details["percent"] == 90


@pytest.mark.django_db
def test_the_appeal_window_sends_no_reminders(order, buyer, seller, mediator, senior):
    d = _situation("resolved_appeal_window", order, _people(buyer, seller, mediator, senior))
    assert d.reminder_at is None


@pytest.mark.django_db
def test_run_deadlines_command_is_the_sweep(submitted, capsys):
    with time_machine.travel(submitted.deadline_at + timedelta(seconds=1), tick=False):
        call_command("run_deadlines")
    assert "1 deadlines applied" in capsys.readouterr().out
    submitted.refresh_from_db()
    assert submitted.state == DisputeState.UNDER_REVIEW


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_apply_each_timeout_once(buyer, seller):
    disputes = []
    for _ in range(30):
        order = full_order(buyer=buyer, seller=seller)
        disputes.append(services.dispute_submit(dispute=open_dispute(order), actor=buyer))
    moment = max(d.deadline_at for d in disputes) + timedelta(seconds=1)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            with time_machine.travel(moment, tick=False):
                barrier.wait()
                results.append(services.sweep(batch=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.timeouts for r in results) == 30
    assert DisputeEvent.objects.filter(kind="seller_silence").count() == 30
    assert set(Dispute.objects.values_list("state", flat=True)) == {DisputeState.UNDER_REVIEW}
    # Timeouts go first: no late reminder is sent for a wait that has already ended.
    assert DisputeEvent.objects.filter(kind="reminder").count() == 0


@pytest.mark.django_db
def test_the_probe_with_nothing_due_changes_nothing(submitted):
    before = DisputeEvent.objects.count()
    result = services.sweep()
    assert (result.timeouts, result.reminders, DisputeEvent.objects.count()) == (0, 0, before)
