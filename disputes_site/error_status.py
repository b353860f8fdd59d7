"""The HTTP status of each domain error, decided here at the edge (the API's exception
handler and the page views), not by the errors themselves: the services raise
``DisputeError`` subclasses that know their code and message, and no HTTP.

A subclass answers with the status of its nearest class in the table; anything not
listed is a 400 (the input was refused).
"""

from __future__ import annotations

from accounts.lockout import AccountLocked
from disputes.errors import (
    DisputeError,
    NotALead,
    NotYourCase,
    NotYours,
    TransitionRefused,
    WindowClosed,
)
from evidence.detection import FileTooLarge, FileTypeRefused

STATUS: dict[type[DisputeError], int] = {
    DisputeError: 400,
    # Not a party: 404, so that references cannot be probed.
    NotYours: 404,
    # A mediator who may read the case but not act on it; a lead's job.
    NotYourCase: 403,
    NotALead: 403,
    # Not from this state, someone else's change won, a window has passed.
    TransitionRefused: 409,
    WindowClosed: 409,
    FileTooLarge: 413,
    FileTypeRefused: 415,
    AccountLocked: 429,
}


def status_for(error: DisputeError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400
