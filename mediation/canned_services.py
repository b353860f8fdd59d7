"""The leads' writes to the canned-reply library: create, edit, retire, put back.

Pages and the admin call these; nothing else writes a ``CannedReply``. Sending
a reply is not here: a mediator's message or request for information goes
through the disputes services like any other text.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from disputes.errors import InvalidInput, NotALead
from mediation.canned import PLACEHOLDERS, unknown_placeholders
from mediation.models import CannedReply


def _lead(actor: User) -> None:
    if not (actor.is_active and actor.is_mediation_lead):
        raise NotALead(_("Only mediation leads change the canned replies."))


def check_body(body: str) -> None:
    """Refuse a placeholder outside the fixed set, naming it and the ones there are."""
    unknown = unknown_placeholders(body)
    if unknown:
        raise InvalidInput(
            _("Unknown placeholder %(names)s. Use only: %(known)s.")
            % {
                "names": ", ".join("{" + name + "}" for name in unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            },
            field="body",
        )


def _clean(title: str, body: str, reply_id: int | None) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title:
        raise InvalidInput(_("Give the reply a title."), field="title")
    if not body:
        raise InvalidInput(_("Write the reply's text."), field="body")
    check_body(body)
    taken = CannedReply.objects.annotate(lower=Lower("title")).filter(lower=title.lower())
    if reply_id is not None:
        taken = taken.exclude(pk=reply_id)
    if taken.exists():
        raise InvalidInput(_("A canned reply with this title exists already."), field="title")
    return title, body


def _saved(reply: CannedReply) -> CannedReply:
    try:
        # Its own savepoint: the unique index still decides between two leads
        # saving the same title at once, and the caller's transaction goes on.
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise InvalidInput(
            _("A canned reply with this title exists already."), field="title"
        ) from None
    return reply


def canned_reply_create(*, actor: User, title: str, body: str) -> CannedReply:
    _lead(actor)
    title, body = _clean(title, body, None)
    now = timezone.now()
    return _saved(
        CannedReply(title=title, body=body, updated_by=actor, updated_at=now, created_at=now)
    )


def canned_reply_edit(*, actor: User, reply: CannedReply, title: str, body: str) -> CannedReply:
    _lead(actor)
    reply.title, reply.body = _clean(title, body, reply.pk)
    reply.updated_by, reply.updated_at = actor, timezone.now()
    return _saved(reply)


def canned_reply_retire(*, actor: User, reply: CannedReply) -> CannedReply:
    """Mediators no longer see it; the leads still do, and may put it back."""
    _lead(actor)
    if reply.retired_at is None:
        reply.retired_at = reply.updated_at = timezone.now()
        reply.updated_by = actor
        reply.save(update_fields=["retired_at", "updated_at", "updated_by"])
    return reply


def canned_reply_restore(*, actor: User, reply: CannedReply) -> CannedReply:
    _lead(actor)
    if reply.retired_at is not None:
        reply.retired_at = None
        reply.updated_at, reply.updated_by = timezone.now(), actor
        reply.save(update_fields=["retired_at", "updated_at", "updated_by"])
    return reply
