"""``Idempotency-Key`` on POSTs (SPEC section 9).

The same key and body give the same answer and one effect; the same key
with another body answers 422; a repeat that arrives while the first is
still running waits for its answer a few seconds (so that a client's
concurrent retries all get the one answer) and otherwise answers 409
``idempotency_in_progress``. Keys are per user and kept 24 hours.

The key row is committed before the work starts: the unique constraint on
(user, key) is what lets exactly one request do the work.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from integrations.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyRefused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class Replay(Exception):
    """The stored answer of an earlier request with the same key and body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__("replay")
        self.status, self.body = status, body


def _canonical(value: Any) -> Any:
    if hasattr(value, "chunks"):  # an uploaded file: its name and content
        digest = hashlib.sha256()
        value.seek(0)
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": getattr(value, "name", ""), "sha256": digest.hexdigest()}
    return value


def fingerprint(request: Request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        items: Any = {key: [_canonical(v) for v in values] for key, values in data.lists()}
    else:
        items = data
    text = json.dumps(
        [request.method, request.path, items], sort_keys=True, cls=JSONEncoder, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def begin(request: Request) -> IdempotencyKey | None:
    """Claim the request's key, or raise ``Replay`` / ``IdempotencyRefused``; None without a key."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyRefused(
            400,
            "invalid_idempotency_key",
            f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters.",
        )
    print_ = fingerprint(request)
    wait_until = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
    while True:
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method or "",
                    path=request.path[:255],
                    fingerprint=print_,
                    created_at=now,
                    expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS),
                )
        except IntegrityError:
            pass
        earlier = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if earlier is None:
            continue  # released in between: claim it again
        stale = now - earlier.created_at > timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS)
        if earlier.expires_at <= now or (
            earlier.status == IdempotencyKey.Status.IN_PROGRESS and stale
        ):
            # Expired, or left behind by a process that died: start afresh.
            IdempotencyKey.objects.filter(pk=earlier.pk, created_at=earlier.created_at).delete()
            continue
        if earlier.fingerprint != print_:
            raise IdempotencyRefused(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request; use a new key.",
            )
        if earlier.status == IdempotencyKey.Status.DONE:
            raise Replay(earlier.response_status or 200, earlier.response_body)
        if time.monotonic() >= wait_until:
            raise IdempotencyRefused(
                409,
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
            )
        time.sleep(0.05)


def finish(claim: IdempotencyKey, status: int, body: Any) -> None:
    """Keep the answer for repeats; a server error releases the key so a retry runs again."""
    if status >= 500:
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        return
    stored = json.loads(json.dumps(body, cls=JSONEncoder)) if body is not None else None
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        status=IdempotencyKey.Status.DONE, response_status=status, response_body=stored
    )


def purge_expired() -> int:
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
