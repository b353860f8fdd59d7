"""The HTTP rows of the table: what each sends, as whom, and the budget it is held to.

A row whose route is not in the URLconf (the API and the mediation queue
arrive from other branches) is reported as "route missing" instead of failing.
To add a row, add a ``Scenario`` to ``SCENARIOS``.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import Resolver404, resolve

from bench.actors import API_PASSWORD, Actors, Case
from bench.load import Request
from bench.server import HOST, PROXY_HEADERS
from disputes_site.once import HEADER as ONCE_HEADER
from disputes_site.once import mint_key

Builder = Callable[[Actors, "Target"], Callable[[int], Request] | None]


@dataclass(frozen=True)
class Target:
    """The running server, as the client sees it."""

    port: int
    upload: bytes  # the 2 MB JPEG
    api_token: str | None = None

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.port}"

    def headers(self, cookie: str | None = None, **extra: str) -> dict[str, str]:
        headers = {**PROXY_HEADERS, "Host": f"{HOST}:{self.port}", **extra}
        if cookie:
            headers["Cookie"] = cookie
        return headers

    def post_headers(self, actors: Actors, cookie: str, **extra: str) -> dict[str, str]:
        # What a browser sends with a form: the CSRF token and its own origin.
        return self.headers(cookie, **{"X-CSRFToken": actors.csrf, "Origin": self.origin, **extra})

    def form_headers(self, actors: Actors, case: Case, **extra: str) -> dict[str, str]:
        """A page form's headers with a fresh one-time key, as the form shown to
        the case's buyer carries (each request is a new form, never a repeat)."""
        return self.post_headers(
            actors, case.cookie, **{ONCE_HEADER: mint_key(case.buyer_id), **extra}
        )


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    # A path to resolve: the row runs only when the URLconf has it.
    route: str
    build: Builder
    max_queries: int | None = None
    # Requests per second at least this share of the floor's.
    min_floor_share: float | None = None
    max_median_ms: float | None = None
    # Bounded by the room left under the evidence limit, not only by time.
    uses_uploads: bool = False
    # Concurrent clients, when not the run's (8).
    clients: int | None = None


def _cycle(items: list[Case]) -> Callable[[int], Case]:
    if not items:
        raise RuntimeError("no case to use: reseed (python -m bench --reseed)")
    return lambda i: items[i % len(items)]


def floor(actors: Actors, target: Target) -> Callable[[int], Request]:
    # Anonymous: no session to read, the least Django does for a request.
    return lambda i: Request("GET", "/bench/floor/", target.headers())


def dispute_page(actors: Actors, target: Target) -> Callable[[int], Request]:
    case = _cycle(actors.cases)
    return lambda i: Request(
        "GET", f"/disputes/{case(i).reference}/", target.headers(case(i).cookie)
    )


def buyer_list(actors: Actors, target: Target) -> Callable[[int], Request]:
    cookies = actors.buyer_cookies
    return lambda i: Request("GET", "/disputes/", target.headers(cookies[i % len(cookies)]))


def mediation_queue(actors: Actors, target: Target) -> Callable[[int], Request]:
    return lambda i: Request("GET", "/mediation/", target.headers(actors.mediator_cookie))


def api_detail(actors: Actors, target: Target) -> Callable[[int], Request]:
    case = _cycle(actors.api_cases)
    if target.api_token:
        auth = {"Authorization": f"Token {target.api_token}"}
        return lambda i: Request("GET", f"/api/v1/disputes/{case(i).pk}/", target.headers(**auth))
    # No token endpoint: the API's session authentication.
    return lambda i: Request(
        "GET", f"/api/v1/disputes/{case(i).pk}/", target.headers(case(i).cookie)
    )


def make_offer(actors: Actors, target: Target) -> Callable[[int], Request]:
    case = _cycle(actors.negotiating)
    body = b"make_offer-outcome=partial_refund&make_offer-amount=1.00&make_offer-note=bench"

    def request(i: int) -> Request:
        headers = target.form_headers(
            actors, case(i), **{"Content-Type": "application/x-www-form-urlencoded"}
        )
        return Request(
            "POST", f"/disputes/{case(i).reference}/act/make_offer/", headers, body, (302,)
        )

    return request


def api_make_offer(actors: Actors, target: Target) -> Callable[[int], Request]:
    negotiating = {c.pk for c in actors.negotiating}
    case = _cycle([c for c in actors.api_cases if c.pk in negotiating] or actors.negotiating)
    body = json.dumps({"outcome": "partial_refund", "amount": "1.00", "note": "bench"}).encode()

    def request(i: int) -> Request:
        headers = {"Content-Type": "application/json"}
        if target.api_token:
            headers["Authorization"] = f"Token {target.api_token}"
            base = target.headers(**headers)
        else:
            base = target.post_headers(actors, case(i).cookie, **headers)
        return Request("POST", f"/api/v1/disputes/{case(i).pk}/make-offer/", base, body, (200,))

    return request


def evidence_upload(actors: Actors, target: Target) -> Callable[[int], Request]:
    case = _cycle(actors.uploadable)

    def request(i: int) -> Request:
        boundary = uuid.uuid4().hex
        body = _multipart(boundary, target.upload)
        headers = target.form_headers(
            actors,
            case(i),
            **{"Content-Type": f"multipart/form-data; boundary={boundary}", "HX-Request": "true"},
        )
        return Request("POST", f"/disputes/{case(i).reference}/evidence/", headers, body, (201,))

    return request


def _multipart(boundary: str, jpeg: bytes) -> bytes:
    out = io.BytesIO()
    for name, value in (("description", "Photo of the damage"), ("visibility", "parties")):
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="damage.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
    )
    out.write(jpeg)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue()


SCENARIOS = [
    Scenario("floor", "Framework floor (minimal view)", "/bench/floor/", floor),
    Scenario(
        "api_detail",
        "GET /api/v1/disputes/{id}/ (buyer)",
        "/api/v1/disputes/1/",
        api_detail,
        max_queries=6,
        min_floor_share=0.15,
    ),
    Scenario("page_detail", "Dispute page /disputes/<ref>/ (buyer)", "/disputes/x/", dispute_page),
    Scenario(
        "page_list",
        "Buyer's list /disputes/",
        "/disputes/",
        buyer_list,
        max_queries=5,
        min_floor_share=0.10,
    ),
    Scenario(
        "queue",
        "Mediation queue /mediation/ (first page)",
        "/mediation/",
        mediation_queue,
        max_queries=5,
        min_floor_share=0.10,
    ),
    Scenario(
        "page_offer",
        "POST make_offer (page action)",
        "/disputes/x/act/make_offer/",
        make_offer,
        max_queries=10,
    ),
    Scenario(
        "api_offer",
        "POST /api/v1/disputes/{id}/make-offer/",
        "/api/v1/disputes/1/make-offer/",
        api_make_offer,
        max_queries=10,
    ),
    # The upload's budget is the time one upload takes; at 8 clients on two
    # cores the image checks of eight uploads queue behind each other.
    Scenario(
        "upload",
        "POST evidence, 2 MB JPEG (page), 1 client",
        "/disputes/x/evidence/",
        evidence_upload,
        max_median_ms=150,
        uses_uploads=True,
        clients=1,
    ),
    Scenario(
        "upload_8",
        "POST evidence, 2 MB JPEG (page)",
        "/disputes/x/evidence/",
        evidence_upload,
        uses_uploads=True,
    ),
]


def route_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def api_token(target: Target, actors: Actors) -> str | None:
    """A token from ``POST /api/v1/auth/token/`` for the API buyer, when the route exists."""
    import http.client

    if not route_exists("/api/v1/auth/token/"):
        return None
    conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
    body = json.dumps({"email": actors.api_buyer.email, "password": API_PASSWORD})
    conn.request(
        "POST",
        "/api/v1/auth/token/",
        body,
        target.headers(**{"Content-Type": "application/json"}),
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        return None
    token = json.loads(data).get("token")
    return str(token) if token else None
