"""Refunds go through the gateway once, are retried when it is down, and give up loudly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from disputes import services
from disputes.choices import DisputeState, RefundStatus
from disputes.models import DisputeEvent, Offer, Refund
from disputes.payments import GatewayError, GatewayRefund, SandboxGateway
from tests.disputes.conftest import wait_for

pytestmark = pytest.mark.django_db


class DownGateway:
    calls = 0

    def refund(self, **kwargs):
        DownGateway.calls += 1
        raise GatewayError("provider unreachable (simulated)")


class CountingGateway(SandboxGateway):
    keys: list[str] = []

    def refund(self, **kwargs):
        CountingGateway.keys.append(kwargs["idempotency_key"])
        return super().refund(**kwargs)


def _accept_refund_offer(dispute, buyer, seller, amount="40.00"):
    d = services.dispute_make_offer(
        dispute=dispute, actor=seller, outcome="partial_refund", amount=amount
    )
    offer = Offer.objects.get(dispute=d, status="open")
    return services.dispute_accept_offer(dispute=d, actor=buyer, offer=offer.pk)


def test_the_sandbox_answers_the_same_for_the_same_key():
    gateway = SandboxGateway()
    first = gateway.refund(
        payment_reference="P", amount=Decimal(1), currency="USD", idempotency_key="k1"
    )
    again = gateway.refund(
        payment_reference="P", amount=Decimal(1), currency="USD", idempotency_key="k1"
    )
    other = gateway.refund(
        payment_reference="P", amount=Decimal(1), currency="USD", idempotency_key="k2"
    )
    assert first == again == GatewayRefund(first.reference)
    assert other != first


def test_a_paid_refund_closes_the_amicable_case_and_is_paid_once(
    submitted, buyer, seller, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "tests.disputes.test_refunds.CountingGateway"
    CountingGateway.keys = []
    with django_capture_on_commit_callbacks(execute=True):
        d = _accept_refund_offer(submitted, buyer, seller)
    refund = Refund.objects.get(dispute=d)
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_reference.startswith("SBX-RF-")
    d.refresh_from_db()
    assert d.state == DisputeState.CLOSED
    # Running the task again (a duplicate delivery) pays nothing more.
    from disputes.tasks import execute_refund

    assert execute_refund.delay(refund.pk).get() == "not pending"
    assert CountingGateway.keys == [refund.idempotency_key]


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_gateway_outage_is_retried_with_backoff_then_reported(
    worker, submitted, buyer, seller, settings
):
    settings.PAYMENT_GATEWAY = "tests.disputes.test_refunds.DownGateway"
    settings.REFUND_MAX_RETRIES = 2
    DownGateway.calls = 0
    d = _accept_refund_offer(submitted, buyer, seller)
    refund = Refund.objects.get(dispute=d)
    # The first try and two retries (after 2 and 4 seconds), then it gives up.
    assert wait_for(
        lambda: Refund.objects.get(pk=refund.pk).status == RefundStatus.FAILED, timeout=30
    )
    refund.refresh_from_db()
    assert (DownGateway.calls, refund.attempts) == (3, 3)
    assert "provider unreachable" in refund.last_error
    assert DisputeEvent.objects.filter(dispute=d, kind="refund_failed").exists()
    d.refresh_from_db()
    # The case waits for the platform to sort the payment out; it is not closed.
    assert (d.state, d.settlement) == (DisputeState.RESOLVED, "refunding")


def test_a_refund_never_exceeds_what_was_paid(submitted, buyer, seller):
    d = services.dispute_make_offer(
        dispute=submitted, actor=seller, outcome="partial_refund", amount="120.00"
    )
    with pytest.raises(services.transitions.BadAmount):
        services.dispute_request_refund(
            dispute=d, actor=buyer, amount="120.01", rationale="All of it and more"
        )


@pytest.mark.parametrize("amount", ["1E+30", "NaN", "-5.00", "1.005", "twelve"])
def test_impossible_amounts_are_refused_as_bad_amounts(amount, submitted, seller):
    from disputes.errors import BadAmount

    with pytest.raises(BadAmount):
        services.dispute_make_offer(
            dispute=submitted, actor=seller, outcome="partial_refund", amount=amount
        )
