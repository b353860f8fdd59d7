"""The load generator: N client threads on loopback, bounded by a request count and a time.

Threads and ``http.client``: the clients spend their time waiting on
sockets, where the GIL is released. Each thread keeps its connection open
while the server allows it (gunicorn's sync workers, as in production, close
after every response; ``http.client`` then reconnects, and the connect is part
of the measured time, as it is for a proxy in front of those workers).
"""

from __future__ import annotations

import http.client
import itertools
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    # The answers that count as a success (a transition redirects, an upload creates).
    expect: tuple[int, ...] = (200,)


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # A few examples of what went wrong, for the report.
    errors: list[str] = field(default_factory=list)
    transport_errors: int = 0
    seconds: float = 0.0

    def merged(self, other: Result) -> Result:
        """Two runs of the same row as one: every request of both, over both times."""
        return Result(
            latencies_ms=self.latencies_ms + other.latencies_ms,
            queries=self.queries + other.queries,
            statuses=self.statuses + other.statuses,
            errors=self.errors + other.errors,
            transport_errors=self.transport_errors + other.transport_errors,
            seconds=self.seconds + other.seconds,
        )

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def failed(self) -> int:
        return sum(self.statuses.values()) - self.ok + self.transport_errors

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95_ms(self) -> float:
        if len(self.latencies_ms) < 2:
            return self.median_ms
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[18]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def queries_median(self) -> int | None:
        return int(statistics.median(self.queries)) if self.queries else None

    @property
    def queries_max(self) -> int | None:
        return max(self.queries) if self.queries else None


def run(
    host: str,
    port: int,
    make: Callable[[int], Request],
    *,
    clients: int = 8,
    max_requests: int,
    max_seconds: float,
    warmup: int = 0,
) -> Result:
    """Send ``make(0)``, ``make(1)``, … from ``clients`` threads; warm-up requests are not counted.

    Stops after ``max_requests`` measured requests or ``max_seconds``,
    whichever comes first.
    """
    if warmup:
        _drive(host, port, make, clients, warmup, 60.0, Result(), itertools.count())
    result = Result()
    start = time.perf_counter()
    _drive(host, port, make, clients, max_requests, max_seconds, result, itertools.count(warmup))
    result.seconds = time.perf_counter() - start
    return result


def _drive(
    host: str,
    port: int,
    make: Callable[[int], Request],
    clients: int,
    limit: int,
    max_seconds: float,
    result: Result,
    numbers: itertools.count[int],
) -> None:
    lock = threading.Lock()
    deadline = time.perf_counter() + max_seconds
    first = next(numbers)
    budget = itertools.count()

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            while time.perf_counter() < deadline:
                taken = next(budget)  # thread-safe under the GIL
                if taken >= limit:
                    return
                request = make(first + taken)
                began = time.perf_counter()
                try:
                    conn.request(request.method, request.path, request.body, request.headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    with lock:
                        result.transport_errors += 1
                        if len(result.errors) < 20:
                            result.errors.append(f"{request.method} {request.path}: {exc!r}")
                    continue
                elapsed = (time.perf_counter() - began) * 1000
                queries = response.getheader("X-Bench-Queries")
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                with lock:
                    result.statuses[response.status] += 1
                    if response.status in request.expect:
                        result.latencies_ms.append(elapsed)
                        if queries is not None:
                            result.queries.append(int(queries))
                    elif len(result.errors) < 20:
                        result.errors.append(
                            f"{request.method} {request.path}: HTTP {response.status}"
                        )
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
