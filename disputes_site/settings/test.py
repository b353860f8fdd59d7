"""Tests: base.py on PostgreSQL and Redis (DATABASE_URL, REDIS_URL from make test)."""

from .base import *  # noqa: F403

DEBUG = False
# Hashing with PBKDF2 would dominate a suite that logs many users in.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
