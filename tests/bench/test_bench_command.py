"""`python -m bench` end to end at a tiny size: the command CI can afford to run."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from bench.report import END_OF_RESULTS, write_docs
from tests.processes import ROOT, child_env

ROWS = [
    "Framework floor",
    "Dispute page",
    "Buyer's list",
    "POST make_offer",
    "POST evidence, 2 MB JPEG (page), 1 client",
    "Deadline sweep, 2 due (1.0%)",
    "Sweep probe",
    "Notification drain, 20 emails, 1 worker process",
    "Notification drain, 20 emails, 2 worker processes",
    "Thumbnail of a 12-megapixel JPEG",
]


def _bench_database_url() -> str:
    """The test database's server, a database of the benchmark's own."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/disputes")
    parts = urlsplit(url)
    return parts._replace(path=parts.path + "_bench").geturl()


def _has_route(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@pytest.mark.real_worker
def test_a_short_bench_pass_prints_every_row_with_its_figures(tmp_path):
    out = tmp_path / "section.md"
    command = [
        sys.executable, "-m", "bench", "--size", "200", "--seconds", "1", "--requests", "24",
        "--uploads", "4", "--drain", "20", "--probe-runs", "3", "--thumbnail-runs", "1",
        "--workers", "2", "--clients", "4", "--no-docs", "--out", str(out),
    ]  # fmt: skip
    env = child_env(BENCH_DATABASE_URL=_bench_database_url(), BENCH_VAR_DIR=str(tmp_path / "var"))
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text()
    assert table == done.stdout.strip("\n") + "\n" or table in done.stdout
    lines = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()}
    for row in ROWS:
        line = next((v for k, v in lines.items() if k.startswith(row)), None)
        assert line is not None, f"no row {row!r} in\n{table}"
        assert "route missing" not in line
        assert " ms " in line or " s " in line or " ms |" in line or " s to clear" in line
    # Every page request succeeded, and the list keeps to its query budget.
    assert "requests failed" not in table
    list_row = next(v for k, v in lines.items() if k.startswith("Buyer's list"))
    assert int(list_row.split(" | ")[4].split()[0]) <= 5
    # The rows of routes other branches add are reported, not failed.
    for path, label in (("/mediation/", "Mediation queue"), ("/api/v1/disputes/1/", "GET /api")):
        line = next(v for k, v in lines.items() if k.startswith(label))
        assert ("route missing" in line) is not _has_route(path)


def test_the_floor_view_and_query_header_exist_only_in_bench_mode(client):
    response = client.get("/bench/floor/")
    assert response.status_code == 404
    assert "X-Bench-Queries" not in response


def test_a_run_replaces_its_own_size_in_the_document_and_keeps_the_others(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nintro\n\n{END_OF_RESULTS}\n\n## Method\n")
    write_docs(doc, 100, "<!-- bench:100 -->\nfirst\n<!-- /bench:100 -->")
    write_docs(doc, 1000, "<!-- bench:1000 -->\nbig\n<!-- /bench:1000 -->")
    write_docs(doc, 100, "<!-- bench:100 -->\nsecond\n<!-- /bench:100 -->")
    text = doc.read_text()
    assert "first" not in text
    assert text.index("second") < text.index("big") < text.index("## Method")
    assert text.count("<!-- bench:100 -->") == 1
