"""The client's address, the one every throttle and rate limit counts by.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed
only as far as the proxies we run: each trusted proxy appends the address it
received the request from, so with ``TRUSTED_PROXY_COUNT`` = N the client is
the N-th entry from the right. Whatever stands left of it came from the
client and may be forged (rotating it dodged every per-address limit); with
N = 0 (no proxy, the default) the header is ignored and the socket's address
(``REMOTE_ADDR``) is the client.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_address(request: Any) -> str:
    """The address of the client of ``request`` (a Django or DRF request)."""
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR") or "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    entries = [entry.strip() for entry in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [entry for entry in entries if entry]
    if not entries:
        # Not through the proxy (a health check from inside the network).
        return remote
    # Fewer entries than proxies: the request met only the inner ones, and every
    # entry there was written by a proxy of ours; the left-most is the client.
    candidate = entries[-trusted] if len(entries) >= trusted else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not an address (a proxy misconfigured): the proxy's own address,
        # shared by every client, is stricter than anything made up.
        return remote
