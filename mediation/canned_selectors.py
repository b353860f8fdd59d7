"""Reads of the canned-reply library: mediators see the replies in use, leads the
retired ones too; parties never reach these (the views refuse them first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from disputes.models import Dispute
from mediation.canned import render, values_for
from mediation.models import CannedReply


def replies_in_use() -> QuerySet[CannedReply]:
    """The library a mediator picks from: every reply not retired, by title."""
    return CannedReply.objects.filter(retired_at__isnull=True)


def library_for(user: User) -> QuerySet[CannedReply]:
    """The library page: leads also see the retired replies (to put one back)."""
    replies = CannedReply.objects.select_related("updated_by")
    return replies if user.is_mediation_lead else replies.filter(retired_at__isnull=True)


def reply_in_use(pk: int | str) -> CannedReply:
    """One reply a mediator may insert; retired, unknown or malformed ids are 404."""
    if not str(pk).isascii() or not str(pk).isdigit() or int(pk) > 2**63 - 1:
        raise Http404("No such canned reply.")
    try:
        return replies_in_use().get(pk=int(pk))
    except CannedReply.DoesNotExist:
        raise Http404("No such canned reply.") from None


@dataclass(frozen=True)
class Filled:
    """A reply with its placeholders filled for one case."""

    id: int
    title: str
    text: str


def filled_for(
    dispute: Dispute, mediator: User, replies: list[CannedReply], now: datetime
) -> list[Filled]:
    """Each reply filled for ``dispute`` (the values computed once, no query per reply)."""
    values = values_for(dispute, mediator, now)
    return [Filled(reply.pk, reply.title, render(reply.body, values)) for reply in replies]
