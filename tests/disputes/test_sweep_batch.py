"""The sweep applies a batch of timeouts in a constant number of queries, and writes
exactly what the timeouts' services write one dispute at a time: the same rows,
the same hash-chained events, the same notifications, the same mediators."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from disputes import services
from disputes.events import verify_all
from disputes.models import Dispute, DisputeEvent, Notification, Offer, ReturnShipment
from disputes.services import TIMEOUT_SERVICES, deadlines
from disputes.workflow import RULES
from mediation.models import MediatorProfile
from tests.disputes.conftest import open_dispute
from tests.disputes.test_transition_matrix import SETUPS
from tests.factories import MediatorFactory, full_order, make_senior

pytestmark = pytest.mark.django_db

# Every timeout, the batched ones and the two that go one at a time (they issue a refund).
SITUATIONS = [
    "awaiting_seller",
    "negotiating_offer_from_seller",
    "negotiating_no_offer",
    "under_review",
    "awaiting_info_from_buyer",
    "appealed",
    "resolved_return_shipment",
    "resolved_replacement",
    "resolved_appeal_window",
    "resolved_return_receipt",
]


def _cases(situations, people, copies=1):
    made = []
    for _ in range(copies):
        for name in situations:
            order = full_order(buyer=people["buyer"], seller=people["seller"])
            d = services.dispute_submit(dispute=open_dispute(order), actor=people["buyer"])
            made.append(SETUPS[name](d, people))
    return made


def _roster(people):
    """Three mediators, one of them nearly full and one a senior; the cases were
    made before, unassigned, so that the sweep's choices are what is compared."""
    otto = make_senior(MediatorFactory(email="otto@example.com", name="Otto Other"))
    MediatorProfile.objects.create(user=people["mediator"], capacity=30)
    MediatorProfile.objects.create(user=people["senior"], capacity=30)
    MediatorProfile.objects.create(user=otto, capacity=2)


def _snapshot():
    rows = {
        d["pk"]: d
        for d in Dispute.objects.values(
            "pk",
            "state",
            "settlement",
            "deadline_rule",
            "deadline_at",
            "deadline_started_at",
            "reminder_at",
            "reminders_sent",
            "assigned_mediator_id",
            "seller_silent",
            "is_overdue",
            "open_offer_party",
            "info_requested_from",
            "closed_at",
            "event_count",
            "chain_head",
            "version",
        )
    }
    events = list(
        DisputeEvent.objects.order_by("dispute_id", "seq").values_list(
            "dispute_id",
            "seq",
            "kind",
            "actor_id",
            "actor_role",
            "from_state",
            "to_state",
            "details",
            "visibility",
            "created_at",
            "prev_hash",
            "hash",
        )
    )
    notifications = sorted(
        Notification.objects.values_list(
            "dispute_id", "event__seq", "recipient_id", "category", "title", "body", "email_status"
        )
    )
    offers = sorted(Offer.objects.values_list("pk", "status", "responded_at"))
    returns = sorted(ReturnShipment.objects.values_list("dispute_id", "forfeited", "received_at"))
    return rows, events, notifications, offers, returns


REFUND_IDS = "disputes_refund_id_seq"


def test_a_batch_writes_what_the_services_write_one_dispute_at_a_time(
    buyer, seller, mediator, senior, monkeypatch
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    cases = _cases(SITUATIONS, people, copies=2)
    _roster(people)
    moment = max(d.deadline_at for d in cases) + timedelta(seconds=1)
    one_at_a_time = []
    single = deadlines._apply_timeout

    def spy(pk, now):
        one_at_a_time.append(Dispute.objects.get(pk=pk).deadline_rule)
        return single(pk, now)

    monkeypatch.setattr(deadlines, "_apply_timeout", spy)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [REFUND_IDS])
        (before,) = cursor.fetchone()
    with time_machine.travel(moment, tick=False):
        with transaction.atomic():
            result = services.sweep()
            batched = _snapshot()
            assert list(verify_all()) == []
            transaction.set_rollback(True)
        # A rollback does not give back the refund ids it used, and the refund
        # seals in the events name them: the second run takes the same ids.
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, true)", [REFUND_IDS, before])
        # The same timeouts again, from the same rows, through their services
        # one at a time, in the sweep's order (by deadline).
        for d in Dispute.objects.filter(deadline_at__lte=moment).order_by("deadline_at"):
            TIMEOUT_SERVICES[RULES[d.deadline_rule].on_timeout](dispute=d)
        alone = _snapshot()
    assert (result.timeouts, result.reminders, result.skipped) == (len(cases), 0, [])
    # Only the timeouts that issue a refund went one at a time.
    assert sorted(one_at_a_time) == ["appeal_window"] * 2 + ["return_receipt"] * 2
    for name, got, expected in zip(
        ("disputes", "events", "notifications", "offers", "returns"), batched, alone, strict=True
    ):
        assert got == expected, name
    # The cases that reached review were spread by load, Otto up to his capacity.
    assert {row["assigned_mediator_id"] for row in batched[0].values()} >= {
        mediator.pk,
        senior.pk,
    }
    assert list(verify_all()) == []


def _queries_of_a_sweep(people, copies):
    cases = _cases(["awaiting_seller", "negotiating_offer_from_seller"], people, copies)
    moment = max(d.deadline_at for d in cases) + timedelta(seconds=1)
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as queries:
        result = services.sweep()
    assert result.timeouts == len(cases)
    assert DisputeEvent.objects.filter(dispute__in=cases, kind="assigned").count() == len(cases)
    return [q["sql"] for q in queries.captured_queries]


def test_the_sweep_costs_the_same_queries_for_two_due_disputes_as_for_fifty(
    buyer, seller, mediator, senior
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    _roster(people)
    MediatorProfile.objects.filter(capacity=2).update(capacity=200)
    few = _queries_of_a_sweep(people, copies=1)
    many = _queries_of_a_sweep(people, copies=25)
    assert len(few) == len(many), "\n".join(many)
    # Is anything due (deadline_at); SAVEPOINT, the batch locked (SKIP LOCKED);
    # SAVEPOINT, the negotiations' open offers expired, the roster locked, its
    # open cases, one UPDATE per kind of timeout (2), the events, the recipients'
    # preferences, the notifications, RELEASE; RELEASE; SAVEPOINT, the next batch
    # (none), RELEASE; is any reminder due. (BEGIN and COMMIT in production.)
    assert len(many) == 18, "\n".join(many)


def test_a_failing_batch_costs_its_cases_nothing_they_go_one_at_a_time(
    buyer, seller, mediator, senior, monkeypatch
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    cases = _cases(["awaiting_seller", "negotiating_offer_from_seller"], people, copies=3)
    _roster(people)

    calls = []

    def broken(due):
        calls.append(len(due))
        # Half written, then an error: the savepoint takes it all back.
        DisputeEvent.objects.filter(dispute__in=cases).update(kind="tampered")
        raise RuntimeError("a bug in the batch")

    monkeypatch.setattr(deadlines, "apply_timeouts", broken)
    moment = max(d.deadline_at for d in cases) + timedelta(seconds=1)
    with time_machine.travel(moment, tick=False):
        result = services.sweep(batch=4)
    assert (result.timeouts, result.skipped) == (len(cases), [])
    assert calls == [4, 2]
    assert not DisputeEvent.objects.filter(kind="tampered").exists()
    assert set(Dispute.objects.values_list("state", flat=True)) == {"under_review"}
    assert list(verify_all()) == []
