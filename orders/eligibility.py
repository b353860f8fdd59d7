"""Can a dispute be opened on this order now, and if not, why not (SPEC section 2).

The one place these rules live: the order pages, the dispute form, the API
(``can_dispute`` / ``dispute_blocked_reason``) and the services that create
disputes all call ``dispute_eligibility``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from disputes.choices import DisputeState, DisputeType
from orders.models import Order, OrderStatus, Shipment


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    # A stable code for the API and tests; empty when allowed.
    code: str = ""
    # A sentence for people: why not, or a note about what is possible when.
    reason: str = ""
    # The dispute types that can be opened now.
    types: tuple[str, ...] = field(default_factory=tuple)
    # When the window closes (None until the order is delivered).
    window_ends_at: datetime | None = None
    # From when "not received" can be chosen.
    not_received_from: datetime | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _refused(code: str, reason: str) -> Eligibility:
    return Eligibility(allowed=False, code=code, reason=reason)


def _shipment(order: Order) -> Shipment | None:
    try:
        return order.shipment
    except ObjectDoesNotExist:
        return None


def _paid_at(order: Order) -> datetime:
    try:
        paid_at = order.payment.paid_at
    except ObjectDoesNotExist:
        paid_at = None
    return paid_at or order.placed_at


def _date(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def not_received_from(order: Order) -> datetime:
    """The first moment a "not received" claim is allowed.

    After the expected delivery date has passed; when none is known,
    NOT_RECEIVED_DAYS_AFTER_SHIPMENT after shipment (after payment if the
    seller never shipped: the buyer must not wait forever for a parcel that
    never left).
    """
    if order.expected_delivery_date is not None:
        day_after = order.expected_delivery_date + timedelta(days=1)
        return datetime.combine(day_after, time.min, tzinfo=UTC)
    shipment = _shipment(order)
    start = shipment.shipped_at if shipment and shipment.shipped_at else _paid_at(order)
    return start + timedelta(days=settings.NOT_RECEIVED_DAYS_AFTER_SHIPMENT)


def dispute_eligibility(
    order: Order,
    dispute_type: str | None = None,
    *,
    now: datetime | None = None,
    exclude_dispute: int | None = None,
) -> Eligibility:
    """Whether ``order`` can be disputed now (as ``dispute_type`` if given).

    Reads ``order.shipment``, ``order.payment`` and ``order.disputes.all()``:
    callers showing many orders select/prefetch them to keep queries constant.
    ``exclude_dispute``: the draft being submitted does not block itself.
    """
    now = now or timezone.now()

    if order.status == OrderStatus.CANCELLED:
        return _refused(
            "order_cancelled", _("This order was cancelled, so there is nothing to dispute.")
        )
    if order.status == OrderStatus.PLACED or order.amount_paid <= 0:
        return _refused(
            "order_not_paid",
            _("This order has not been paid yet. A dispute can be opened once it is paid."),
        )

    # Any earlier dispute blocks a new one: an active one is still being
    # handled, and an ended one (closed or cancelled) cannot be reopened.
    disputes = sorted(
        (d for d in order.disputes.all() if d.pk != exclude_dispute),
        key=lambda d: d.created_at,
        reverse=True,
    )
    if disputes:
        latest = disputes[0]
        if latest.is_active:
            return _refused(
                "dispute_active",
                _("Dispute %(ref)s is already open for this order.") % {"ref": latest.reference},
            )
        state = _("cancelled") if latest.state == DisputeState.CANCELLED else _("closed")
        return _refused(
            "dispute_ended",
            _("This order's dispute %(ref)s was %(state)s; an order can be disputed only once.")
            % {"ref": latest.reference, "state": state},
        )

    shipment = _shipment(order)
    window_ends_at = None
    if shipment is not None and shipment.delivered_at is not None:
        window_ends_at = shipment.delivered_at + timedelta(
            days=settings.DISPUTE_WINDOW_DAYS_AFTER_DELIVERY
        )
        if now > window_ends_at:
            return _refused(
                "window_closed",
                _("The dispute window closed on %(date)s, %(days)s days after delivery.")
                % {
                    "date": _date(window_ends_at),
                    "days": settings.DISPUTE_WINDOW_DAYS_AFTER_DELIVERY,
                },
            )

    nr_from = not_received_from(order)
    types = [DisputeType.QUALITY.value, DisputeType.INCORRECT_SHIPMENT.value]
    if now >= nr_from:
        types.append(DisputeType.NOT_RECEIVED.value)
    note = ""
    if window_ends_at is not None:
        note = _("You can open a dispute until %(date)s.") % {"date": _date(window_ends_at)}
    elif now < nr_from:
        note = _(
            "“Not received” can be chosen from %(date)s, once the expected delivery date has passed."
        ) % {"date": _date(nr_from)}

    if dispute_type == DisputeType.NOT_RECEIVED and now < nr_from:
        return Eligibility(
            allowed=False,
            code="not_received_too_early",
            reason=_(
                "A “not received” dispute can be opened from %(date)s, once the expected delivery date has passed."
            )
            % {"date": _date(nr_from)},
            types=tuple(types),
            window_ends_at=window_ends_at,
            not_received_from=nr_from,
        )
    return Eligibility(
        allowed=True,
        reason=note,
        types=tuple(types),
        window_ends_at=window_ends_at,
        not_received_from=nr_from,
    )
