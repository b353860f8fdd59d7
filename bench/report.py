"""The table: every figure, its ratio to the framework floor of the same run, its budget."""

from __future__ import annotations

import math
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.load import Result
from bench.scenarios import Scenario

if TYPE_CHECKING:
    from bench.background import SweepFigures
    from bench.run import Options
    from bench.seed import SeedResult

# SPEC budgets of issue 8 that are not per HTTP row.
SWEEP_BUDGET_PER_SECOND = 1_000  # 1 % of 1 000 000 (10 000) in under 10 s
PROBE_BUDGET_MS = 5.0
DRAIN_BUDGET_SECONDS = 5.0  # 1 000 with two worker processes


@dataclass
class HttpRow:
    scenario: Scenario
    result: Result | None  # None: the route is missing
    thumbnails_pending: int | None = None


@dataclass
class Figures:
    http: dict[str, HttpRow] = field(default_factory=dict)
    sweep: SweepFigures | None = None
    probe_ms: list[float] = field(default_factory=list)
    drain: dict[int, float] = field(default_factory=dict)
    drain_count: int = 0
    thumbnail_ms: list[float] = field(default_factory=list)
    upload_bytes: int = 0
    api_token: bool = False
    # The floor's throughput before and after the app's rows (the table uses both).
    floor_runs: tuple[float, float] | None = None

    @property
    def floor(self) -> Result | None:
        row = self.http.get("floor")
        return row.result if row else None


def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _verdict(misses: list[str]) -> str:
    return "yes" if not misses else "**no**: " + "; ".join(misses)


def http_summary(row: HttpRow) -> str:
    r = row.result
    if r is None:
        return "route missing"
    return (
        f"{r.ok} ok, {r.failed} failed, median {_ms(r.median_ms)}, p95 {_ms(r.p95_ms)}, "
        f"{r.per_second:.0f}/s, queries {r.queries_median} (max {r.queries_max})"
    )


def _http_line(row: HttpRow, floor: Result | None) -> list[str]:
    s, r = row.scenario, row.result
    budget = []
    if s.max_queries is not None:
        budget.append(f"≤ {s.max_queries} queries")
    if s.min_floor_share is not None:
        budget.append(f"≥ {s.min_floor_share:.0%} of floor req/s")
    if s.max_median_ms is not None:
        budget.append(f"median < {s.max_median_ms:.0f} ms, thumbnail off the request")
    budget_text = ", ".join(budget) or "-"
    if r is None:
        return [s.label, "-", "-", "-", "-", "-", budget_text, "route missing"]
    share = r.per_second / floor.per_second if floor and floor.per_second else float("nan")
    slower = r.median_ms / floor.median_ms if floor and floor.median_ms else float("nan")
    misses = []
    if r.failed:
        misses.append(f"{r.failed} of {r.ok + r.failed} requests failed")
    if s.max_queries is not None and (r.queries_max or 0) > s.max_queries:
        misses.append(f"{r.queries_max} queries")
    if s.min_floor_share is not None and share < s.min_floor_share:
        misses.append(f"{share:.0%} of floor")
    if s.max_median_ms is not None and r.median_ms >= s.max_median_ms:
        misses.append(f"median {_ms(r.median_ms)}")
    if row.thumbnails_pending is not None and row.thumbnails_pending < r.ok:
        misses.append("thumbnails made in the request")
    queries = "-" if r.queries_median is None else f"{r.queries_median}"
    if r.queries_max is not None and r.queries_max != r.queries_median:
        queries += f" (max {r.queries_max})"
    versus = "1" if s.key == "floor" else f"{share:.0%} req/s, {slower:.1f}x median"
    return [
        s.label,
        _ms(r.median_ms),
        _ms(r.p95_ms),
        f"{r.per_second:.0f} req/s",
        queries,
        versus,
        budget_text,
        _verdict(misses) if budget or misses else "-",
    ]


def table(figures: Figures, size: int) -> str:
    floor = figures.floor
    head = ["Figure", "Median", "p95", "Throughput", "Queries/req", "vs floor", "Budget", "Met"]
    lines = [_http_line(row, floor) for row in figures.http.values()]
    floor_rps = floor.per_second if floor else float("nan")
    floor_ms = floor.median_ms if floor else float("nan")
    if figures.sweep is not None:
        sw = figures.sweep
        rate_share = sw.per_second / floor_rps if floor_rps else float("nan")
        projected = 0.01 * 1_000_000 / sw.per_second if sw.per_second else float("inf")
        misses = []
        if sw.per_second < SWEEP_BUDGET_PER_SECOND:
            misses.append(f"{projected:.0f} s projected for 10 000")
        if sw.skipped or sw.transitions < sw.due:
            misses.append(f"{sw.due - sw.transitions} of {sw.due} not cleared")
        lines.append(
            [
                f"Deadline sweep, {sw.due:,} due ({sw.due / size:.1%})",
                f"{sw.seconds:.2f} s to clear",
                "-",
                f"{sw.per_second:.0f} transitions/s, {sw.events:,} events",
                f"{sw.events / max(sw.transitions, 1):.1f} events/transition",
                f"{rate_share:.2f}x floor req/s",
                "10 000 due in < 10 s (≥ 1 000/s)",
                _verdict(misses),
            ]
        )
    if figures.probe_ms:
        probe = statistics.median(figures.probe_ms)
        lines.append(
            [
                f"Sweep probe, nothing due (median of {len(figures.probe_ms)})",
                _ms(probe),
                _ms(_p95(figures.probe_ms)),
                "-",
                "2",
                f"{probe / floor_ms:.1f}x floor median",
                f"< {PROBE_BUDGET_MS:.0f} ms",
                _verdict([] if probe < PROBE_BUDGET_MS else [_ms(probe)]),
            ]
        )
    for processes, seconds in sorted(figures.drain.items()):
        rate = figures.drain_count / seconds
        budgeted = processes == 2
        lines.append(
            [
                f"Notification drain, {figures.drain_count:,} emails, {processes} worker process"
                + ("es" if processes > 1 else ""),
                f"{seconds:.2f} s",
                "-",
                f"{rate:.0f} emails/s",
                "-",
                f"{rate / floor_rps:.2f}x floor req/s",
                f"{figures.drain_count:,} in < {DRAIN_BUDGET_SECONDS:.0f} s" if budgeted else "-",
                _verdict([] if seconds < DRAIN_BUDGET_SECONDS else [f"{seconds:.1f} s"])
                if budgeted
                else "-",
            ]
        )
    if figures.thumbnail_ms:
        thumb = statistics.median(figures.thumbnail_ms)
        lines.append(
            [
                f"Thumbnail of a 12-megapixel JPEG (median of {len(figures.thumbnail_ms)})",
                _ms(thumb),
                _ms(max(figures.thumbnail_ms)) + " (max)",
                "-",
                "-",
                f"{thumb / floor_ms:.0f}x floor median",
                "- (off the request path)",
                "-",
            ]
        )
    return _markdown(head, lines)


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _markdown(head: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
    return "\n".join(out)


def machine(
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    options: Options,
    python: str,
) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    pg = row[0] if row else "?"
    ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores (`nproc`), {ram_gb:.0f} GB RAM, PostgreSQL {pg}, Python {python}; "
        f"gunicorn {options.workers} sync workers, {options.clients} clients on loopback; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )


def section(
    options: Options, seeded: SeedResult, figures: Figures, machine_line: str, seconds: float
) -> str:
    notes = []
    for row in figures.http.values():
        if row.result is not None and row.result.errors:
            notes.append(f"- {row.scenario.label}: " + "; ".join(row.result.errors[:3]))
    if "upload" in figures.http and figures.upload_bytes:
        notes.append(
            f"- Upload: a {figures.upload_bytes / 1e6:.2f} MB JPEG per request"
            + (
                f"; {figures.http['upload'].thumbnails_pending} previews still pending "
                "afterwards (made by the worker, not in the request)"
                if figures.http["upload"].thumbnails_pending is not None
                else ""
            )
        )
    if figures.floor_runs:
        before, after = figures.floor_runs
        notes.append(
            f"- Framework floor: {before:.0f} req/s before the app's rows and {after:.0f} after; "
            "the table counts both runs together"
        )
    if "api_detail" in figures.http and figures.http["api_detail"].result is not None:
        notes.append(
            "- API rows authenticate with "
            + ("a token (`POST /api/v1/auth/token/`)" if figures.api_token else "the session")
        )
    seed_text = (
        "reused" if seeded.reused else f"written in {seeded.seconds:.0f} s ({_rows(seeded)})"
    )
    return "\n".join(
        [
            f"<!-- bench:{options.size} -->",
            f"### {options.size:,} disputes ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
            "",
            f"Machine: {machine_line}. Seed {seed_text}. Whole run {seconds:.0f} s. "
            f"Each HTTP row: at most {options.requests:,} requests or {options.seconds:.0f} s "
            "after a warm-up (the floor: three times the requests, run before and after "
            "the app's rows).",
            "",
            table(figures, options.size),
            "",
            *notes,
            f"<!-- /bench:{options.size} -->",
        ]
    )


def _rows(seeded: SeedResult) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in seeded.rows.items())


END_OF_RESULTS = "<!-- bench:results-end -->"


def write_docs(path: Path, size: int, section_text: str) -> None:
    """Replace this size's section of the document, or add it before the end marker."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{END_OF_RESULTS}\n"
    pattern = re.compile(rf"<!-- bench:{size} -->.*?<!-- /bench:{size} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section_text, text)
    elif END_OF_RESULTS in text:
        text = text.replace(END_OF_RESULTS, f"{section_text}\n\n{END_OF_RESULTS}")
    else:
        text = text.rstrip("\n") + f"\n\n{section_text}\n"
    path.write_text(text)
