"""Throttles for anonymous and authenticated clients (429 with Retry-After).

The rates are read at each request (not once at import, as DRF does), so
that settings overrides reach them. Each client has a counter per window
(``_Counted``), not DRF's list of the time of every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from disputes_site.client_address import client_address


class _LiveRate:
    scope: str

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)


class _ByClientAddress:
    def get_ident(self, request: Any) -> str:
        # DRF's own reads X-Forwarded-For by its NUM_PROXIES setting, and with
        # none set takes the whole header as the client: a new value on each
        # request was a new client each time. Ours believes only our proxies.
        return client_address(request)


class _Counted:
    """At most N requests in a window that opens with the client's first request
    and lasts the rate's period; a request costs one atomic increment, one round
    trip to Redis.

    DRF keeps the time of every request of the last period in one cache entry,
    read, extended and written back whole on each request: at 1 200 a minute a
    list of up to 1 200 floats pickled both ways per request (under the
    benchmark's lifted rate, tens of thousands), and two requests at the same
    moment each write back the list they read, so one of them is not counted.
    """

    cache: Any
    duration: int
    num_requests: int
    rate: str | None
    _window = ""

    get_cache_key: Callable[[Any, Any], str | None]  # the throttle class's own

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self._window = key
        backend = caches[DEFAULT_CACHE_ALIAS]  # DRF's ``cache`` is a proxy to it
        if isinstance(backend, RedisCache):
            return self._count_in_redis(backend, key) <= self.num_requests
        return self._count(key) <= self.num_requests

    def _count_in_redis(self, backend: RedisCache, key: str) -> int:
        """One round trip: INCR, and EXPIRE NX, which gives the counter the
        window's length only when it has none, i.e. when this request opened it."""
        name = backend.make_and_validate_key(key)
        pipe = backend._cache.get_client(name, write=True).pipeline()
        pipe.incr(name)
        pipe.expire(name, self.duration, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def _count(self, key: str) -> int:
        """Any other cache (the demo's local memory)."""
        try:
            return int(self.cache.incr(key))
        except ValueError:
            # No window open: this request opens one, or counts in the one a
            # request racing it has just opened.
            if self.cache.add(key, 1, self.duration):
                return 1
            return int(self.cache.incr(key))

    def wait(self) -> float:
        backend = caches[DEFAULT_CACHE_ALIAS]
        if isinstance(backend, RedisCache):
            name = backend.make_and_validate_key(self._window)
            left = backend._cache.get_client(name).ttl(name)
            return float(max(1, left))
        return float(self.duration)


class AnonThrottle(_LiveRate, _Counted, _ByClientAddress, AnonRateThrottle):
    scope = "anon"


class UserThrottle(_LiveRate, _Counted, _ByClientAddress, UserRateThrottle):
    scope = "user"


class TokenLoginThrottle(_LiveRate, _Counted, _ByClientAddress, SimpleRateThrottle):
    """Password guesses through ``POST auth/token/``, per client address."""

    scope = "token_login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CarrierEventsThrottle(_LiveRate, _Counted, _ByClientAddress, SimpleRateThrottle):
    """Calls of the carrier webhook, per client address: a tracking service sends
    many more than an anonymous client may, a flood of bad signatures no more."""

    scope = "carrier_events"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
