"""Corrections: the one way an order's money changes once it has a dispute (issue 13,
"No silent corrections in the admin"; ARCHITECTURE rule 14, docs/audit.md "Corrections").

The order's parties and money are sealed in the ``created`` event of each of its
disputes, and the admin shows them read-only from then on. A mistake in them (a
payment recorded at the wrong amount, a wrong total) is corrected here, by staff,
with a reason: the order is written and every dispute of the order, closed ones
too, gets an ``order_corrected`` event with the old and new values, who and why,
and the new seal, so ``manage.py verify_audit`` checks the row against it. The
parties are told what changed and why.

The refund ledger's invariant holds across a correction: what was paid never falls
below what is refunded or on its way (``refunds.committed_refunds``); the database
refuses it too (orders' migration 0002).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from disputes.choices import Visibility
from disputes.errors import BadAmount, InvalidInput
from disputes.models import Dispute
from disputes.records import seal_values
from disputes.services.amounts import amount_from
from disputes.services.engine import append_event
from disputes.services.refunds import committed_refunds
from disputes.services.staff_reasons import staff_reason
from orders.models import Order
from orders.money import format_money, has_currency_precision

# The money fields a correction may change; the parties and the currency never do.
CORRECTABLE = ("amount_paid", "total")
LABELS = {"amount_paid": "amount paid", "total": "total"}


def correct_order(*, order: Order, actor: User, changes: dict[str, Any], reason: str) -> Order:
    """Correct the order's ``amount_paid`` and/or ``total``; staff only, with a reason.

    ``changes`` maps field names to new amounts; the fields whose value does not
    change are left out of the event. Returns the order as written.
    """
    reason = staff_reason(
        actor,
        reason,
        refusal="Only the platform's staff can correct an order.",
        ask="Say why the order is corrected, such as the payment provider's statement",
    )
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise InvalidInput(
            f"Only the amount paid and the total can be corrected, not {', '.join(sorted(unknown))}.",
            field=sorted(unknown)[0],
        )
    wanted = {name: amount_from(value, name, cents=False) for name, value in changes.items()}

    with transaction.atomic():
        locked, dispute_ids = _lock(order.pk)
        new = {name: wanted.get(name, getattr(locked, name)) for name in CORRECTABLE}
        for name in CORRECTABLE:
            if not has_currency_precision(new[name], locked.currency):
                raise BadAmount(
                    f"{locked.currency} amounts cannot have that many decimal places.",
                    field=name,
                )
        if new["amount_paid"] > new["total"]:
            raise BadAmount(
                f"The amount paid cannot be more than the total "
                f"({format_money(new['total'], locked.currency)}).",
                field="amount_paid" if "amount_paid" in wanted else "total",
            )
        refunded = committed_refunds(locked)
        if new["amount_paid"] < refunded:
            raise BadAmount(
                f"{format_money(refunded, locked.currency)} is already refunded or on its way "
                "on this order: the amount paid cannot be less than that.",
                field="amount_paid",
            )
        changed = {
            name: (getattr(locked, name), value)
            for name, value in new.items()
            if value != getattr(locked, name)
        }
        if not changed:
            raise InvalidInput("These are the order's amounts already: nothing to correct.")
        Order.objects.filter(pk=locked.pk).update(
            **{name: value for name, (_old, value) in changed.items()},
            updated_at=timezone.now(),
        )
        _record(locked, dispute_ids, actor, changed, reason)
    order.refresh_from_db()
    return order


def _lock(order_pk: int) -> tuple[Order, list[int]]:
    """The order's row and every dispute of it, locked until the transaction ends.

    The disputes with their order in one statement, as the engine locks them
    (``engine.lock``), in id order; then the order alone (already held when it
    has disputes). A dispute opened meanwhile waited for the order's lock
    (``dispute_create`` takes it first) and is not in the first list: it is
    read again until nothing is missing, so that no dispute misses the event.
    """
    while True:
        disputes = list(
            Dispute.objects.select_for_update(of=("self", "order"))
            .select_related("order")
            .filter(order_id=order_pk)
            .order_by("pk")
        )
        locked = Order.objects.select_for_update().get(pk=order_pk)
        held = {d.pk for d in disputes}
        present = set(Dispute.objects.filter(order_id=order_pk).values_list("pk", flat=True))
        if present <= held:
            return locked, sorted(held)


def _record(
    order: Order,
    dispute_ids: list[int],
    actor: User,
    changed: dict[str, tuple[Decimal, Decimal]],
    reason: str,
) -> None:
    """The ``order_corrected`` event in every dispute of the order, with the new seal."""
    currency = order.currency
    details = {
        "order": order.pk,
        "changes": {
            name: {"from": str(old), "to": str(new)} for name, (old, new) in changed.items()
        },
        "currency": currency,
        "reason": reason,
        "by": actor.pk,
    }
    what = "; ".join(
        f"{LABELS[name]} {format_money(old, currency)} → {format_money(new, currency)}"
        for name, (old, new) in changed.items()
    )
    sealed = [seal_values("order", order.pk, {name: new for name, (_old, new) in changed.items()})]
    for dispute_id in dispute_ids:
        # Staff are not parties: the event is the platform's (actor None), and
        # ``by`` names the person, as for hidden evidence and redactions.
        append_event(
            dispute_id,
            kind="order_corrected",
            actor=None,
            details=details,
            visibility=Visibility.ALL,
            sealed=sealed,
            notify_body=(
                f"The platform corrected order {order.reference}: {what}. Reason: {reason}"
            ),
        )
