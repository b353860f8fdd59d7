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
