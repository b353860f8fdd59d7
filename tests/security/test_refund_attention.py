"""SPEC 13.4, issue 13 item 5: a refund that fails is never left without an owner.

After its retries a failed refund goes to the leads' "Payments needing
attention" (a count in their menu, a deadline); a lead retries it with the same
gateway idempotency key (a provider that paid on an attempt that looked failed
answers with that payment: nothing is paid twice) or records a payment made
outside the platform, within what may still be refunded. Both parties are told,
and the case waits on the platform meanwhile.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.choices import DisputeState, RefundStatus
from disputes.errors import NotALead, RefundNotFailed
from disputes.models import Dispute, DisputeEvent, Notification, Offer, Refund
from disputes.payments import GatewayError, GatewayRefund
from disputes.services.refunds import refund_record_outside, refund_retry, refundable
from disputes.tasks import execute_refund
from disputes.waiting import waiting_on
from tests.conftest import client_for
from tests.factories import DisputeFactory, MediatorFactory, make_lead

pytestmark = pytest.mark.django_db

LIST = reverse("mediation_payments:list")


class LateGateway:
    """A provider that pays on the first call for a key but whose answer is lost (a
    timeout), and is down until ``up``; then, as real providers do, the same key
    answers with the payment already made. ``payments`` counts real payments."""

    payments: Counter[str] = Counter()
    up = False

    def refund(self, *, payment_reference, amount, currency, idempotency_key):
        if not LateGateway.payments[idempotency_key]:
            LateGateway.payments[idempotency_key] += 1
        if not LateGateway.up:
            raise GatewayError("timed out waiting for the provider (simulated)")
        return GatewayRefund(reference=f"LATE-{idempotency_key}")


@pytest.fixture
def late_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.security.test_refund_attention.LateGateway"
    settings.REFUND_MAX_RETRIES = 2
    settings.REFUND_ATTENTION_DAYS = 2
    LateGateway.payments = Counter()
    LateGateway.up = False
    return LateGateway


@pytest.fixture
def lead(db):
    return make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead"))


def _run_task(refund_pk):
    """The refund task once, as the worker runs it (inline tests: a retry is the
    next call, not a scheduled one)."""
    with contextlib.suppress(Retry):
        execute_refund.apply(args=[refund_pk])


def _failed(submitted, buyer, seller, capture, amount="40.00"):
    """An amicable refund the gateway gave up on after its retries."""
    d = services.dispute_make_offer(
        dispute=submitted, actor=seller, outcome="partial_refund", amount=amount
    )
    offer = Offer.objects.get(dispute=d, status="open")
    with capture(execute=True):
        d = services.dispute_accept_offer(dispute=d, actor=buyer, offer=offer.pk)
    refund = Refund.objects.get(dispute=d)
    for _retry in range(5):
        if refund.status == RefundStatus.FAILED:
            break
        with capture(execute=True):
            _run_task(refund.pk)
        refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    return refund


def _bodies(dispute, kind):
    return {
        n.recipient_id: n.body
        for n in Notification.objects.filter(dispute=dispute, event__kind=kind)
    }


def test_a_failed_refund_goes_to_the_leads_list_with_a_deadline_and_both_parties_are_told(
    late_gateway, submitted, buyer, seller, mediator, lead, django_capture_on_commit_callbacks
):
    before = timezone.now()
    refund = _failed(submitted, buyer, seller, django_capture_on_commit_callbacks)
    assert refund.attempts == 3  # the first try and the two retries
    due = refund.attention_due_at
    assert before + timedelta(days=2) <= due <= timezone.now() + timedelta(days=2)

    page = client_for(lead).get(LIST)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="payment-row"') == 1
    assert submitted.reference in html
    assert "40.00 USD" in html
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in html
    assert 'data-testid="overdue"' not in html
    assert "timed out waiting for the provider" in html
    # The lead's menu counts it, on any page; a plain mediator's has no such entry.
    queue = client_for(lead).get(reverse("mediation:queue")).content.decode()
    assert 'data-testid="payments-count">1<' in queue
    plain = client_for(mediator).get(reverse("mediation:queue")).content.decode()
    assert 'data-testid="payments-menu"' not in plain
    assert client_for(mediator).get(LIST).status_code == 403

    # Both parties are told who has it and by when.
    bodies = _bodies(submitted, "refund_failed")
    assert set(bodies) == {buyer.pk, seller.pk}
    for body in bodies.values():
        assert "payments team" in body
        assert due.strftime("%Y-%m-%d") in body
    # The case waits on the platform, for the parties and for its mediator alike.
    d = Dispute.objects.get(pk=submitted.pk)
    Dispute.objects.filter(pk=d.pk).update(assigned_mediator=mediator)
    d.refresh_from_db()
    assert (d.state, d.settlement) == (DisputeState.RESOLVED, "refunding")
    assert {waiting_on(d, person) for person in (buyer, seller, mediator)} == {"platform"}


def test_retry_uses_the_same_key_so_a_late_success_is_paid_once(
    late_gateway, submitted, buyer, seller, lead, django_capture_on_commit_callbacks
):
    refund = _failed(submitted, buyer, seller, django_capture_on_commit_callbacks)
    # The provider did pay on the first attempt; it is up again now.
    assert late_gateway.payments == Counter({refund.idempotency_key: 1})
    late_gateway.up = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lead).post(reverse("mediation_payments:retry", args=[refund.pk]))
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_reference == f"LATE-{refund.idempotency_key}"
    assert refund.attention_due_at is None
    # Paid once, under the one key, and one refund row.
    assert late_gateway.payments == Counter({refund.idempotency_key: 1})
    assert Refund.objects.filter(dispute=submitted).count() == 1
    d = Dispute.objects.get(pk=submitted.pk)
    assert d.state == DisputeState.CLOSED
    kinds = list(DisputeEvent.objects.filter(dispute=d).values_list("kind", flat=True))
    assert kinds[-3:] == ["refund_retried", "refund_succeeded", "complete"]
    assert set(_bodies(d, "refund_retried")) == {buyer.pk, seller.pk}
    page = client_for(lead).get(LIST).content.decode()
    assert 'data-testid="no-payments"' in page
    assert 'data-testid="payments-count"' not in page


def test_an_outside_payment_is_recorded_and_closes_the_case_as_a_paid_refund_would(
    late_gateway, submitted, buyer, seller, lead, django_capture_on_commit_callbacks
):
    refund = _failed(submitted, buyer, seller, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lead).post(
            reverse("mediation_payments:outside", args=[refund.pk]),
            {
                f"outside-{refund.pk}-reference": "BANK-TX-7781",
                f"outside-{refund.pk}-amount": "40.00",
            },
        )
    assert response.status_code == 302
    outside = Refund.objects.get(dispute=submitted, status=RefundStatus.SETTLED_OUTSIDE)
    assert (outside.amount, outside.provider_reference) == (Decimal("40.00"), "BANK-TX-7781")
    # The failed attempt stays on the record as it was, no longer anyone's to handle.
    refund.refresh_from_db()
    assert (refund.status, refund.attention_due_at) == (RefundStatus.FAILED, None)
    # The ledger counts the outside payment: paid >= refunded still holds.
    assert refundable(submitted.order) == Decimal("80.00")
    d = Dispute.objects.get(pk=submitted.pk)
    assert (d.state, d.settlement) == (DisputeState.CLOSED, "")
    kinds = list(DisputeEvent.objects.filter(dispute=d).values_list("kind", flat=True))
    assert kinds[-2:] == ["refund_paid_outside", "complete"]
    bodies = _bodies(d, "refund_paid_outside")
    assert set(bodies) == {buyer.pk, seller.pk}
    assert all("BANK-TX-7781" in body and "40.00" in body for body in bodies.values())
    # On the parties' timeline too.
    timeline = client_for(buyer).get(reverse("disputes:detail", args=[d.reference]))
    assert "Refund paid outside the platform" in timeline.content.decode()
    assert 'data-testid="payments-count"' not in client_for(lead).get(LIST).content.decode()
    # Not a second time (the refund is no longer failed and waiting).
    with pytest.raises(RefundNotFailed):
        refund_record_outside(refund=refund, actor=lead, reference="AGAIN", amount="1.00")


def _post_outside(client, refund, reference="BANK-1", amount="40.00"):
    return client.post(
        reverse("mediation_payments:outside", args=[refund.pk]),
        {f"outside-{refund.pk}-reference": reference, f"outside-{refund.pk}-amount": amount},
    )


def test_refusals_say_why_next_to_the_field_and_leave_nothing(
    late_gateway, submitted, buyer, seller, mediator, lead, django_capture_on_commit_callbacks
):
    refund = _failed(submitted, buyer, seller, django_capture_on_commit_callbacks)
    events = DisputeEvent.objects.filter(dispute=submitted).count()
    client = client_for(lead)

    # More than may still be refunded (120.00 paid, nothing else refunded).
    over = _post_outside(client, refund, amount="120.01")
    assert over.status_code == 400
    html = over.content.decode()
    field = html[html.index(f'id="id_outside-{refund.pk}-amount"') - 600 :][:1200]
    assert "At most 120.00 USD can still be refunded on this order." in field
    # A reference is asked for, next to its field.
    blank = _post_outside(client, refund, reference="  ")
    assert blank.status_code == 400
    assert "This field is required." in blank.content.decode()

    # Not a lead: a plain mediator, and the service says so whoever calls it.
    refused = _post_outside(client_for(mediator), refund)
    assert refused.status_code == 403
    assert "for mediation leads" in refused.content.decode()
    assert (
        client_for(mediator).post(reverse("mediation_payments:retry", args=[refund.pk])).status_code
        == 403
    )
    with pytest.raises(NotALead):
        refund_retry(refund=refund, actor=mediator)

    assert Refund.objects.filter(dispute=submitted).count() == 1
    assert DisputeEvent.objects.filter(dispute=submitted).count() == events

    # A refund that is not failed: paid ones cannot be retried nor paid again.
    late_gateway.up = True
    with django_capture_on_commit_callbacks(execute=True):
        refund_retry(refund=refund, actor=lead)
    again = client.post(reverse("mediation_payments:retry", args=[refund.pk]))
    assert again.status_code == 409
    assert "no longer needs attention: it is succeeded" in again.content.decode()
    twice = _post_outside(client, refund)
    assert twice.status_code == 409
    assert "no longer needs attention" in twice.content.decode()
    assert not Refund.objects.filter(status=RefundStatus.SETTLED_OUTSIDE).exists()
    assert late_gateway.payments == Counter({refund.idempotency_key: 1})


def _waiting(n, *, due_in=timedelta(days=1)):
    """``n`` failed refunds on the leads' list (rows, for reads), due ``due_in`` from now."""
    now = timezone.now()
    refunds = []
    for i in range(n):
        d = DisputeFactory(state=DisputeState.RESOLVED, settlement="refunding")
        refunds.append(
            Refund.objects.create(
                order=d.order,
                dispute=d,
                amount=Decimal("10.00"),
                currency="USD",
                status=RefundStatus.FAILED,
                idempotency_key=f"{d.reference}-9",
                attempts=6,
                last_error="provider unreachable",
                attention_due_at=now + due_in + timedelta(minutes=i),
            )
        )
    return refunds


def test_the_deadline_shows_and_an_overdue_item_is_marked(lead):
    (late,) = _waiting(1, due_in=timedelta(hours=-3))
    (on_time,) = _waiting(1, due_in=timedelta(days=2))
    html = client_for(lead).get(LIST).content.decode()
    rows = html.split('data-testid="payment-row"')[1:]
    # The overdue one first, marked; the other with its deadline only.
    assert late.dispute.reference in rows[0]
    assert 'data-testid="overdue"' in rows[0]
    assert on_time.dispute.reference in rows[1]
    assert 'data-testid="overdue"' not in rows[1]
    for row, refund in zip(rows, (late, on_time), strict=True):
        assert timezone.localtime(refund.attention_due_at).strftime("%Y-%m-%d %H:%M") in row


@pytest.mark.parametrize(
    ("who", "list_code", "post_code"),
    [
        ("anonymous", 302, 302),  # to the login page
        ("buyer", 403, 403),
        ("seller", 403, 403),
        ("mediator", 403, 403),
        ("lead", 200, 302),
    ],
)
def test_only_leads_see_and_handle_the_payments(who, list_code, post_code, buyer, seller, lead):
    (refund,) = _waiting(1)
    person = {
        "anonymous": None,
        "buyer": refund.dispute.buyer,
        "seller": refund.dispute.seller,
        "mediator": MediatorFactory(),
        "lead": lead,
    }[who]
    client = client_for(person)
    assert client.get(LIST).status_code == list_code
    response = _post_outside(client, refund, amount="10.00")
    assert response.status_code == post_code
    settled = Refund.objects.filter(status=RefundStatus.SETTLED_OUTSIDE).exists()
    assert settled is (who == "lead")
    if who == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("items", [1, 30])
def test_the_list_costs_the_same_with_1_or_30_items(items, lead, django_assert_num_queries):
    _waiting(items)
    client = client_for(lead)
    # the user with their seniority, the bell's count, whether they lead and the
    # menu's count of payments needing attention (disputes_site.auth_backends; the
    # session comes from the cache); the refunds with their disputes
    with django_assert_num_queries(2):
        response = client.get(LIST)
    assert response.content.decode().count('data-testid="payment-row"') == items
    assert f'data-testid="payments-count">{items}<' in response.content.decode()
