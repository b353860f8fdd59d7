"""Database helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def planned_with_values() -> Iterator[None]:
    """A transaction whose queries PostgreSQL plans with their parameters' values.

    With prepared statements on (settings.DATABASE_PREPARED_STATEMENTS) a query
    run often gets one generic plan, made without the values. For a range over
    time (the last 30 days, everything due by now) that plan guesses a third of
    the table and can pick a scan the actual values make slow: the dashboard's
    figures took a third longer with it. ``SET LOCAL`` ends with the
    transaction. Elsewhere (SQLite, prepared statements off) just a transaction.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield
