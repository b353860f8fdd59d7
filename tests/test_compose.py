"""docker-compose.yml is valid, and its Django service is defined once (ARCHITECTURE rule 10).

No database and no Docker daemon needed: ``config`` only reads and resolves the
file. The Compose v2 plugin (``docker compose``) is used where it works, else
Debian's ``docker-compose``. Without either the test fails: a skipped check
would let a broken compose file through unnoticed.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DJANGO_SERVICES = ("migrate", "web", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis", "minio", "createbucket", "mailpit", "proxy")


@cache
def compose_command() -> tuple[str, ...]:
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    pytest.fail(
        "Neither `docker compose` (the Compose v2 plugin) nor `docker-compose` works here, so "
        "docker-compose.yml cannot be checked. Install one: `apt-get install docker-compose`."
    )


def run_compose_config(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*compose_command(), "config", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def blocks(lines: list[str]) -> dict[str, str]:
    """Split a block of YAML mapping lines into ``{key: the text under that key}``.

    Just enough YAML for what ``config`` prints (block style, resolved): keys
    at the block's own indent start entries; everything below a key, deeper
    lines and ``- `` items at the same indent alike, belongs to that key and
    is kept as text. Equal texts mean equal values.
    """
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return {}
    indent = min(len(line) - len(line.lstrip(" ")) for line in lines)
    result: dict[str, str] = {}
    key: str | None = None
    for line in lines:
        own_level = len(line) - len(line.lstrip(" ")) == indent
        if own_level and not line[indent:].startswith("- "):
            key, _, inline = line[indent:].partition(":")
            result[key] = inline.strip()
        elif key is not None:
            result[key] += "\n" + line
    return result


@cache
def resolved_services() -> dict[str, dict[str, str]]:
    completed = run_compose_config()
    assert completed.returncode == 0, completed.stderr
    services = blocks(completed.stdout.splitlines()).get("services", "")
    return {
        name: blocks(text.splitlines()[1:])
        for name, text in blocks(services.splitlines()[1:]).items()
    }


def test_compose_file_is_valid() -> None:
    completed = run_compose_config("-q")

    assert completed.returncode == 0, (
        f"`{' '.join(compose_command())} config -q` exited {completed.returncode}:\n"
        f"{completed.stderr}"
    )


def test_django_service_is_defined_once_and_the_backing_services_exist() -> None:
    services = resolved_services()

    missing = [name for name in (*DJANGO_SERVICES, *BACKING_SERVICES) if name not in services]
    assert not missing, f"services missing from docker-compose.yml: {missing}"

    reference = services["web"]
    assert "disputes_site.settings.production" in reference.get("environment", "")
    assert reference.get("build") or reference.get("image"), "web has neither build nor image"
    for name in DJANGO_SERVICES:
        for key in ("build", "image", "environment"):
            assert services[name].get(key) == reference.get(key), (
                f"{name} differs from web in {key!r}: the Django service must be defined once"
            )

    assert "migrate" in services["migrate"]["command"]
    for name in ("web", "worker", "beat"):
        depends_on = services[name].get("depends_on", "")
        migrate = blocks(blocks(depends_on.splitlines()[1:]).get("migrate", "").splitlines()[1:])
        assert migrate.get("condition") == "service_completed_successfully", (
            f"{name} must wait for the migrate job to finish:\n{depends_on}"
        )


def test_only_the_proxy_is_published_and_the_app_trusts_exactly_it() -> None:
    """The client's address comes from X-Forwarded-For only as far as our proxy
    wrote it (TRUSTED_PROXY_COUNT); were web published too, a client could reach
    it directly and write that entry itself."""
    services = resolved_services()

    assert "web:8000" in services["proxy"]["command"]
    assert "8000" in services["proxy"].get("ports", "")
    assert "ports" not in services["web"], "web must be reached only through the proxy"
    environment = blocks(services["web"]["environment"].splitlines()[1:])
    assert environment.get("TRUSTED_PROXY_COUNT", "").strip("'\"") == "1"
