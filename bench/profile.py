"""Where a row's time goes: its requests run in this process under pyinstrument."""

from __future__ import annotations

import os
import sys

from django.test import Client

from bench.actors import prepare


def profile_row(key: str, requests: int) -> None:
    from pyinstrument import Profiler

    actors = prepare()
    # The same settings and middleware as the server, minus the socket.
    paths = {
        "page_detail": lambda i: (
            f"/disputes/{actors.cases[i % len(actors.cases)].reference}/",
            actors.cases[i % len(actors.cases)].cookie,
        ),
        "page_list": lambda i: ("/disputes/", actors.buyer_cookies[i % len(actors.buyer_cookies)]),
        "queue": lambda i: ("/mediation/", actors.mediator_cookie),
        # No cookie: the API's row authenticates with a token (below).
        "api_detail": lambda i: (
            f"/api/v1/disputes/{actors.api_cases[i % len(actors.api_cases)].pk}/",
            "",
        ),
    }
    if key not in paths:
        raise SystemExit(f"--profile takes one of {', '.join(paths)}")
    headers: dict[str, str] = {}
    if key == "api_detail":
        # As the server's row does: a token, not the session.
        from integrations.models import ApiToken, hash_token, new_token_key

        token = new_token_key()
        ApiToken.objects.create(
            user=actors.api_buyer,
            name="bench profile",
            key_hash=hash_token(token),
            prefix=token[:8],
        )
        headers["Authorization"] = f"Token {token}"
    client = Client(headers={"X-Forwarded-Proto": "https", **headers}, HTTP_HOST="127.0.0.1")
    for i in range(20):  # warm-up: URLconf, templates, connections
        _get(client, *paths[key](i))
    if os.environ.get("BENCH_PROFILE_STATS"):
        # The functions themselves (cProfile's own time per function), where the
        # call tree spreads a cost over many callers (template nodes, lookups).
        _function_stats(client, [paths[key](i) for i in range(requests)])
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for i in range(requests):
        _get(client, *paths[key](i))
    profiler.stop()
    sys.stdout.write(
        profiler.output_text(
            unicode=False, color=False, show_all=bool(os.environ.get("BENCH_PROFILE_ALL"))
        )
    )


def _function_stats(client: Client, requests: list[tuple[str, str]]) -> None:
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for path, cookie in requests:
        _get(client, path, cookie)
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(60)


def _get(client: Client, path: str, cookie: str) -> None:
    response = client.get(path, headers={"Cookie": cookie} if cookie else {})
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status_code}")
