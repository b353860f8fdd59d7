"""`make bench`: seed PostgreSQL with many disputes, load the app under gunicorn, print one table.

Not an installed Django app: ``bench.middleware`` and ``bench.views`` are
mounted only when the ``BENCH_MODE`` setting is on (docs/benchmarks.md).
"""
