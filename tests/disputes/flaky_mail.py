"""Mail backends that fail like real mail servers do."""

from __future__ import annotations

import smtplib
import threading
import time
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

_lock = threading.Lock()
failures_left = {"count": 0}
# Addresses the "server" refuses, as SMTP does a mailbox that does not exist.
refused: set[str] = set()
# Seconds each send takes, so that two batches overlap in the race tests.
delay = {"seconds": 0.0}


class FlakyBackend(EmailBackend):
    """Fails its first ``failures_left["count"]`` sends, like a server that is briefly down."""

    def send_messages(self, messages: Any) -> int:
        with _lock:
            if failures_left["count"] > 0:
                failures_left["count"] -= 1
                raise ConnectionRefusedError("SMTP server unavailable (simulated)")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    """Refuses the addresses in ``refused``; slow by ``delay``; counts its connections."""

    opened = {"count": 0}

    def open(self) -> bool:
        with _lock:
            self.opened["count"] += 1
        return True

    def send_messages(self, messages: Any) -> int:
        time.sleep(delay["seconds"])
        for message in messages:
            bad = {
                address: (550, b"no such mailbox") for address in message.to if address in refused
            }
            if bad:
                raise smtplib.SMTPRecipientsRefused(bad)
        with _lock:
            return super().send_messages(messages)
