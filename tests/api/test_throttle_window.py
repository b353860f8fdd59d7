"""The throttles' counter per client and window (core/api/throttling.py)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from core.api.throttling import UserThrottle


@pytest.fixture(params=["redis", "local memory"])
def five_a_minute(request, settings):
    """On Redis (production, the tests) and on the demo's local-memory cache."""
    if request.param == "local memory":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": "5/minute", "token_login": None},
    }
    cache.clear()


def _request(user_id: int):
    user = SimpleNamespace(pk=user_id, is_authenticated=True)
    return SimpleNamespace(user=user, META={"REMOTE_ADDR": "127.0.0.1"})


def test_requests_at_the_same_moment_are_each_counted(five_a_minute):
    """Twenty requests at once: exactly five pass (a list read and written back
    whole, DRF's way, lets some through uncounted)."""
    start = threading.Barrier(20)
    answers: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        allowed = UserThrottle().allow_request(_request(41), None)
        with lock:
            answers.append(allowed)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False] * 15 + [True] * 5


def test_a_refused_client_is_told_when_its_window_ends(five_a_minute):
    throttle = UserThrottle()
    assert all(throttle.allow_request(_request(42), None) for _ in range(5))
    assert not throttle.allow_request(_request(42), None)
    assert 1 <= throttle.wait() <= 60
    # Another client has a window of its own.
    assert UserThrottle().allow_request(_request(43), None)
