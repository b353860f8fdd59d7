"""Site-wide tasks."""

from celery import shared_task
from django.db import connection


@shared_task(name="disputes_site.health_check")
def health_check() -> dict[str, str | bool]:
    """Prove a worker can reach the broker and the database (used by ops and the tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone() or (None,)
    return {"ok": one == 1, "database": connection.vendor}
