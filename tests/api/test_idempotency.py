"""``Idempotency-Key`` on POSTs: same key and body, same answer and one effect (also at
the same moment); another body 422; a repeat while the first runs 409; kept 24 hours."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from disputes import services
from disputes.models import Dispute, Message, Offer
from integrations.idempotency import purge_expired
from integrations.models import IdempotencyKey
from tests.api.conftest import api_for
from tests.conftest import open_dispute
from tests.factories import full_order

OFFER = {"outcome": "partial_refund", "amount": "25.00", "note": "Half of the broken ones."}


@pytest.fixture
def case(buyer, seller):
    order = full_order(buyer=buyer, seller=seller)
    return services.dispute_submit(dispute=open_dispute(order), actor=buyer)


@pytest.mark.django_db
def test_a_repeat_gets_the_same_answer_and_makes_no_second_offer(case, seller):
    client = api_for(seller)
    url = f"/api/v1/disputes/{case.reference}/make-offer/"
    first = client.post(url, OFFER, format="json", HTTP_IDEMPOTENCY_KEY="offer-1")
    again = client.post(url, OFFER, format="json", HTTP_IDEMPOTENCY_KEY="offer-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Offer.objects.filter(dispute=case).count() == 1
    # Without a key, a second call is a second offer (superseding the first).
    client.post(url, OFFER, format="json")
    assert Offer.objects.filter(dispute=case).count() == 2


@pytest.mark.django_db
def test_the_same_key_with_another_body_answers_422(case, seller):
    client = api_for(seller)
    url = f"/api/v1/disputes/{case.reference}/make-offer/"
    client.post(url, OFFER, format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(url, {**OFFER, "amount": "30.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Offer.objects.filter(dispute=case).count() == 1


@pytest.mark.django_db
def test_an_error_answer_is_replayed_too(case, buyer):
    client = api_for(buyer)
    url = f"/api/v1/disputes/{case.reference}/accept-claim/"
    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="e")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="e")
    assert first.status_code == again.status_code == 409
    assert first.json() == again.json()


@pytest.mark.django_db
def test_keys_belong_to_their_user(case, buyer, seller):
    url = f"/api/v1/disputes/{case.reference}/messages/"
    api_for(buyer).post(url, {"body": "one"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    api_for(seller).post(url, {"body": "one"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert Message.objects.filter(dispute=case).count() == 2


@pytest.mark.django_db
def test_a_repeat_while_the_first_is_running_answers_409(case, seller, settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0
    client = api_for(seller)
    url = f"/api/v1/disputes/{case.reference}/make-offer/"
    # The first request claimed the key and has not answered yet.
    client.post(url, OFFER, format="json", HTTP_IDEMPOTENCY_KEY="slow")
    IdempotencyKey.objects.filter(key="slow").update(status="in_progress", response_body=None)
    answer = client.post(url, OFFER, format="json", HTTP_IDEMPOTENCY_KEY="slow")
    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_in_progress"


@pytest.mark.django_db
def test_keys_are_kept_24_hours(case, seller):
    client = api_for(seller)
    url = f"/api/v1/disputes/{case.reference}/messages/"
    with time_machine.travel(case.created_at, tick=True) as traveller:
        client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="day")
        traveller.shift(timedelta(hours=23))
        client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="day")
        assert Message.objects.filter(dispute=case).count() == 1
        traveller.shift(timedelta(hours=2))
        assert purge_expired() == 1
        client.post(url, {"body": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="day")
        assert Message.objects.filter(dispute=case).count() == 2


@pytest.mark.django_db
def test_a_bad_key_is_400(case, seller):
    answer = api_for(seller).post(
        f"/api/v1/disputes/{case.reference}/messages/",
        {"body": "hi"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 256,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_idempotency_key"


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_posts_with_one_key_make_one_effect_and_ten_equal_answers(buyer, seller):
    order = full_order(buyer=buyer, seller=seller)
    case = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    from integrations.tokens import token_issue

    key = token_issue(user=seller)[1]
    clients = [api_for(seller, token=key) for _ in range(10)]
    url = f"/api/v1/disputes/{case.reference}/make-offer/"
    barrier = threading.Barrier(10, timeout=60)
    answers: list = [None] * 10

    def post(index):
        try:
            barrier.wait()
            answers[index] = clients[index].post(
                url, OFFER, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.status_code for a in answers] == [200] * 10
    assert all(a.json() == answers[0].json() for a in answers)
    assert Offer.objects.filter(dispute=case).count() == 1
    assert Dispute.objects.get(pk=case.pk).state == "negotiating"
