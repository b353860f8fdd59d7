"""Carrier tracking (issue 15 item 6), built like the payment gateway
(``disputes.payments``): an interface a shipment's status can be asked of
(``base.CarrierTracker``), a sandbox that needs no account (the default), the
one named by ``CARRIER_BACKEND`` (``tracker()``), and one way in for what a
carrier says, whether a tracking service calls the signed webhook
(``integrations.api.carrier_events``) or the poll asks (``services.poll``):
``services.record``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.carriers.base import CarrierTracker


def tracker() -> CarrierTracker:
    """The carrier backend of ``CARRIER_BACKEND`` (the sandbox by default)."""
    backend: CarrierTracker = import_string(settings.CARRIER_BACKEND)()
    return backend
