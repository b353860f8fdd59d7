"""Where the benchmark runs: its own database and Redis databases, production settings.

Never the test or demo services: ``DATABASE_URL`` and ``REDIS_URL`` of the
calling shell are ignored on purpose; ``BENCH_DATABASE_URL``,
``BENCH_REDIS_URL`` and ``BENCH_REDIS_CACHE_DB`` override the defaults.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/disputes_bench"
# Broker on 12, cache on 13: apart from the demo (0/1) and the test runs.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
DEFAULT_REDIS_CACHE_DB = 13


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    redis_cache_db: int
    var_dir: Path

    @classmethod
    def from_environ(cls) -> Services:
        return cls(
            database_url=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL,
            redis_cache_db=int(os.environ.get("BENCH_REDIS_CACHE_DB") or DEFAULT_REDIS_CACHE_DB),
            var_dir=Path(os.environ.get("BENCH_VAR_DIR") or ROOT / "var" / "bench"),
        )

    def django_environ(self) -> dict[str, str]:
        """The environment of every process of the run (this one, gunicorn, Celery):
        production settings as the Dockerfile runs them, plus BENCH_MODE."""
        return {
            "DJANGO_SETTINGS_MODULE": "disputes_site.settings.production",
            "DJANGO_SECRET_KEY": _secret_key(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_CACHE_DB": str(self.redis_cache_db),
            "VAR_DIR": str(self.var_dir),
            "BENCH_MODE": "true",
            # Production's own log level would print a line per sweep and task.
            "LOG_LEVEL": "WARNING",
            # The API's per-user throttle (1 200 a minute) would answer the load
            # generator's one API user with 429s: measured is the view, and the
            # throttle's own bookkeeping still runs on every request.
            "API_THROTTLE_USER": "1000000/minute",
            "PYTHONPATH": str(ROOT),
        }


def _secret_key() -> str:
    # One per run, shared by every process of it through the environment.
    key = os.environ.get("BENCH_SECRET_KEY")
    if not key:
        key = os.environ["BENCH_SECRET_KEY"] = secrets.token_urlsafe(50)
    return key


def ensure_database(url: str) -> None:
    """Create the benchmark's database when it does not exist yet."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def flush_redis(url: str, cache_db: int) -> None:
    """An empty broker and cache: tasks queued by an earlier run would skew the drain."""
    import redis

    from disputes_site.env import redis_url_with_db

    for target in (url, redis_url_with_db(url, cache_db)):
        client = redis.Redis.from_url(target)
        client.flushdb()
        client.close()


def setup_django(services: Services) -> None:
    os.environ.update(services.django_environ())
    services.var_dir.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
