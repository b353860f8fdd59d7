"""A task for the worker tests only (loaded with ``celery worker --include``)."""

from celery import shared_task
from django.db import connection


@shared_task(name="tests.backend_pid")
def backend_pid() -> int:
    """The PostgreSQL backend serving this task: the same one again means a kept connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])
