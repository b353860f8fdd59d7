"""What a carrier says, recorded once on the dispute's timeline (issue 15 item 6).

Both ways in (the signed webhook, the poll of ``CARRIER_BACKEND``) call
``record``: a delivery of the parcel a case waits for is the system's
``carrier_delivered`` transition (the receipt wait starts again); any other
news of a dispute's return or replacement is a ``carrier_update`` event in
the dispute's hash chain, written only when the status changed (a tracking
service repeating "in transit" leaves no trace).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet

from disputes.choices import TERMINAL_STATES, CarrierStatus, DisputeState
from disputes.errors import TransitionRefused
from disputes.models import Dispute
from disputes.services.engine import append_event
from disputes.services.transitions import dispute_carrier_delivered
from integrations.carriers import tracker
from integrations.carriers.base import CarrierError, CarrierUpdate
from integrations.models import CarrierShipment

logger = logging.getLogger(__name__)


class _Unchanged(Exception):
    """The carrier said again what it said last: nothing to write."""


def shipments_for(update: CarrierUpdate) -> list[CarrierShipment]:
    """The open cases' parcels with this tracking number (and carrier, when the
    message names one; carriers are compared without regard to case)."""
    found = CarrierShipment.objects.filter(tracking_number=update.tracking_number.strip()).exclude(
        dispute__state__in=TERMINAL_STATES
    )
    carrier = update.carrier.strip().casefold()
    return [s for s in found.order_by("pk") if not carrier or s.carrier.casefold() == carrier]


def record(shipment: CarrierShipment, update: CarrierUpdate) -> str:
    """Apply what the carrier says of ``shipment``: ``delivered`` (the transition ran),
    ``recorded`` (a carrier event on the timeline) or ``unchanged``."""
    if update.status == CarrierStatus.DELIVERED and shipment.delivered_at is None:
        try:
            dispute_carrier_delivered(
                dispute=Dispute(pk=shipment.dispute_id),
                shipment=shipment,
                occurred_at=update.occurred_at,
            )
            return "delivered"
        except TransitionRefused:
            # Not the parcel the case waits for now (a return already confirmed,
            # an earlier parcel): the timeline still says it was delivered.
            pass
    return _carrier_event(shipment, update)


def _carrier_event(shipment: CarrierShipment, update: CarrierUpdate) -> str:
    fields: dict[str, Any] = {"status": update.status}
    if update.status == CarrierStatus.DELIVERED:
        fields["delivered_at"] = update.occurred_at

    def before(locked: Dispute) -> None:
        if locked.state in TERMINAL_STATES:
            # An ended case's timeline ends with it.
            raise _Unchanged
        # Under the dispute's row lock: two messages at once write one event.
        changed = (
            CarrierShipment.objects.filter(pk=shipment.pk)
            .exclude(status=update.status)
            .update(**fields)
        )
        if not changed:
            raise _Unchanged

    try:
        append_event(
            shipment.dispute_id,
            kind="carrier_update",
            actor=None,
            before=before,
            details={
                "shipment": shipment.kind,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "status": update.status,
                "occurred_at": update.occurred_at.isoformat(),
            },
            # "In transit" is news nobody must act on; a problem or a delivery is.
            recipients=[] if update.status == CarrierStatus.IN_TRANSIT else None,
        )
    except _Unchanged:
        return "unchanged"
    return "recorded"


def waiting_for_carrier() -> QuerySet[CarrierShipment]:
    """The parcels not yet delivered of the cases still being carried out."""
    return CarrierShipment.objects.filter(
        delivered_at__isnull=True, dispute__state=DisputeState.RESOLVED
    ).order_by("pk")


def poll(*, limit: int = 500) -> int:
    """Ask ``CARRIER_BACKEND`` about the parcels not yet delivered (beat, every
    ``CARRIER_POLL_SECONDS``): for carriers that call no webhook. How many changed."""
    backend = tracker()
    changed = 0
    for shipment in waiting_for_carrier()[:limit]:
        try:
            update = backend.status(
                carrier=shipment.carrier, tracking_number=shipment.tracking_number
            )
        except CarrierError:
            logger.warning("carrier %s could not be asked about %s", shipment.carrier, shipment.pk)
            continue
        if update is not None and record(shipment, update) != "unchanged":
            changed += 1
    return changed
