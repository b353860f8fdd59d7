"""``python -m bench``: seed, serve, load, sweep, drain, thumbnail; print the table.

make bench                 # SIZE=100000
make bench SIZE=1000000
python -m bench --size 200 --seconds 2 --no-docs   # a quick pass (the CI test)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.environment import ROOT, Services, ensure_database, flush_redis, setup_django

# The floor's request count, as a multiple of every other row's (--requests).
FLOOR_REQUESTS_FACTOR = 3

if TYPE_CHECKING:
    from bench.report import Figures


@dataclass
class Options:
    size: int
    seconds: float
    requests: int
    uploads: int
    clients: int
    workers: int
    drain: int
    probe_runs: int
    thumbnail_runs: int
    sweep_percent: float
    docs: Path | None
    out: Path | None
    reseed: bool
    seed_only: bool
    profile: str | None
    profile_requests: int = 200
    skip: set[str] = field(default_factory=set)


def parse(argv: Sequence[str]) -> Options:
    from bench.server import default_workers

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", type=int, default=int(os.environ.get("SIZE") or 100_000))
    parser.add_argument("--seconds", type=float, default=10.0, help="per HTTP row, at most")
    parser.add_argument("--requests", type=int, default=2_000, help="per HTTP row, at most")
    parser.add_argument("--uploads", type=int, default=150, help="evidence uploads, at most")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn's")
    parser.add_argument("--drain", type=int, default=1_000, help="notifications to deliver")
    parser.add_argument("--probe-runs", type=int, default=50)
    parser.add_argument("--thumbnail-runs", type=int, default=5)
    parser.add_argument("--sweep-percent", type=float, default=1.0)
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--out", type=Path, help="also write the section to this file")
    parser.add_argument("--reseed", action="store_true", help="seed again even if reusable")
    parser.add_argument("--seed-only", action="store_true", help="seed (or reuse) and stop")
    parser.add_argument(
        "--profile", metavar="ROW", help="profile one HTTP row in-process with pyinstrument"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated rows to leave out (e.g. drain,thumbnail)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.size <= 10_000_000:
        parser.error("--size must be between 1 and 10 000 000")
    return Options(
        size=args.size,
        seconds=args.seconds,
        requests=args.requests,
        uploads=args.uploads,
        clients=args.clients,
        workers=args.workers,
        drain=args.drain,
        probe_runs=args.probe_runs,
        thumbnail_runs=args.thumbnail_runs,
        sweep_percent=args.sweep_percent,
        docs=None if args.no_docs else ROOT / "docs" / "benchmarks.md",
        out=args.out,
        reseed=args.reseed,
        seed_only=args.seed_only,
        profile=args.profile,
        skip={s.strip() for s in args.skip.split(",") if s.strip()},
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    services = Services.from_environ()
    began = time.perf_counter()
    ensure_database(services.database_url)
    setup_django(services)
    env = services.django_environ()

    from django.core.management import call_command

    from bench import report
    from bench.seed import count_run, seed

    load_before = os.getloadavg()
    _say(f"database {services.database_url}, Redis {services.redis_url} (+ cache db)")
    call_command("migrate", verbosity=0, interactive=False)
    # Production serves hashed, compressed static files: build them as the image does.
    call_command("collectstatic", verbosity=0, interactive=False)
    flush_redis(services.redis_url, services.redis_cache_db)
    _say(f"seeding {options.size:,} disputes …")
    seeded = seed(options.size, reuse=not options.reseed)
    _say(
        f"seed {'reused' if seeded.reused else 'written'} in {seeded.seconds:.1f} s "
        + (", ".join(f"{k} {v:,}" for k, v in seeded.rows.items()) if seeded.rows else "")
    )
    if options.seed_only:
        return 0
    if options.profile:
        from bench.profile import profile_row

        profile_row(options.profile, int(os.environ.get("BENCH_PROFILE_REQUESTS") or 200))
        return 0

    rows = report.Figures()
    _http_rows(options, services, env, rows)
    _background_rows(options, services, env, rows)
    count_run()
    machine = report.machine(load_before, os.getloadavg(), options, platform.python_version())
    section = report.section(options, seeded, rows, machine, time.perf_counter() - began)
    print(section)
    if options.docs:
        report.write_docs(options.docs, options.size, section)
        _say(f"written to {options.docs.relative_to(ROOT)}")
    if options.out:
        options.out.write_text(section)
    return 0


def _http_rows(options: Options, services: Services, env: dict[str, str], rows: Figures) -> None:
    from bench import report
    from bench.actors import prepare
    from bench.background import upload_jpeg
    from bench.load import run
    from bench.scenarios import SCENARIOS, Target, api_token, route_exists
    from bench.server import HOST, gunicorn
    from evidence.models import Evidence

    actors = prepare()
    jpeg = upload_jpeg()
    rows.upload_bytes = len(jpeg)
    with gunicorn(env, services.var_dir, options.workers) as port:
        target = Target(port=port, upload=jpeg)
        target = Target(port=port, upload=jpeg, api_token=api_token(target, actors))
        rows.api_token = target.api_token is not None
        for scenario in SCENARIOS:
            if scenario.key in options.skip:
                continue
            if not route_exists(scenario.route):
                _say(f"{scenario.label}: route missing")
                rows.http[scenario.key] = report.HttpRow(scenario, None)
                continue
            make = scenario.build(actors, target)
            assert make is not None
            limit = options.requests
            if scenario.key == "floor":
                # The floor answers ten times faster than the app's rows: at the same
                # count it would be measured in under a second, where a moment's noise
                # moves every ratio of the table. It gets several times the count, and
                # is measured again after the app's rows (below).
                limit *= FLOOR_REQUESTS_FACTOR
            if scenario.uses_uploads:
                limit = min(
                    limit,
                    options.uploads,
                    len(actors.uploadable) - 2 * (scenario.clients or options.clients),
                )
            pending_before = Evidence.objects.filter(thumbnail_status="pending").count()
            _say(f"{scenario.label} …")
            result = run(
                HOST,
                port,
                make,
                clients=scenario.clients or options.clients,
                max_requests=max(limit, 1),
                max_seconds=options.seconds,
                warmup=2 * (scenario.clients or options.clients),
            )
            row = report.HttpRow(scenario, result)
            if scenario.uses_uploads:
                # Off the request path: every upload still waits for its preview.
                row.thumbnails_pending = (
                    Evidence.objects.filter(thumbnail_status="pending").count() - pending_before
                )
                # The next upload row starts on cases this one left alone.
                used = 2 * (scenario.clients or options.clients) + result.ok + result.failed
                actors.uploadable = actors.uploadable[used:]
            rows.http[scenario.key] = row
            _say(f"  {report.http_summary(row)}")
        floor = rows.http.get("floor")
        if floor is not None and floor.result is not None:
            # The ratios compare the app with a floor measured on both sides of its
            # rows, so that the machine drifting during the run moves both alike.
            _say("Framework floor, again after the app's rows …")
            make_floor = floor.scenario.build(actors, target)
            assert make_floor is not None
            again = run(
                HOST,
                port,
                make_floor,
                clients=options.clients,
                max_requests=options.requests * FLOOR_REQUESTS_FACTOR,
                max_seconds=options.seconds,
                warmup=2 * options.clients,
            )
            rows.floor_runs = (floor.result.per_second, again.per_second)
            floor.result = floor.result.merged(again)
            _say(f"  {report.http_summary(floor)}")


def _background_rows(
    options: Options, services: Services, env: dict[str, str], rows: Figures
) -> None:
    from bench.background import (
        measure_drain,
        measure_probe,
        measure_sweep,
        measure_thumbnail,
    )
    from disputes_site.celery import send_values_inline

    # The sweep runs in a Celery worker (beat's task), with a worker's connection.
    send_values_inline()
    if "sweep" not in options.skip:
        due = max(1, round(options.size * options.sweep_percent / 100))
        _say(f"sweep with {due:,} due …")
        rows.sweep = measure_sweep(due)
        _say(f"  {rows.sweep}")
        rows.probe_ms = measure_probe(options.probe_runs)
    if "drain" not in options.skip:
        # What the HTTP rows and the sweep queued would be drained too: start empty.
        flush_redis(services.redis_url, services.redis_cache_db)
        for processes in (1, 2):
            _say(f"drain of {options.drain} notifications, {processes} worker process(es) …")
            rows.drain[processes] = measure_drain(env, services.var_dir, options.drain, processes)
            _say(f"  {rows.drain[processes]:.2f} s")
        rows.drain_count = options.drain
    if "thumbnail" not in options.skip:
        rows.thumbnail_ms = measure_thumbnail(options.thumbnail_runs)


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
