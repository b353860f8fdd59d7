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


@shared_task(name="tests.prepared_statements")
def prepared_statements() -> int:
    """How many prepared statements this worker's PostgreSQL session holds after it
    ran one query three times (a web process would have prepared it)."""
    from accounts.models import User

    for _ in range(3):
        list(User.objects.filter(pk=0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])
