"""Canned replies: the fixed set of placeholders and their safe substitution.

A reply's body says ``{buyer_name}`` where the case's buyer's name goes. The
substitution is a single pass of one regular expression over the body with a
lookup in a dict of plain strings: no ``str.format`` (``{buyer.password}`` or
``{0.__class__}`` would reach into objects), and a value that itself contains
``{seller_name}`` is left as typed (what is put in is never read again).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from disputes.models import Dispute
from disputes.workflow import deadline_sentence, time_left
from orders.money import format_money

# Every placeholder a reply may use, with what it becomes (shown to the leads
# next to the body field, and in docs/mediation.md). The set is fixed: a name
# outside it is refused when the reply is saved.
PLACEHOLDERS: dict[str, object] = {
    "buyer_name": gettext_lazy("the buyer's name"),
    "seller_name": gettext_lazy("the seller's name"),
    "store": gettext_lazy("the seller's store (or their name when they have no store)"),
    "reference": gettext_lazy("the case's reference (DSP-…)"),
    "order": gettext_lazy("the order's reference (ORD-…)"),
    "amount_paid": gettext_lazy("what the buyer paid for the order, with its currency"),
    "claimed_amount": gettext_lazy("the amount claimed, with its currency"),
    "refund_amount": gettext_lazy("the refund agreed or decided, with its currency (once set)"),
    "deadline": gettext_lazy("the case's current deadline: its date (UTC) and the time left"),
    "deadline_rule": gettext_lazy("who must act by the deadline, and what happens then"),
    "mediator_name": gettext_lazy("your name (the mediator inserting the reply)"),
}

# Anything between braces is meant as a placeholder: ``{ buyer_name }`` and
# ``{buyer.name}`` are refused like ``{buyer_nmae}`` rather than sent as typed.
BRACED = re.compile(r"\{([^{}\n]{0,60})\}")


def unknown_placeholders(body: str) -> list[str]:
    """The braced names in ``body`` outside the fixed set, in order of appearance, once each."""
    unknown: list[str] = []
    for match in BRACED.finditer(body):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def render(body: str, values: dict[str, str]) -> str:
    """``body`` with each known placeholder replaced by its value; anything else kept as is."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return BRACED.sub(value, body)


def _money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else _("(no refund set yet)")


def _deadline(dispute: Dispute, now: datetime) -> str:
    if dispute.deadline_at is None:
        return _("(no deadline is running)")
    date = date_format(dispute.deadline_at.astimezone(UTC), "DATETIME_FORMAT")
    if dispute.deadline_at <= now:
        # An overdue review: never "less than a minute from now".
        return _("%(date)s UTC (passed)") % {"date": date}
    return _("%(date)s UTC (%(left)s from now)") % {
        "date": date,
        "left": time_left(dispute.deadline_at - now),
    }


def values_for(dispute: Dispute, mediator: User, now: datetime) -> dict[str, str]:
    """The placeholders' values for ``dispute``, from what the case page already loaded
    (order, parties, store): no query when the dispute came with them."""
    order = dispute.order
    profile = getattr(dispute.seller, "seller_profile", None)
    return {
        "buyer_name": str(dispute.buyer),
        "seller_name": str(dispute.seller),
        "store": profile.store_name if profile else str(dispute.seller),
        "reference": dispute.reference,
        "order": order.reference,
        "amount_paid": format_money(order.amount_paid, order.currency),
        "claimed_amount": format_money(dispute.claimed_amount, order.currency),
        "refund_amount": _money(dispute.refund_amount, order.currency),
        "deadline": _deadline(dispute, now),
        "deadline_rule": deadline_sentence(dispute) or _("(no deadline is running)"),
        "mediator_name": str(mediator),
    }
