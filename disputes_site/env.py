"""Typed readers for settings that come from the environment.

Each helper fails loudly with ``ImproperlyConfigured`` naming the variable and
what was wrong, so a typo in a deployment stops the process at start-up
instead of surfacing as odd behaviour later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return None if value is None else value.strip()


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
    return number


def env_choice(
    name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def env_decimal(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> Decimal:
    value = _raw(name, environ) or default
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a decimal number, got {value!r}.") from None


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be true or false (1/0, yes/no, on/off), got {value!r}."
    )


def env_list(
    name: str, default: list[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None or value == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_list(
    name: str,
    default: list[int],
    *,
    minimum: int,
    maximum: int,
    environ: Mapping[str, str] | None = None,
) -> list[int]:
    """A comma-separated list of whole numbers, each within [minimum, maximum]."""
    value = _raw(name, environ)
    if not value:
        return list(default)
    numbers = []
    for item in value.split(","):
        try:
            number = int(item)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list whole numbers, got {item.strip()!r}."
            ) from None
        if not minimum <= number <= maximum:
            raise ImproperlyConfigured(
                f"{name} values must be from {minimum} to {maximum}, got {number}."
            )
        numbers.append(number)
    return numbers


def env_database(
    name: str, default: str, *, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Parse a database URL (``postgres://user@host:5432/name``, ``sqlite:///path``)."""
    import dj_database_url

    value = _raw(name, environ) or default
    parts = urlsplit(value)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name} must be a postgres:// or sqlite:/// URL, got {_redact(value)!r}."
        )
    try:
        # Touching .port validates it: urlsplit only parses it lazily.
        _ = parts.port
        config = dj_database_url.parse(value, conn_max_age=600, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL ({exc}).") from None
    if parts.scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, got {_redact(value)!r}.")
    if parts.scheme == "sqlite":
        # The demo's server and its deadline sweep write at the same time:
        # wait for the lock instead of failing, and take it when the
        # transaction starts (SQLite has no row locks to rely on).
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
        config["CONN_MAX_AGE"] = 0
    return dict(config)


def env_redis_url(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like redis://host:6379/0, got {_redact(value)!r}."
        )
    try:
        _ = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid Redis URL ({exc}).") from None
    return value


def _redact(url: str) -> str:
    """Hide a password before a URL goes into an error message."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (cache apart from the broker)."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{db}").geturl()
