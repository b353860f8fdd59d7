"""Messages between the parties and the mediator, and the mediator's private notes (SPEC section 5)."""

from __future__ import annotations

from accounts.models import User
from disputes.choices import TERMINAL_STATES, DisputeState, Visibility
from disputes.errors import InvalidInput, NotAllowedNow, NotYours
from disputes.models import Dispute, MediatorNote, Message
from disputes.permissions import check_may_work, role_in
from disputes.records import seal
from disputes.services.engine import append_event
from disputes.workflow import Role

MAX_MESSAGE = 5000


def message_post(
    *, dispute: Dispute, actor: User, body: str, visibility: str = Visibility.ALL
) -> Message:
    """A message in the case thread: open from submission until the case ends, then read-only.

    Parties write to everyone; a mediator may write to one party only, and only
    on a case assigned to them (SPEC 13.6).
    """
    text = (body or "").strip()
    if not text:
        raise InvalidInput("Write a message first.", field="body")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(f"A message can have at most {MAX_MESSAGE} characters.", field="body")
    if visibility not in (Visibility.ALL, Visibility.BUYER, Visibility.SELLER):
        raise InvalidInput("Send to everyone, the buyer or the seller.", field="visibility")
    created: list[Message] = []

    def write(locked: Dispute) -> None:
        role = role_in(locked, actor)
        if role is None:
            raise NotYours("You have no part in this dispute.")
        if locked.state == DisputeState.DRAFT or locked.state in TERMINAL_STATES:
            raise NotAllowedNow("Messages are open from submission until the case is closed.")
        if visibility != Visibility.ALL and role not in (Role.MEDIATOR, Role.SENIOR):
            raise InvalidInput("Only a mediator can write to one party only.", field="visibility")
        if role in (Role.MEDIATOR, Role.SENIOR):
            # Under the lock: the case may have changed hands since the page was read.
            check_may_work(locked, actor)
        created.append(
            Message.objects.create(dispute=locked, author=actor, body=text, visibility=visibility)
        )

    append_event(
        dispute.pk,
        kind="message",
        actor=actor,
        visibility=visibility,
        before=write,
        details=lambda _locked: {"message": created[0].pk},
        sealed=lambda _locked: [seal(created[0])],
        notify_body=text[:300],
    )
    return created[0]


def note_add(*, dispute: Dispute, actor: User, body: str) -> MediatorNote:
    """A private mediator note: parties never see it (nor its event). Only the case's
    own mediator writes one (SPEC 13.6)."""
    text = (body or "").strip()
    if not text:
        raise InvalidInput("Write the note first.", field="body")
    created: list[MediatorNote] = []

    def write(locked: Dispute) -> None:
        if role_in(locked, actor) not in (Role.MEDIATOR, Role.SENIOR):
            raise NotYours("Only mediators keep notes.")
        check_may_work(locked, actor)
        created.append(MediatorNote.objects.create(dispute=locked, author=actor, body=text))

    append_event(
        dispute.pk,
        kind="note",
        actor=actor,
        visibility=Visibility.MEDIATOR,
        before=write,
        details=lambda _locked: {"note": created[0].pk},
        sealed=lambda _locked: [seal(created[0])],
        recipients=(),
    )
    return created[0]
