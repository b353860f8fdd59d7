"""Celery is wired for real: a worker process takes a task from Redis and answers."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from disputes_site.celery import app
from disputes_site.tasks import health_check
from tests.processes import ROOT, child_env


def test_celery_configuration_is_safe_to_retry():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    # The tests run on Redis, so nothing is executed inline by the settings.
    assert conf.broker_url.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def _start_worker(queue: str, *options: str) -> subprocess.Popen[str]:
    """``celery worker`` on the test database and Redis, taking only ``queue`` (a queue
    of its own, so no other worker on this machine can answer instead)."""
    db = connection.settings_dict
    environ = child_env(
        DJANGO_SETTINGS_MODULE="disputes_site.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
    )
    command = [
        sys.executable, "-m", "celery", "-A", "disputes_site", "worker", *options,
        "--concurrency", "1", "-Q", queue, "--without-gossip", "--without-mingle",
        "-l", "warning",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(worker: subprocess.Popen[str]) -> str:
    """Stop the worker; what it printed, for the assertion messages."""
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    return output


@pytest.mark.real_worker
@pytest.mark.django_db
def test_a_real_worker_runs_a_task_from_redis():
    assert settings.REDIS_URL, "make test sets REDIS_URL"
    queue = f"test-{uuid.uuid4().hex}"
    worker = _start_worker(queue, "--pool", "solo")
    try:
        result = health_check.apply_async(queue=queue).get(timeout=60)
    finally:
        output = _stop(worker)
    assert result == {"ok": True, "database": "postgresql"}, output


@pytest.mark.real_worker
@pytest.mark.django_db
def test_a_worker_keeps_its_database_connection_between_tasks_and_replaces_a_broken_one():
    # Celery's Django fixup would connect anew for every task (~6 ms each);
    # disputes_site/celery.py keeps the connection as Django does per request.
    queue = f"test-{uuid.uuid4().hex}"
    worker = _start_worker(queue, "--include", "tests.site.worker_probe", "--pool", "prefork")

    def backend_pid() -> int:
        return int(app.send_task("tests.backend_pid", queue=queue).get(timeout=60))

    try:
        first, second = backend_pid(), backend_pid()
        # The database restarts, or an admin ends the session: the health check
        # before the next task notices, and the task runs on a new connection.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [second])
        third = backend_pid()
    finally:
        output = _stop(worker)
    assert first == second, output
    assert third != second, output


def _prepared_here() -> int:
    from accounts.models import User

    for _ in range(3):
        list(User.objects.filter(pk=0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return int(cursor.fetchone()[0])


@pytest.mark.real_worker
@pytest.mark.django_db
def test_web_processes_prepare_repeated_queries_and_workers_do_not():
    # Pages and the API plan a repeated query once (settings.DATABASE_PREPARED_STATEMENTS);
    # workers run the sweeps, ranges over time planned best with their values
    # (disputes_site/celery.py).
    assert _prepared_here() >= 1
    queue = f"test-{uuid.uuid4().hex}"
    worker = _start_worker(queue, "--include", "tests.site.worker_probe", "--pool", "prefork")
    try:
        in_worker = int(app.send_task("tests.prepared_statements", queue=queue).get(timeout=60))
    finally:
        output = _stop(worker)
    assert in_worker == 0, output
