"""Opening a dispute: the buyer's draft, which only ``submit`` shows the seller."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from disputes.choices import (
    FACTS,
    REASONS,
    REQUESTED_OUTCOMES,
    DisputeState,
    DisputeType,
    Outcome,
)
from disputes.errors import BadAmount, InvalidInput, NotAllowedNow, NotYours, WindowClosed
from disputes.models import Dispute
from disputes.services.amounts import amount_from
from disputes.services.engine import record_creation
from disputes.services.refunds import refundable
from disputes.workflow import deadline_for
from orders.eligibility import dispute_eligibility
from orders.models import Order


def _clean_facts(dispute_type: str, facts: dict[str, Any] | None) -> dict[str, Any]:
    wanted = FACTS[dispute_type]
    clean: dict[str, Any] = {}
    for key, value in (facts or {}).items():
        if key not in wanted:
            raise InvalidInput(
                f"“{key}” is not asked for this type of dispute.", field=f"facts.{key}"
            )
        if value in (None, ""):
            continue
        kind = wanted[key]
        if kind == "date":
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise InvalidInput("Enter a date as YYYY-MM-DD.", field=f"facts.{key}") from None
            if day > timezone.now().date():
                raise InvalidInput("The date cannot be in the future.", field=f"facts.{key}")
            clean[key] = day.isoformat()
        elif kind == "quantity":
            try:
                number = int(str(value))
            except ValueError:
                raise InvalidInput("Enter a whole number.", field=f"facts.{key}") from None
            if number < 0:
                raise InvalidInput("The quantity cannot be negative.", field=f"facts.{key}")
            clean[key] = number
        else:
            clean[key] = str(value).strip()[:200]
    return clean


def _validate(
    order: Order,
    dispute_type: str,
    reason: str,
    claimed_amount: Any,
    requested_outcome: str,
    description: str,
) -> tuple[Decimal, str]:
    if dispute_type not in DisputeType.values:
        raise InvalidInput("Choose the type of dispute.", field="type")
    if reason not in {code for code, _label in REASONS[dispute_type]}:
        raise InvalidInput("Choose a reason that fits the type of dispute.", field="reason")
    if requested_outcome not in {value for value, _label in REQUESTED_OUTCOMES}:
        raise InvalidInput("Choose the outcome you want.", field="requested_outcome")
    text = (description or "").strip()
    if len(text) < 10:
        raise InvalidInput("Describe the problem in at least 10 characters.", field="description")
    amount = amount_from(claimed_amount, "claimed_amount")
    if amount <= 0:
        raise BadAmount("Claim an amount above zero.", field="claimed_amount")
    available = refundable(order)
    if amount > available:
        raise BadAmount(
            f"You can claim at most {available} {order.currency}: what was paid, less refunds.",
            field="claimed_amount",
        )
    if requested_outcome == Outcome.FULL_REFUND and amount != available:
        # Asked rather than quietly changed: the buyer chooses which they meant.
        raise BadAmount(
            f"A full refund is all that can be refunded, {available} {order.currency}: "
            "claim that amount, or choose a partial refund.",
            field="claimed_amount",
        )
    return amount, text


def dispute_create(
    *,
    order: Order,
    actor: User,
    type: str,
    reason: str,
    description: str,
    claimed_amount: Any,
    requested_outcome: str,
    facts: dict[str, Any] | None = None,
) -> Dispute:
    """A draft dispute on ``order`` by its buyer, if the order can be disputed now."""
    if order.buyer_id != actor.pk:
        raise NotYours("Only the buyer of an order can open a dispute about it.")
    amount, text = _validate(order, type, reason, claimed_amount, requested_outcome, description)
    clean_facts = _clean_facts(type, facts)
    with transaction.atomic():
        # Lock the order: two drafts for one order at the same moment must not both pass.
        locked_order = Order.objects.select_for_update().get(pk=order.pk)
        eligibility = dispute_eligibility(locked_order, type)
        if not eligibility.allowed:
            error = WindowClosed if eligibility.code == "window_closed" else NotAllowedNow
            raise error(eligibility.reason, field="order")
        now = timezone.now()
        # A draft waits on its buyer, and is cancelled if never submitted.
        expires_at, reminder_at = deadline_for("draft_expiry", now)
        dispute = Dispute(
            order=locked_order,
            buyer_id=locked_order.buyer_id,
            seller_id=locked_order.seller_id,
            type=type,
            reason=reason,
            description=text,
            facts=clean_facts,
            claimed_amount=amount,
            requested_outcome=requested_outcome,
            created_at=now,
            deadline_rule="draft_expiry",
            deadline_started_at=now,
            deadline_at=expires_at,
            reminder_at=reminder_at,
        )
        try:
            with transaction.atomic():
                dispute.save(force_insert=True)
        except IntegrityError:
            raise NotAllowedNow(
                "A dispute is already open for this order.", field="order"
            ) from None
        record_creation(
            dispute,
            actor=actor,
            created_at=now,
            details={
                "type": type,
                "reason": reason,
                "claimed_amount": amount,
                "requested_outcome": requested_outcome,
            },
        )
    return dispute


def dispute_update_draft(*, dispute: Dispute, actor: User, **values: Any) -> Dispute:
    """The buyer edits a draft ("Review and confirm" step); an event records what changed."""
    from disputes.services.engine import append_event

    if dispute.buyer_id != actor.pk:
        raise NotYours("Only the buyer can edit this draft.")
    merged = {
        "type": dispute.type,
        "reason": dispute.reason,
        "description": dispute.description,
        "claimed_amount": dispute.claimed_amount,
        "requested_outcome": dispute.requested_outcome,
        "facts": dispute.facts,
    } | values
    amount, text = _validate(
        dispute.order,
        merged["type"],
        merged["reason"],
        merged["claimed_amount"],
        merged["requested_outcome"],
        merged["description"],
    )
    fields = {
        "type": merged["type"],
        "reason": merged["reason"],
        "description": text,
        "claimed_amount": amount,
        "requested_outcome": merged["requested_outcome"],
        "facts": _clean_facts(merged["type"], merged["facts"]),
    }
    changed = sorted(k for k, v in fields.items() if getattr(dispute, k) != v)

    def still_draft(locked: Dispute) -> None:
        if locked.state != DisputeState.DRAFT:
            raise NotAllowedNow("The dispute was submitted; it can no longer be edited.")

    locked, _event = append_event(
        dispute.pk,
        kind="draft_updated",
        actor=actor,
        details={"changed": changed},
        extra_fields=fields,
        before=still_draft,
        recipients=(),
    )
    return locked
