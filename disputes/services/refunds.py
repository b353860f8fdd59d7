"""Refunds: the ledger invariant and execution through the payment gateway (SPEC section 3)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.module_loading import import_string

from disputes.choices import COMMITTED_REFUND_STATES, RefundStatus, Settlement
from disputes.errors import BadAmount
from disputes.models import Dispute, Refund
from disputes.payments import GatewayError, PaymentGateway
from orders.models import Order

log = logging.getLogger(__name__)


def refundable(order: Order) -> Decimal:
    """What can still be refunded: paid minus pending, processing and paid refunds."""
    committed = Refund.objects.filter(order=order, status__in=COMMITTED_REFUND_STATES).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    return order.amount_paid - committed


def issue_refund(
    dispute: Dispute, amount: Decimal, *, key: str, order_locked: bool = False
) -> Refund:
    """Record a pending refund and have a worker pay it after commit.

    The order's row lock serialises every refund of the order, so two
    concurrent requests can never together exceed what was paid (a transition
    already holds it: ``order_locked``). ``key`` is the idempotency key: the
    same step of the same case never pays twice.
    """
    if amount <= 0:
        raise BadAmount("A refund must be more than zero.", field="amount")
    if order_locked:
        order = dispute.order
    else:
        # The locks in the engine's order (dispute, then order): taking the
        # order first would deadlock against a transition of the same case.
        from disputes.services.engine import lock

        order = lock(dispute.pk).order
    available = refundable(order)
    if amount > available:
        raise BadAmount(
            f"At most {available} {order.currency} can still be refunded on this order.",
            field="amount",
        )
    refund = Refund.objects.create(
        order=order,
        dispute=dispute,
        amount=amount,
        currency=order.currency,
        idempotency_key=key,
    )
    transaction.on_commit(lambda: _enqueue(refund.pk))
    return refund


def _enqueue(refund_id: int) -> None:
    from disputes.tasks import execute_refund

    try:
        execute_refund.delay(refund_id)
    except Exception:
        log.warning("could not enqueue refund %s", refund_id, exc_info=True)


def gateway() -> PaymentGateway:
    gateway_class = import_string(settings.PAYMENT_GATEWAY)
    return gateway_class()


def claim(refund_id: int) -> bool:
    """Take a pending refund for payment; False when another worker has it or it is done."""
    return bool(
        Refund.objects.filter(pk=refund_id, status=RefundStatus.PENDING).update(
            status=RefundStatus.PROCESSING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    )


def pay(refund_id: int) -> Refund:
    """Send a claimed refund to the gateway. Raises GatewayError to be retried."""
    refund = Refund.objects.select_related("order__payment", "dispute").get(pk=refund_id)
    try:
        payment_reference = refund.order.payment.provider_reference
    except ObjectDoesNotExist:
        # Nothing to refund against: retrying cannot help.
        give_up(refund_id, "The order has no payment record to refund.")
        return refund
    try:
        result = gateway().refund(
            payment_reference=payment_reference,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=refund.idempotency_key,
        )
    except GatewayError as exc:
        Refund.objects.filter(pk=refund_id, status=RefundStatus.PROCESSING).update(
            status=RefundStatus.PENDING, last_error=str(exc)[:500]
        )
        raise
    _succeeded(refund, result.reference)
    return refund


def _succeeded(refund: Refund, reference: str) -> None:
    from disputes.services.engine import append_event
    from disputes.services.transitions import dispute_complete

    with transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(
            status=RefundStatus.SUCCEEDED, provider_reference=reference, last_error=""
        )
        dispute, _event = append_event(
            refund.dispute_id,
            kind="refund_succeeded",
            actor=None,
            details={
                "refund": refund.pk,
                "amount": refund.amount,
                "currency": refund.currency,
                "provider_reference": reference,
            },
        )
        unfinished = Refund.objects.filter(
            dispute_id=refund.dispute_id,
            status__in=(RefundStatus.PENDING, RefundStatus.PROCESSING),
        ).exists()
        if dispute.settlement == Settlement.REFUNDING and not unfinished:
            dispute_complete(dispute=dispute)


def give_up(refund_id: int, error: str) -> None:
    """After the last retry: the refund failed; the buyer and the platform are told."""
    from disputes.services.engine import append_event

    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == RefundStatus.SUCCEEDED:
            return
        Refund.objects.filter(pk=refund_id).update(
            status=RefundStatus.FAILED, last_error=error[:500]
        )
        append_event(
            refund.dispute_id,
            kind="refund_failed",
            actor=None,
            details={"refund": refund.pk, "amount": refund.amount, "error": error[:200]},
        )
