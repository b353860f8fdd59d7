"""schemathesis over the whole OpenAPI schema against a live server on PostgreSQL.

Every operation gets at least 50 generated cases (deterministic, no shrinking
of passing cases) and every default check; the run must report no failure.
The server runs in this process (pytest-django's live server) on the test
database, with a buyer's data in it; schemathesis runs as its CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from disputes import services
from integrations.tokens import token_issue
from tests.conftest import open_dispute
from tests.factories import full_order

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).parent
EXAMPLES = 50


def test_schemathesis_finds_no_failure(live_server, buyer, seller, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Throttling is tested elsewhere; here it would only turn cases into 429s.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "token_login": None},
    }
    settings.IDEMPOTENCY_WAIT_SECONDS = 0
    for _ in range(3):
        order = full_order(buyer=buyer, seller=seller)
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    services.dispute_make_offer(
        dispute=dispute, actor=seller, outcome="partial_refund", amount="20.00"
    )
    key = token_issue(user=buyer, name="schemathesis")[1]
    # The fixed settings, and real ids so that cases reach the domain, not only 404s.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        (HERE / "schemathesis.toml").read_text()
        + f"""
[[operations]]
include-path-regex = "^/api/v1/disputes/[{{]id[}}]/"
parameters = {{ "path.id" = "{dispute.reference}" }}

[[operations]]
include-path-regex = "^/api/v1/orders/[{{]id[}}]/"
parameters = {{ "path.id" = "{order.reference}" }}
"""
    )
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/schema/",
        "--url",
        live_server.url,
        "--header",
        f"Authorization: Token {key}",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        "--no-shrink",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    # In tmp_path: schemathesis keeps a cache folder in its working directory.
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    (Path(os.environ.get("SCHEMATHESIS_OUTPUT", tmp_path)) / "schemathesis.txt").write_text(
        run.stdout + run.stderr
    )
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    print(summary)
    assert run.returncode == 0, run.stdout[-30000:] + run.stderr[-4000:]
    assert "No issues found" in run.stdout or "passed" in run.stdout
    if report.exists():
        print(json.dumps(json.loads(report.read_text()).get("summary", {}), indent=1)[:2000])
