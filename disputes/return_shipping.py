"""Who pays to ship a return back (issue 15 item 6), as the case says it.

A platform decision for a return states it (``return_shipping_paid_by`` in its
``decide`` or ``decide_appeal`` event, so the hash chain holds it); an appeal
that does not say keeps the first decision's. A return the parties agreed on
(an accepted claim or offer, an accepted proposal, a claim granted on the
seller's silence) is shipped at the seller's cost, who took the goods back.
Read from the events the page already has: no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from disputes.choices import Outcome, ShippingPayer
from disputes.models import Dispute, DisputeEvent

DECISION_KINDS = ("decide", "decide_appeal")


def payers_by_decision(events: Iterable[DisputeEvent]) -> dict[int, str]:
    """The payer each decision stated, by the decision's id."""
    return {
        int(event.details["decision"]): str(event.details["return_shipping_paid_by"])
        for event in events
        if event.kind in DECISION_KINDS
        and event.details.get("return_shipping_paid_by") in ShippingPayer.values
        and isinstance(event.details.get("decision"), int)
    }


def return_shipping_payer(dispute: Dispute, events: Iterable[DisputeEvent]) -> str:
    """``buyer``, ``seller`` or ``platform`` for a case resolved with a return; else ""."""
    if dispute.outcome != Outcome.RETURN_AND_REFUND:
        return ""
    stated = list(payers_by_decision(events).values())
    return stated[-1] if stated else ShippingPayer.SELLER


def payer_label(payer: str) -> Any:
    return ShippingPayer(payer).label if payer in ShippingPayer.values else ""
