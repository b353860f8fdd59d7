"""Query counts of every transition (ARCHITECTURE rule 8), constant whatever the case holds.

Every count includes the SAVEPOINT and RELEASE of the service's atomic block
(the test runs inside a transaction; in production they are BEGIN and COMMIT,
which Django does not count, so a transition costs two fewer there). Common to
all: the locked read of the dispute with its order, shipment and payment
(``lock``), the compare-and-set UPDATE of the dispute, the INSERT of the event;
when someone is notified, the read of their email preferences and one INSERT of
the notifications.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Message
from tests.disputes.conftest import open_dispute
from tests.disputes.test_transition_matrix import SETUPS, _arguments
from tests.factories import full_order

pytestmark = pytest.mark.django_db

BASE = 2 + 3  # savepoint, release; lock, update, event insert
NOTIFY = 2  # preferences, notifications insert
REFUND = 2  # SUM of the order's committed refunds, refund insert (the order is already locked)
# A case arriving in review picks a mediator: the roster's active candidates (locked).
# Nobody is on the roster here, so no load count and no assignment event follow.
ASSIGN = 1

CASES = [
    # (situation, transition, role, queries: what comes on top of BASE)
    (
        "draft",
        "submit",
        "buyer",
        BASE + 2 + NOTIFY,
    ),  # the order's disputes (eligibility), refundable SUM
    ("draft", "expire_draft", "system", BASE + NOTIFY),
    ("awaiting_seller", "accept_claim", "seller", BASE + REFUND + NOTIFY),
    ("awaiting_seller", "reject_claim", "seller", BASE + NOTIFY),
    (
        "awaiting_seller",
        "make_offer",
        "seller",
        BASE + 3 + NOTIFY,
    ),  # refundable SUM, supersede, offer insert
    (
        "negotiating_offer_from_seller",
        "request_refund",
        "buyer",
        BASE + 3 + NOTIFY,
    ),  # same as make_offer
    (
        "negotiating_offer_from_seller",
        "decline_offer",
        "buyer",
        BASE + 2 + NOTIFY,
    ),  # open offer, update it
    (
        "negotiating_offer_from_seller",
        "accept_offer",
        "buyer",
        BASE + 2 + REFUND + NOTIFY,
    ),  # open offer, update it
    ("negotiating_no_offer", "escalate", "buyer", BASE + 1 + NOTIFY + ASSIGN),  # expire open offers
    ("under_review", "request_info", "mediator", BASE + NOTIFY),
    (
        "awaiting_info_from_buyer",
        "provide_info",
        "buyer",
        BASE + NOTIFY,
    ),  # the mediator who took the case is told
    ("under_review", "decide", "mediator", BASE + 2 + NOTIFY),  # refundable SUM, decision insert
    (
        "resolved_appeal_window",
        "appeal",
        "buyer",
        BASE + 1 + NOTIFY + ASSIGN + 1 + NOTIFY,
    ),  # appeal insert; the decider's assignment ends: its event, and they are told
    (
        "appealed",
        "decide_appeal",
        "senior",
        BASE + 2 + REFUND + NOTIFY,
    ),  # review_appeals permission, decision insert
    (
        "resolved_return_shipment",
        "ship_return",
        "buyer",
        BASE + 2 + NOTIFY,
    ),  # return shipment update, carrier shipment insert
    (
        "resolved_return_receipt",
        "confirm_return",
        "seller",
        BASE + 1 + REFUND + NOTIFY,
    ),  # return shipment update
    ("resolved_return_receipt", "report_return_problem", "seller", BASE + 1 + NOTIFY + ASSIGN),
    # Issue 15 item 6: the parcel the carrier tracks.
    ("resolved_replacement", "ship_replacement", "seller", BASE + 1 + NOTIFY),  # its insert
    (
        "resolved_return_receipt",
        "carrier_delivered",
        "system",
        BASE + 2 + NOTIFY,
    ),  # the parcel not yet delivered, its update
    ("resolved_replacement_receipt", "confirm_replacement", "buyer", BASE + NOTIFY),
    ("resolved_replacement_receipt", "object_replacement", "buyer", BASE + NOTIFY + ASSIGN),
    (
        "resolved_replacement_receipt",
        "replacement_unconfirmed",
        "system",
        BASE + 1 + NOTIFY + ASSIGN,
    ),  # was it delivered (no): the platform steps in
    ("awaiting_seller", "cancel", "buyer", BASE + 1 + NOTIFY),  # expire open offers
    ("awaiting_seller", "seller_silence", "system", BASE + NOTIFY + ASSIGN),
    (
        "negotiating_no_offer",
        "negotiation_timeout",
        "system",
        BASE + 1 + NOTIFY + ASSIGN,
    ),  # expire open offers
    ("awaiting_info_from_buyer", "info_timeout", "system", BASE + NOTIFY),
    ("under_review", "review_overdue", "system", BASE + NOTIFY + 1 + ASSIGN),  # the leads
    ("resolved_appeal_window", "finalize", "system", BASE + REFUND + NOTIFY),
    (
        "resolved_return_shipment",
        "forfeit_return",
        "system",
        BASE + 1 + NOTIFY,
    ),  # return shipment update
    ("resolved_replacement", "replacement_timeout", "system", BASE + NOTIFY + ASSIGN),
    ("resolved_refunding", "complete", "system", BASE + NOTIFY),
    ("under_review", "propose", "mediator", BASE + 1 + NOTIFY),  # refundable SUM
    ("proposed", "accept_proposal", "buyer", BASE + NOTIFY),  # the first of two
    (
        "proposed_accepted_by_buyer",
        "accept_proposal",
        "seller",
        BASE + 1 + REFUND + NOTIFY,
    ),  # the proposal (its event)
    ("proposed", "reject_proposal", "seller", BASE + NOTIFY),
    ("proposed", "proposal_timeout", "system", BASE + NOTIFY),
    ("awaiting_seller", "extend_deadline", "seller", BASE + NOTIFY),
]


def _case(situation, people, *, busy: bool):
    order = full_order(buyer=people["buyer"], seller=people["seller"])
    d = open_dispute(order)
    if situation != "draft":
        d = services.dispute_submit(dispute=d, actor=people["buyer"])
        if busy:
            # A long case: many messages (and their events) before the transition.
            for n in range(30):
                services.message_post(dispute=d, actor=people["buyer"], body=f"Message {n}")
    return Dispute.objects.get(pk=SETUPS[situation](d, people).pk)


@pytest.mark.parametrize(("situation", "name", "role", "queries"), CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("busy", [False, True], ids=["new case", "30 messages"])
def test_transition_query_count(
    situation, name, role, queries, busy, buyer, seller, mediator, senior, django_assert_num_queries
):
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = _case(situation, people, busy=busy)
    assert Message.objects.filter(dispute=d).count() == (30 if busy and situation != "draft" else 0)
    kwargs = {"dispute": d, **_arguments(name, d)}
    if role != "system":
        # As a request loads them: nothing remembered from the setup (a senior's
        # seniority, asked when they took the case).
        kwargs["actor"] = User.objects.get(pk=people[role].pk)
    moment = (
        (d.deadline_at or d.created_at) + timedelta(seconds=1)
        if role == "system"
        else d.created_at + timedelta(hours=1)
    )
    with time_machine.travel(moment), django_assert_num_queries(queries):
        services.SERVICES[name](**kwargs)


def test_every_transition_is_counted():
    assert {c[1] for c in CASES} == set(services.SERVICES)


def test_every_transition_stays_within_ten_queries_in_production():
    # Issue 8's budget: a transition costs at most 10 queries (without the two savepoint statements).
    assert max(c[3] for c in CASES) - 2 <= 10


@pytest.mark.parametrize("busy", [False, True], ids=["new case", "30 messages"])
def test_carrier_delivered_replacement_and_its_quiet_close_count_the_same(
    busy, buyer, seller, mediator, senior, django_assert_num_queries
):
    """The replacement's delivery (the parcel, its update), then the buyer's silence:
    closed, as the carrier delivered it (was it delivered: yes; nobody is assigned)."""
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    d = _case("resolved_replacement_receipt", people, busy=busy)
    with django_assert_num_queries(BASE + 2 + NOTIFY):
        d = services.dispute_carrier_delivered(dispute=d)
    d = Dispute.objects.get(pk=d.pk)
    with (
        time_machine.travel(d.deadline_at + timedelta(seconds=1)),
        django_assert_num_queries(BASE + 1 + NOTIFY),
    ):
        services.dispute_replacement_unconfirmed(dispute=d)
    assert Dispute.objects.get(pk=d.pk).state == "closed"
