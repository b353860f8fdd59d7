"""Tests: base.py on PostgreSQL and Redis (DATABASE_URL, REDIS_URL from make test)."""

import os

from .base import *  # noqa: F403

DEBUG = False
# Hashing with PBKDF2 would dominate a suite that logs many users in.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# Tests run tasks inline (tests/conftest.py) and want to see their errors.
CELERY_TASK_EAGER_PROPAGATES = True

# Each test process has a queue of its own on the shared Redis, so that two
# runs at once (or a stray worker) never take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = f"tests-{os.getpid()}"

# Webhook receivers in the tests listen on 127.0.0.1 over plain http.
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_HOSTS = True

# Under pytest-xdist each worker process gets a cache database of its own:
# tests clear the cache (allauth's rate-limit counters live there), and one
# worker's clear must not wipe what a test in the other is counting on.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _XDIST_WORKER.startswith("gw"):  # noqa: F405
    CACHES["default"]["LOCATION"] = redis_url_with_db(  # noqa: F405
        REDIS_URL,  # noqa: F405
        env_int("REDIS_CACHE_DB", 1, minimum=0) + int(_XDIST_WORKER[2:]),  # noqa: F405
    )
