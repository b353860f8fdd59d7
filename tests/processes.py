"""Running manage.py and workers as separate processes, with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Never passed on: the service URLs (each test says what it wants) and the
# async escape hatch the browser tests need in-process only.
_DROPPED = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def child_env(**overrides: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    environ.update(overrides)
    return environ


def manage(*args: str, timeout: int = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """``python manage.py *args`` in the project root; output captured as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
