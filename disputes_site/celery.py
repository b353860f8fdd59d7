"""The Celery application: settings from Django's CELERY_ namespace, tasks autodiscovered."""

import os
from typing import Any

from celery import Celery, Task
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disputes_site.settings.local")

app = Celery("disputes_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # every installed app's tasks.py
app.autodiscover_tasks(["disputes_site"])  # the site-wide ones


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender: Task | None = None, **kwargs: Any) -> None:
    """Around each task, what Django does around each request: close the database
    connections that are broken or older than CONN_MAX_AGE, keep the others.

    Celery's own Django fixup would close every connection before and after
    every task (a new PostgreSQL connection per task, ~6 ms); the settings'
    CELERY_DB_REUSE_MAX turns that off, and this keeps the connections healthy.
    Not for a task run inline: it runs inside the caller's request or
    transaction, whose connection is not ours to close.
    """
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
@beat_init.connect
def send_values_inline(**kwargs: Any) -> None:
    """Workers and beat send the values inside the SQL, as Django does by default.

    Their queries are the sweeps (everything due by now, claims older than a
    minute, deliveries to retry): ranges over time whose right plan depends on
    the value, where a prepared statement's generic plan can scan a whole table
    (docs/benchmarks.md). The web processes keep prepared statements
    (settings.DATABASE_PREPARED_STATEMENTS). Runs in the main process before the
    pool forks, so every child inherits it.
    """
    from django.conf import settings
    from django.db import connections

    options = settings.DATABASES["default"].get("OPTIONS", {})
    if options.pop("server_side_binding", None) is not None:
        options.pop("prepare_threshold", None)
        connections["default"].close()
