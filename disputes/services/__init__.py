"""The write side of disputes: every change to a case goes through these functions."""

from collections.abc import Callable
from typing import Any

from disputes.services import transitions
from disputes.services.conversation import message_post, note_add
from disputes.services.deadlines import sweep
from disputes.services.drafts import dispute_create, dispute_update_draft
from disputes.workflow import RULES, TRANSITIONS

# The service of every arrow in the workflow table: ``dispute_<name>`` in
# ``disputes.services.transitions``, found from the declarations (a declaration
# without its service fails here, at import).
SERVICES: dict[str, Callable[..., Any]] = {
    name: getattr(transitions, f"dispute_{name}") for name in TRANSITIONS
}

# The timeout of each deadline rule, as the sweep applies it: derived from the
# table's rules, never written by hand.
TIMEOUT_SERVICES: dict[str, Callable[..., Any]] = {
    rule.on_timeout: SERVICES[rule.on_timeout] for rule in RULES.values()
}


def __getattr__(name: str) -> Callable[..., Any]:
    # ``services.dispute_decide`` and the like, for callers that name one service.
    service = SERVICES.get(name.removeprefix("dispute_"))
    if service is None or not name.startswith("dispute_"):
        raise AttributeError(name)
    return service


__all__ = [
    "SERVICES",
    "TIMEOUT_SERVICES",
    "dispute_create",
    "dispute_update_draft",
    "message_post",
    "note_add",
    "sweep",
    *sorted(f"dispute_{name}" for name in SERVICES),
]
