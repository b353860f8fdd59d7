"""Canned replies on the mediator's case page: the library filled for the case, and
the text box a chosen reply pre-fills.

With the page script, **Insert** adds the filled text to the box in place (it is
in the page already, as JSON). Without it, the same button reloads the page with
``?canned=<id>&into=message`` (or ``request_info``) and the box comes filled.
Either way the mediator edits the text and sends it through the usual form:
nothing here writes a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from disputes.models import Dispute
from mediation.canned_selectors import Filled, filled_for, replies_in_use

# The boxes a reply goes into: the message to the parties, the request for
# information's question.
INTO = ("message", "request_info")


@dataclass
class CannedOnCase:
    replies: list[Filled] = field(default_factory=list)
    chosen: Filled | None = None
    into: str = ""
    # ?canned= named a reply that is not (any more) in the library.
    missing: bool = False

    @property
    def texts(self) -> dict[str, str]:
        """For the page script: reply id -> its text filled for this case."""
        return {str(reply.id): reply.text for reply in self.replies}

    def prefill(self, into: str) -> str | None:
        return self.chosen.text if self.chosen and self.into == into else None


def canned_for_case(request: HttpRequest, dispute: Dispute, mediator: User) -> CannedOnCase:
    """The library filled for ``dispute`` (one query, however many replies), and the
    reply ``?canned=…&into=…`` asked for, if any."""
    filled = filled_for(dispute, mediator, list(replies_in_use()), timezone.now())
    canned = CannedOnCase(replies=filled)
    wanted, into = request.GET.get("canned", ""), request.GET.get("into", "")
    if wanted and into in INTO:
        canned.chosen = next((r for r in filled if str(r.id) == wanted), None)
        canned.into = into
        canned.missing = canned.chosen is None
    return canned
