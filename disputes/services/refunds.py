"""Refunds: the ledger invariant and execution through the payment gateway (SPEC section 3)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.module_loading import import_string

from disputes.choices import COMMITTED_REFUND_STATES, RefundStatus, Settlement
from disputes.errors import BadAmount, Conflict, InvalidInput, NotALead, RefundNotFailed
from disputes.models import Dispute, Refund
from disputes.payments import GatewayError, PaymentGateway
from disputes.records import seal, seal_values
from orders.models import Order

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)


def committed_refunds(order: Order) -> Decimal:
    """What counts as refunded on the order: pending, processing, paid and paid
    outside (``COMMITTED_REFUND_STATES``; the database trigger of orders' migration
    0002 counts the same)."""
    return Refund.objects.filter(order=order, status__in=COMMITTED_REFUND_STATES).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)


def refundable(order: Order) -> Decimal:
    """What can still be refunded: paid minus pending, processing and paid refunds."""
    return order.amount_paid - committed_refunds(order)


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
            sealed=[
                seal_values(
                    "refund",
                    refund.pk,
                    {"status": RefundStatus.SUCCEEDED, "provider_reference": reference},
                )
            ],
        )
        unfinished = Refund.objects.filter(
            dispute_id=refund.dispute_id,
            status__in=(RefundStatus.PENDING, RefundStatus.PROCESSING),
        ).exists()
        if dispute.settlement == Settlement.REFUNDING and not unfinished:
            dispute_complete(dispute=dispute)


def give_up(refund_id: int, error: str) -> None:
    """After the last retry: the refund failed and goes to the leads' payments list
    with a deadline (SPEC 13.4); both parties are told who has it and by when."""
    from disputes.services.engine import append_event

    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == RefundStatus.SUCCEEDED:
            return
        due = timezone.now() + timedelta(days=settings.REFUND_ATTENTION_DAYS)
        Refund.objects.filter(pk=refund_id).update(
            status=RefundStatus.FAILED, last_error=error[:500], attention_due_at=due
        )
        append_event(
            refund.dispute_id,
            kind="refund_failed",
            actor=None,
            details={
                "refund": refund.pk,
                "amount": refund.amount,
                "error": error[:200],
                "attention_due_at": due.isoformat(),
            },
            sealed=[seal_values("refund", refund.pk, {"status": RefundStatus.FAILED})],
            notify_body=(
                f"The refund of {refund.amount} {refund.currency} could not be paid through "
                "the payment provider. The platform's payments team now has it: they will "
                f"retry it or pay it by other means by {_when(due)}. "
                "Nobody else needs to do anything."
            ),
        )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def needing_attention() -> QuerySet[Refund]:
    """The leads' "Payments needing attention": failed refunds nobody has handled yet,
    the most urgent first (on the partial index ``refund_needs_attention``)."""
    return Refund.objects.filter(attention_due_at__isnull=False).order_by("attention_due_at", "pk")


def _check_lead(actor: User) -> None:
    # A mediator with the lead permission (superusers are leads too, but act on
    # cases only as mediators: the event records a mediator's move).
    if not (actor.is_mediator and actor.is_mediation_lead):
        raise NotALead("Only mediation leads handle the payments that need attention.")


def _lock_failed(refund_id: int) -> Refund:
    """The refund's row, locked, when it is still the leads' to handle."""
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != RefundStatus.FAILED or refund.attention_due_at is None:
        raise RefundNotFailed(
            f"This refund no longer needs attention: it is {refund.get_status_display().lower()}"
            + (" and was already handled." if refund.status == RefundStatus.FAILED else ".")
        )
    return refund


def _clear_attention(refund: Refund, **values: object) -> None:
    """Compare-and-set on the locked row: anything but one row is a conflict."""
    changed = Refund.objects.filter(
        pk=refund.pk, status=RefundStatus.FAILED, attention_due_at__isnull=False
    ).update(attention_due_at=None, **values)
    if changed != 1:
        raise Conflict("Someone else handled this refund meanwhile; reload the list.")


def refund_retry(*, refund: Refund, actor: User) -> Refund:
    """A lead sends a failed refund to the gateway again, with the same idempotency
    key: a gateway that did pay on an attempt that looked failed answers with that
    payment, and nothing is paid twice. It gets a fresh series of retries; if they
    fail too, it comes back to the list with a new deadline."""
    from disputes.services.engine import append_event, lock

    _check_lead(actor)
    with transaction.atomic():
        locked = _lock_failed(refund.pk)
        # The case's locks (dispute, then order) before the refund counts against
        # what was paid again: the ledger trigger (orders' migration 0002) takes the
        # order's row lock for it, and taking it here first keeps the engine's order
        # of locks (no deadlock against a transition of the same case).
        order = lock(locked.dispute_id).order
        available = refundable(order)
        if locked.amount > available:
            # The order's amount paid was corrected down since (corrections.py).
            raise BadAmount(
                f"At most {available} {order.currency} can still be refunded on this order "
                "(its amount paid was corrected since this refund failed).",
                field="amount",
            )
        _clear_attention(locked, status=RefundStatus.PENDING, attempts=0)
        append_event(
            locked.dispute_id,
            kind="refund_retried",
            actor=actor,
            details={
                "refund": locked.pk,
                "amount": locked.amount,
                "previous_error": locked.last_error[:200],
            },
            sealed=[seal_values("refund", locked.pk, {"status": RefundStatus.PENDING})],
            notify_body=(
                f"The platform's payments team is trying the refund of {locked.amount} "
                f"{locked.currency} again through the payment provider. It cannot be paid twice."
            ),
        )
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return Refund.objects.get(pk=locked.pk)


def refund_record_outside(
    *, refund: Refund, actor: User, reference: str, amount: Decimal | str
) -> Refund:
    """A lead records that a failed refund was paid by other means (a bank transfer):
    a ``settled_outside`` refund of its own, within what may still be refunded on
    the order (paid >= refunded), and the case closes as a paid refund closes it.
    Returns the new refund."""
    from disputes.services.amounts import amount_from
    from disputes.services.engine import append_event
    from disputes.services.transitions import dispute_complete

    _check_lead(actor)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(
            "Enter the payment's reference (bank transfer or receipt).", field="reference"
        )
    if len(reference) > Refund._meta.get_field("provider_reference").max_length:  # type: ignore[operator]
        raise InvalidInput("The reference can have at most 64 characters.", field="reference")
    paid = amount_from(amount)
    if paid <= 0:
        raise BadAmount("The payment must be more than zero.", field="amount")
    with transaction.atomic():
        failed = _lock_failed(refund.pk)
        created: list[Refund] = []

        def write(dispute: Dispute) -> None:
            # Under the order's row lock (the engine's lock): no other refund of
            # the order can be committed between this check and the insert.
            available = refundable(dispute.order)
            if paid > available:
                raise BadAmount(
                    f"At most {available} {dispute.order.currency} can still be refunded on "
                    "this order.",
                    field="amount",
                )
            _clear_attention(failed)
            created.append(
                Refund.objects.create(
                    order_id=dispute.order_id,
                    dispute=dispute,
                    amount=paid,
                    currency=failed.currency,
                    status=RefundStatus.SETTLED_OUTSIDE,
                    provider_reference=reference,
                    # One per failed refund: recording it twice is refused by the
                    # unique key too, not only by the status check above.
                    idempotency_key=f"outside-{failed.pk}",
                )
            )

        dispute, _event = append_event(
            failed.dispute_id,
            kind="refund_paid_outside",
            actor=actor,
            before=write,
            details=lambda d: {
                "refund": created[0].pk,
                "failed_refund": failed.pk,
                "amount": paid,
                "currency": failed.currency,
                "reference": reference,
            },
            sealed=lambda d: [seal(created[0])],
            notify_body=(
                f"The refund was paid outside the platform: {paid} {failed.currency}, "
                f"reference {reference}."
            ),
        )
        if dispute.settlement == Settlement.REFUNDING and not _unfinished(dispute.pk):
            dispute_complete(dispute=dispute)
    return created[0]


def _unfinished(dispute_id: int) -> bool:
    """Refunds of the case still on their way through the gateway."""
    return Refund.objects.filter(
        dispute_id=dispute_id, status__in=(RefundStatus.PENDING, RefundStatus.PROCESSING)
    ).exists()
