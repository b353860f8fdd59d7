"""The rows of the Disputes list and of the review queue, formatted once in Python.

Each page prints 20 to 25 rows. In the template language every value that goes
through a filter costs several lookups and calls, and on these two pages the
rows were most of the rendering time (docs/benchmarks.md). Here the same
formatting runs directly: localized dates, money in the order's currency, the
time since submission, the labels of the state and the type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince

from disputes.models import Dispute
from orders.money import format_money

# The columns a row reads: the pages load these and not the other 26 of a
# dispute and 9 of its order.
ROW_FIELDS = (
    "reference",
    "type",
    "state",
    "claimed_amount",
    "deadline_at",
    "is_overdue",
    "submitted_at",
    "created_at",
    "assigned_mediator_id",
    "order__reference",
    "order__currency",
)


@dataclass(frozen=True)
class DisputeRow:
    dispute: Dispute
    href: str
    type_label: str
    state_label: str
    amount: str
    deadline: str
    open_since: str
    overdue: bool
    # The list's "your move" (annotated by the list's query), the queue's "you"
    # (assigned to the viewer) and the queue's Take form for unassigned cases.
    your_move: bool = False
    mine: bool = False
    take_href: str = ""


def link_to(viewname: str) -> Callable[[str], str]:
    """The URL of ``viewname`` for a reference, reversed once for the whole page
    (a reference is letters, digits and dashes: nothing to quote)."""
    marker = "__reference__"
    pattern = reverse(viewname, args=[marker])
    return lambda reference: pattern.replace(marker, reference)


def dispute_rows(
    disputes: list[Dispute],
    *,
    link: Callable[[str], str],
    now: datetime,
    viewer_id: int | None = None,
    take: Callable[[str], str] | None = None,
    since: bool = False,
) -> list[DisputeRow]:
    """``since``: the queue shows how long each case has been open; the list does not."""
    return [_row(d, link, now, viewer_id, take, since) for d in disputes]


def _row(
    dispute: Dispute,
    link: Callable[[str], str],
    now: datetime,
    viewer_id: int | None,
    take: Callable[[str], str] | None,
    since: bool,
) -> DisputeRow:
    deadline_at = dispute.deadline_at
    opened = dispute.submitted_at or dispute.created_at
    return DisputeRow(
        dispute=dispute,
        href=link(dispute.reference),
        type_label=dispute.get_type_display(),
        state_label=dispute.get_state_display(),
        amount=format_money(dispute.claimed_amount, dispute.order.currency),
        deadline=formats.date_format(timezone.localtime(deadline_at), "DATETIME_FORMAT")
        if deadline_at is not None
        else "—",
        open_since=timesince(opened, now) if since and opened is not None else "",
        overdue=dispute.is_overdue or (deadline_at is not None and deadline_at < now),
        your_move=bool(getattr(dispute, "your_move", False)),
        mine=viewer_id is not None and dispute.assigned_mediator_id == viewer_id,
        take_href=take(dispute.reference)
        if take is not None and dispute.assigned_mediator_id is None
        else "",
    )
