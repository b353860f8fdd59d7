"""What a carrier backend answers: a parcel's status, and when it was last seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class CarrierError(Exception):
    """The carrier could not be asked now (network, provider down): try later."""


@dataclass(frozen=True)
class CarrierUpdate:
    """What a carrier says of one parcel: ``status`` is a ``CarrierStatus`` value."""

    carrier: str
    tracking_number: str
    status: str
    occurred_at: datetime


class CarrierTracker(Protocol):
    def status(self, *, carrier: str, tracking_number: str) -> CarrierUpdate | None:
        """The parcel's latest status, or None when the carrier does not know it."""
        ...
