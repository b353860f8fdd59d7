"""A mail backend that fails its first send, like an SMTP server that is briefly down."""

from __future__ import annotations

import threading
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

_lock = threading.Lock()
failures_left = {"count": 0}


class FlakyBackend(EmailBackend):
    def send_messages(self, messages: Any) -> int:
        with _lock:
            if failures_left["count"] > 0:
                failures_left["count"] -= 1
                raise ConnectionRefusedError("SMTP server unavailable (simulated)")
        return super().send_messages(messages)
