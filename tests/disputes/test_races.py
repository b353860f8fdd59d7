"""Races on PostgreSQL, each contender on its own connection (SPEC section 3).

"Two conflicting actions at the same moment: exactly one wins, the other gets
a clear error", and "the sum of pending and succeeded refunds of an order
never exceeds what was paid, even under concurrent requests".

Each contender is a thread, and Django gives every thread its own database
connection, so these are real concurrent PostgreSQL sessions contending for
real row locks. ``transaction=True`` makes the tests commit their setup:
without it the rows would sit in the test's own open transaction, invisible
to the other connections. Every thread closes its connection when done, or
the flush at teardown would wait on it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from disputes import services
from disputes.choices import COMMITTED_REFUND_STATES, DisputeState
from disputes.errors import BadAmount, NotAllowedNow, TransitionRefused
from disputes.events import verify_all
from disputes.models import Dispute, DisputeEvent, Refund
from disputes.services.refunds import issue_refund
from tests.disputes.conftest import open_dispute
from tests.factories import full_order

pytestmark = pytest.mark.django_db(transaction=True)

CONTENDERS = 50
ROUNDS = 20
# Long enough for a slow CI machine, short enough that a broken barrier or a
# deadlock fails the test instead of hanging the suite.
BARRIER_TIMEOUT = 60


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _run_contenders(
    count: int, rounds: int, attempt: Callable[[int, int], object]
) -> tuple[list[list[tuple[int, object]]], set[int]]:
    """Run ``attempt(round, contender)`` in ``count`` threads, ``rounds`` times.

    The threads live for all the rounds (one connection each, opened before
    the first round so connecting does not spread the start); a barrier
    releases all of them at once for each round, and a round only starts once
    every thread has finished the previous one. Returns, per round, each
    contender's result (a value or the exception it raised), and the set of
    PostgreSQL backend pids the contenders used.
    """
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)
    results: list[list[tuple[int, object]]] = [[] for _ in range(rounds)]
    pids: list[int] = []
    crashes: list[BaseException] = []

    def contender(index: int) -> None:
        try:
            pids.append(_backend_pid())
            for round_ in range(rounds):
                barrier.wait()
                try:
                    outcome: object = attempt(round_, index)
                except Exception as exc:  # recorded and judged by the test
                    outcome = exc
                results[round_].append((index, outcome))
        except BaseException as exc:  # a broken barrier: the test must not hang
            crashes.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashes == [], crashes
    return results, set(pids)


def test_fifty_conflicting_transitions_have_exactly_one_winner_in_each_of_twenty_rounds(
    buyer, seller
):
    # Half the contenders are the seller accepting the claim, half the buyer
    # cancelling. These two truly conflict: after accept_claim the dispute is
    # resolved (too late to cancel), after cancel it is cancelled (nothing to
    # accept), and neither is allowed twice. (reject_claim and make_offer
    # would not do: they lead to negotiating, where cancel and make_offer are
    # still allowed, so several could rightly succeed one after the other.)
    # The buyer asked for a replacement, so accepting issues no refund whose
    # task would append events of its own after the commit.
    disputes = []
    for _ in range(ROUNDS):
        draft = open_dispute(full_order(buyer=buyer, seller=seller), outcome="replacement")
        disputes.append(services.dispute_submit(dispute=draft, actor=buyer))
    assert all(d.state == DisputeState.AWAITING_SELLER for d in disputes)
    events_before = [d.event_count for d in disputes]
    assert events_before == [2] * ROUNDS  # created, submit

    def attempt(round_: int, index: int) -> str:
        dispute = disputes[round_]
        if index % 2 == 0:
            services.dispute_accept_claim(dispute=dispute, actor=seller)
            return "accept_claim"
        services.dispute_cancel(dispute=dispute, actor=buyer, reason="Sorted out by phone")
        return "cancel"

    results, pids = _run_contenders(CONTENDERS, ROUNDS, attempt)

    # Fifty sessions really ran side by side, not one connection taking turns.
    assert len(pids) == CONTENDERS

    for round_, (dispute, outcomes) in enumerate(zip(disputes, results, strict=True)):
        assert len(outcomes) == CONTENDERS
        wins = [value for _i, value in outcomes if isinstance(value, str)]
        refusals = [value for _i, value in outcomes if isinstance(value, TransitionRefused)]
        others = [value for _i, value in outcomes if not isinstance(value, str | TransitionRefused)]
        # Anything else (an IntegrityError on the event's seq, a deadlock) means
        # two writers got past the checks: that is the race being lost.
        assert others == [], f"round {round_}: {Counter(map(repr, others)).most_common(3)}"
        assert len(wins) == 1, f"round {round_}: {Counter(wins)} won"
        assert len(refusals) == CONTENDERS - 1

        # The losers waited on the winner's row lock and then read the state
        # it committed, so each was told plainly that the action is no longer
        # possible (NotAllowedNow). Without the lock they would read the old
        # state, pass the checks, and only the compare-and-set would catch
        # them (Conflict): this assertion is what fails if the lock goes.
        assert Counter(type(r) for r in refusals) == {NotAllowedNow: CONTENDERS - 1}, (
            f"round {round_}: {Counter(type(r).__name__ for r in refusals)}"
        )

        dispute.refresh_from_db()
        winner = wins[0]
        assert dispute.state == (
            DisputeState.RESOLVED if winner == "accept_claim" else DisputeState.CANCELLED
        )
        # Exactly one new event, the winner's, and the head points at it.
        events = list(DisputeEvent.objects.filter(dispute=dispute).order_by("seq"))
        assert len(events) == events_before[round_] + 1
        assert dispute.event_count == len(events)
        assert events[-1].kind == winner
        assert events[-1].actor_id == (seller.pk if winner == "accept_claim" else buyer.pk)
        assert dispute.chain_head == events[-1].hash

    assert list(verify_all()) == []


def test_concurrent_refunds_never_exceed_what_was_paid(order, submitted):
    # One active dispute per order, so the ledger is raced directly: twelve
    # requests of 50.00 against an order that paid 120.00. Only two fit.
    assert order.amount_paid == Decimal("120.00")
    contenders = 12
    amount = Decimal("50.00")
    keys = [f"race-{submitted.reference}-{i}" for i in range(contenders)]

    def attempt(_round: int, index: int) -> Refund:
        # Each request in its own transaction, as a service would make it; the
        # refund's task runs (inline) after this commit.
        with transaction.atomic():
            return issue_refund(submitted, amount, key=keys[index])

    results, pids = _run_contenders(contenders, 1, attempt)
    assert len(pids) == contenders

    outcomes = [value for _i, value in results[0]]
    issued = [value for value in outcomes if isinstance(value, Refund)]
    refused = [value for value in outcomes if isinstance(value, BadAmount)]
    assert len(outcomes) == contenders
    assert len(issued) + len(refused) == contenders, outcomes
    # The order's row lock serialises the requests: each sees what the ones
    # before it committed. Without it all twelve would read "120.00 left" and
    # all would be recorded: 600.00 refunded on a 120.00 order.
    assert len(issued) == 2
    assert len(refused) == contenders - 2

    committed = Refund.objects.filter(order=order, status__in=COMMITTED_REFUND_STATES).aggregate(
        total=Sum("amount")
    )["total"]
    assert committed == Decimal("100.00")
    assert committed <= order.amount_paid
    assert Refund.objects.filter(order=order).count() == 2
    # The paid refunds were appended to the dispute's chain by the tasks,
    # themselves concurrently; the chain still verifies.
    assert list(verify_all()) == []


def test_refund_requests_that_together_fill_the_order_all_succeed_without_deadlock(
    order, submitted
):
    # The other side of the invariant: the lock must serialise, not refuse or
    # deadlock. Twelve requests of 10.00 on 120.00 paid all fit, in whatever
    # order. Each commit runs its refund task inline, which appends
    # "refund_succeeded" under the engine's lock (dispute, then order) while
    # the next requests hold the order and, at commit, check their refund's
    # foreign key to the dispute: locks taken in opposite orders deadlock here.
    contenders = 12
    keys = [f"fill-{submitted.reference}-{i}" for i in range(contenders)]

    def attempt(_round: int, index: int) -> Refund:
        with transaction.atomic():
            return issue_refund(submitted, Decimal("10.00"), key=keys[index])

    results, _pids = _run_contenders(contenders, 1, attempt)

    outcomes = [value for _i, value in results[0]]
    assert all(isinstance(value, Refund) for value in outcomes), outcomes
    total = Refund.objects.filter(order=order, status__in=COMMITTED_REFUND_STATES).aggregate(
        total=Sum("amount")
    )["total"]
    assert total == order.amount_paid == Decimal("120.00")
    assert Dispute.objects.get(pk=submitted.pk).event_count == 2 + contenders
    assert list(verify_all()) == []
