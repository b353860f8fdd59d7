"""How the timeline ("Track progress") reads: a label per event kind and a short
summary of what the event carried (amount, outcome, the words someone wrote)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from disputes.choices import CarrierStatus, Outcome, ShippingPayer
from disputes.workflow import TRANSITIONS

# Kinds that are not arrows of the workflow table.
OTHER_KINDS: dict[str, Any] = {
    "created": _("Dispute drafted"),
    "draft_updated": _("Draft edited"),
    "evidence_added": _("Evidence added"),
    "evidence_hidden": _("Evidence hidden by the platform"),
    "message": _("Message"),
    "note": _("Private mediator note"),
    "order_corrected": _("Order amounts corrected by the platform"),
    "refund_succeeded": _("Refund paid"),
    "refund_failed": _("Refund attempt failed"),
    "refund_retried": _("Refund tried again by the payments team"),
    "refund_paid_outside": _("Refund paid outside the platform"),
    "reminder": _("Deadline reminder"),
    "redacted": _("Text removed by the platform"),
    "assigned": _("Case assigned to a mediator"),
    "case_file_exported": _("Case file exported"),
    "records_sealed": _("Records sealed on upgrade"),
    "carrier_update": _("News from the carrier"),
}

# The words people wrote, in the order they are worth showing.
TEXT_KEYS = ("justification", "rationale", "explanation", "question", "answer", "note")
WRITTEN_REASONS = (
    "cancel",
    "order_corrected",
    "reject_proposal",
    "extend_deadline",
    "object_replacement",
)
PARCELS = {"return": _("the return"), "replacement": _("the replacement")}


def event_label(kind: str) -> Any:
    if kind in TRANSITIONS:
        return _(TRANSITIONS[kind].label)
    return OTHER_KINDS.get(kind) or kind.replace("_", " ").capitalize()


def _money(value: object, currency: str) -> str:
    try:
        return f"{Decimal(str(value)):,.2f} {currency}"
    except (InvalidOperation, ValueError):
        return ""


def event_summary(kind: str, details: dict[str, Any], currency: str) -> str:
    """ "Partial refund, 30.00 USD · “Half of the mugs were fine”"."""
    parts: list[str] = []
    outcome = details.get("outcome")
    if outcome in Outcome.values:
        parts.append(str(Outcome(outcome).label))
    amount = details.get("amount", details.get("refund_amount"))
    if amount not in (None, "", 0, "0", "0.00"):
        parts.append(_money(amount, currency))
    if kind == "order_corrected":
        # "Amount paid 120.00 USD → 100.00 USD" per corrected field.
        for name, change in (details.get("changes") or {}).items():
            if isinstance(change, dict):
                label = _("Amount paid") if name == "amount_paid" else _("Total")
                parts.append(
                    f"{label} {_money(change.get('from'), currency)} → "
                    f"{_money(change.get('to'), currency)}"
                )
    if details.get("status") in CarrierStatus.values:
        # A carrier's news (issue 15 item 6): "Delivered: the return, DHL 1234".
        parcel = PARCELS.get(str(details.get("shipment")), "")
        parts.append(
            f"{CarrierStatus(details['status']).label}: {parcel}, "
            f"{details.get('carrier', '')} {details.get('tracking_number', '')}".strip()
        )
    if details.get("return_shipping_paid_by") in ShippingPayer.values:
        payer = ShippingPayer(details["return_shipping_paid_by"]).label
        parts.append(str(_("Return shipping paid by: %(payer)s") % {"payer": payer}))
    if kind == "extend_deadline" and isinstance(details.get("days"), int):
        parts.append(str(_("The deadline moved by %(days)d days") % {"days": details["days"]}))
    # Only a cancellation's or a correction's "reason" is words someone wrote
    # (elsewhere it is a code).
    for key in (*TEXT_KEYS, "reason") if kind in WRITTEN_REASONS else TEXT_KEYS:
        text = details.get(key)
        if isinstance(text, str) and text.strip():
            parts.append(f"“{text.strip()}”")
            break
    return " · ".join(p for p in parts if p)
