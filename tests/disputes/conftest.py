"""Shared fixtures live in tests/conftest.py; these helpers are imported by test modules."""

from tests.conftest import open_dispute, wait_for

__all__ = ["open_dispute", "wait_for"]
