"""The app as production runs it (the Dockerfile's gunicorn command), and a Celery worker."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.environment import ROOT

HOST = "127.0.0.1"
# Production sits behind a TLS proxy: the header keeps SECURE_SSL_REDIRECT quiet.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1)


@contextmanager
def gunicorn(env: dict[str, str], log_dir: Path, workers: int) -> Iterator[int]:
    """gunicorn with sync workers on a loopback port; yields the port once /healthz answers."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "disputes_site.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(workers),
        "--access-logfile", str(log_dir / "gunicorn-access.log"),
        "--error-logfile", str(log_dir / "gunicorn.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    try:
        _wait_until_up(port, process)
        yield port
    finally:
        _stop(process)


def _wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited; see var/bench/gunicorn.log")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz", headers=PROXY_HEADERS)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s")


@contextmanager
def celery_worker(env: dict[str, str], log_dir: Path, concurrency: int) -> Iterator[None]:
    """``celery -A disputes_site worker`` as compose runs it, with ``concurrency`` processes;
    yields once it answers a ping."""
    from disputes_site.celery import app

    command = [
        sys.executable, "-m", "celery", "-A", "disputes_site", "worker",
        "--concurrency", str(concurrency), "-l", "warning",
        "--hostname", f"bench{concurrency}@%h",
    ]  # fmt: skip
    with (log_dir / f"celery-{concurrency}.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while not app.control.ping(timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Celery worker did not start; see {log.name}")
            yield
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Our own process group only: it was started in a new session above."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
