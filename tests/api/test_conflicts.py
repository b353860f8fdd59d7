"""409 for every transition not allowed in the current state, with a stable code;
and 50 concurrent conflicting calls: exactly one wins, 49 answer 409."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from disputes import services
from disputes.api.actions import ACTIONS
from disputes.models import Dispute, DisputeEvent, Offer
from tests.api.conftest import api_for
from tests.conftest import open_dispute
from tests.disputes.test_transition_matrix import EXPECTED, SETUPS, _arguments
from tests.factories import full_order

ACTORS = ("buyer", "seller", "mediator", "senior")


@pytest.mark.django_db
@pytest.mark.parametrize("situation", list(SETUPS))
def test_every_transition_not_allowed_now_answers_409(situation, buyer, seller, mediator, senior):
    order = full_order(buyer=buyer, seller=seller)
    draft = open_dispute(order)
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    if situation != "draft":
        draft = services.dispute_submit(dispute=draft, actor=buyer)
    dispute = SETUPS[situation](draft, people)
    clients = {role: api_for(user) for role, user in people.items()}
    checked = 0
    for role in ACTORS:
        visible = clients[role].get(f"/api/v1/disputes/{dispute.reference}/").status_code == 200
        for name in ACTIONS:
            if (name, role) in EXPECTED[situation]:
                continue
            before = Dispute.objects.values_list("state", "version").get(pk=dispute.pk)
            body = {
                k: str(v) if not isinstance(v, str) else v
                for k, v in _arguments(name, dispute).items()
            }
            if body.get("offer") == "0":
                body["offer"] = "1"  # no open offer: any well-formed id
            answer = clients[role].post(
                f"/api/v1/disputes/{dispute.reference}/{name.replace('_', '-')}/",
                body,
                format="json",
            )
            if not visible:
                # Not the viewer's to see (a seller and a draft; the platform and a
                # case between the parties): 404 whatever the action.
                assert answer.status_code == 404, (role, name)
            elif answer.status_code == 403:
                # Allowed now, but the case is another mediator's (SPEC 13.6).
                assert role in ("mediator", "senior"), (role, name)
                assert answer.json()["code"] == "not_your_case", (role, name)
            else:
                assert answer.status_code == 409, (role, name, answer.content)
                assert answer.json()["code"] in ("not_allowed_now", "conflict"), (role, name)
                assert answer.json()["detail"]
            assert Dispute.objects.values_list("state", "version").get(pk=dispute.pk) == before
            checked += 1
    assert checked > 40


# --- 50 at once ----------------------------------------------------------------

CONTENDERS = 50


def _race(calls):
    """Run ``calls`` at the same moment, each thread on its own database connection."""
    barrier = threading.Barrier(len(calls), timeout=60)
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_conflicting_transitions_give_one_success_and_49_conflicts(buyer, seller):
    """The seller accepts the claim, 25 calls at once, while the buyer cancels, 25
    calls: each excludes the other in every order (an accepted claim cannot be
    cancelled, a cancelled one cannot be accepted), so exactly one call moves the
    case and 49 answer 409, however the calls interleave. (A rejection is not in
    the mix: after it the buyer may still cancel, so two successes would be right.)"""
    order = full_order(buyer=buyer, seller=seller)
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    seller_client, buyer_client = api_for(seller), api_for(buyer)
    url = f"/api/v1/disputes/{dispute.reference}"
    kinds = [
        (seller_client, "accept-claim", {}),
        (buyer_client, "cancel", {"reason": "changed my mind"}),
    ]
    calls = []
    for i in range(CONTENDERS):
        client, action, body = kinds[i % len(kinds)]
        calls.append(lambda c=client, a=action, b=body: c.post(f"{url}/{a}/", b, format="json"))
    answers = _race(calls)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 409: 49}
    assert {a.json()["code"] for a in answers if a.status_code == 409} <= {
        "not_allowed_now",
        "conflict",
    }
    winner = next(a.json() for a in answers if a.status_code == 200)
    # One transition event of the racers: the losers wrote nothing. (An accepted
    # claim is then paid by the refund task, which adds its own events.)
    raced = DisputeEvent.objects.filter(dispute=dispute, kind__in=("accept_claim", "cancel"))
    assert raced.count() == 1
    # The answer is the case as the winning transition left it; an accepted claim
    # then closes once the refund task (inline here) has paid it.
    event = raced.get()
    assert winner["state"] == event.to_state
    dispute.refresh_from_db()
    after = {"accept_claim": "closed", "cancel": "cancelled"}[event.kind]
    assert dispute.state == after
    assert Offer.objects.filter(dispute=dispute).count() == 0
