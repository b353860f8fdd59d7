"""Typed domain errors with stable codes (ARCHITECTURE rule 11).

They know no HTTP: the edge maps them to status codes
(``disputes_site.error_status``); pages show ``message`` next to ``field`` when
there is one.
"""

from __future__ import annotations


class DisputeError(Exception):
    code = "dispute_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionRefused(DisputeError):
    """The transition cannot happen now."""

    code = "transition_refused"


class NotAllowedNow(TransitionRefused):
    """Not from this state, or not for this person at this point of the case."""

    code = "not_allowed_now"


class Conflict(TransitionRefused):
    """Another change to the case won the race; reload and try again."""

    code = "conflict"


class NotYours(DisputeError):
    """The actor has no part in this case (the edge answers as if it did not exist)."""

    code = "not_yours"


class NotYourCase(DisputeError):
    """A mediator acting on or writing to a case that is not assigned to them (SPEC
    13.6): an unassigned case is taken first, another mediator's is reassigned by a
    lead. They may read it, so this is not ``NotYours``."""

    code = "not_your_case"


class BadAmount(DisputeError):
    code = "bad_amount"


class NotALead(DisputeError):
    """Only mediation leads handle the payments that need attention (SPEC 13.4)."""

    code = "not_a_lead"


class RefundNotFailed(TransitionRefused):
    """The refund is not waiting for a lead: it was paid, retried or settled already."""

    code = "refund_not_failed"


class WindowClosed(DisputeError):
    """A time window has passed: opening a dispute, appealing."""

    code = "window_closed"


class InvalidInput(DisputeError):
    code = "invalid"
