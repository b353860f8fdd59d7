"""The sandbox carrier: no account, no network; its answers follow from the
tracking number, so tests and the demo can steer a parcel."""

from __future__ import annotations

from django.utils import timezone

from disputes.choices import CarrierStatus
from integrations.carriers.base import CarrierUpdate


class SandboxCarrier:
    """A tracking number ending in ``D`` is delivered, in ``X`` has a delivery
    problem, any other is in transit (``SBX123D``: delivered)."""

    def status(self, *, carrier: str, tracking_number: str) -> CarrierUpdate | None:
        number = tracking_number.strip().upper()
        if not number:
            return None
        if number.endswith("D"):
            status = CarrierStatus.DELIVERED
        elif number.endswith("X"):
            status = CarrierStatus.EXCEPTION
        else:
            status = CarrierStatus.IN_TRANSIT
        return CarrierUpdate(carrier, tracking_number, status, timezone.now())
