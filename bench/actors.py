"""Who the load generator is: logged-in bench buyers and a mediator, and the cases they act on."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, Q
from django.utils.module_loading import import_string

from accounts.models import User
from bench.seed import BENCH_BUYERS, mediator_email
from disputes.choices import TERMINAL_STATES, DisputeState
from disputes.models import Dispute

# The password of the bench buyer the API row logs in with (token auth).
API_PASSWORD = "bench-api-password-not-a-secret"  # noqa: S105


@dataclass(frozen=True)
class Case:
    pk: int
    reference: str
    cookie: str  # the session of the buyer who owns it
    buyer_id: int  # whose one-time form keys it sends (disputes_site.once)


@dataclass
class Actors:
    csrf: str
    buyer_cookies: list[str]
    mediator_cookie: str
    # Every case of the bench buyers, then the subsets the POSTs may use.
    cases: list[Case]
    negotiating: list[Case]
    uploadable: list[Case]
    api_buyer: User
    api_cases: list[Case] = field(default_factory=list)


def _session_for(user: User) -> str:
    """What logging in leaves behind: a stored session with the user's auth hash."""
    # The engine production runs (sessions cached in Redis, kept in the database).
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The first backend that signs people in (the lockout's gate, first in the
    # list, only refuses: it loads nobody from a session).
    session[BACKEND_SESSION_KEY] = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(import_string(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def prepare(*, uploads_per_case: int = 4) -> Actors:
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    # The first buyers who still negotiate: earlier runs' sweeps may have moved
    # some buyers' cases on, and the make_offer row needs open negotiations.
    ids = list(
        Dispute.objects.filter(state=DisputeState.NEGOTIATING)
        .order_by("buyer_id")
        .values_list("buyer_id", flat=True)
        .distinct()[:BENCH_BUYERS]
    )
    buyers = sorted(User.objects.filter(pk__in=ids), key=lambda u: u.pk)
    if not buyers:
        raise RuntimeError("no buyer has a case in negotiation: reseed (python -m bench --reseed)")
    mediator = User.objects.get(email=mediator_email(0))
    api_buyer = buyers[0]
    # Before its session is made: a new password changes the session's auth hash.
    api_buyer.set_password(API_PASSWORD)
    api_buyer.save(update_fields=["password"])
    cookies = {u.pk: _cookie(_session_for(u), csrf) for u in buyers}
    limit = settings.EVIDENCE_MAX_ITEMS_PER_PARTY
    rows = (
        Dispute.objects.filter(buyer__in=buyers)
        .annotate(buyer_items=Count("evidence", filter=Q(evidence__uploader_role="buyer")))
        .order_by("pk")
        .values_list("pk", "reference", "buyer_id", "state", "buyer_items")
    )
    cases, negotiating, room = [], [], []
    for pk, reference, buyer_id, state, items in rows:
        case = Case(pk, reference, cookies[buyer_id], buyer_id)
        cases.append(case)
        if state == DisputeState.NEGOTIATING:
            negotiating.append(case)
        if state not in TERMINAL_STATES:
            # Room for this run's uploads under the per-party limit.
            room.append((case, min(uploads_per_case, limit - items)))
    # Round by round, so that concurrent uploads go to different cases.
    uploadable = [c for turn in range(uploads_per_case) for c, free in room if free > turn]
    return Actors(
        csrf=csrf,
        buyer_cookies=list(cookies.values()),
        mediator_cookie=_cookie(_session_for(mediator), csrf),
        cases=cases,
        negotiating=negotiating,
        uploadable=uploadable,
        api_buyer=api_buyer,
        api_cases=[c for c in cases if c.cookie == cookies[api_buyer.pk]],
    )


def _cookie(session_key: str, csrf: str) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
