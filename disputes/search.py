"""Search: cases by reference, order, party, store, description and message text,
and the messages of one thread (issue 15, item 4; docs/mediation.md "Search").

Every search runs inside a queryset already scoped to the viewer (ARCHITECTURE
rule 7), and the text it looks in is scoped the same way: a party matches only
the messages sent to everyone or to them, never a mediator's private note nor
a message to the other party; mediators match every message of the cases they
may see, and their private notes.

On PostgreSQL the descriptions, messages and notes are matched by full-text
search (``websearch_to_tsquery``: words, "quoted phrases", ``-word``, ``or``)
through GIN expression indexes of migration 0009; the demo's SQLite, which has
no full-text search, looks for each word typed as a plain substring instead.
References, names and store names are short identifiers: they are matched as
substrings on both databases (a part of a reference finds it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from disputes.choices import Visibility
from disputes.models import SEARCH_CONFIG, Dispute, MediatorNote, Message
from disputes_site.search import NUL_MESSAGE, has_nul

# The longest search accepted: a few words or a phrase, not a pasted document.
MAX_LENGTH = 100
TOO_LONG_MESSAGE = _("Search for at most %(max)s characters.") % {"max": MAX_LENGTH}
# The indexes' text search configuration (disputes.models): English stemming
# ("mugs" finds "mug"); words of other languages still match as written.
CONFIG = SEARCH_CONFIG


@dataclass(frozen=True)
class SearchText:
    """What the viewer typed, cleaned: ``text`` to search (empty: no search) or
    ``error`` to show next to the box (and nothing is searched)."""

    text: str = ""
    error: str = ""


def search_text(raw: str | None) -> SearchText:
    """The words of a search box or a ``q`` parameter: trimmed, spaces collapsed;
    a NUL (which PostgreSQL text cannot hold) or more than MAX_LENGTH characters
    is refused with a message. Any other character is harmless: the words go to
    the database as a bound parameter and websearch_to_tsquery reads any text
    without a syntax error."""
    text = " ".join((raw or "").split())
    if has_nul(text):
        return SearchText(error=str(NUL_MESSAGE))
    if len(text) > MAX_LENGTH:
        return SearchText(error=str(TOO_LONG_MESSAGE))
    return SearchText(text=text)


def full_text() -> bool:
    return connection.vendor == "postgresql"


def text_matches(field: str, text: str) -> Q:
    """``field`` holds the words of ``text``: the full-text match the GIN index of
    ``field`` serves (its expression must stay the index's), or on SQLite a
    plain case-insensitive substring of each word."""
    if not full_text():
        # Every word, anywhere in the text (quotes, "or" and "-word" mean nothing here).
        words = text.replace('"', " ").split() or [text]
        match = Q()
        for word in words:
            match &= Q(**{f"{field}__icontains": word})
        return match
    return Q(
        SearchVectorExact(
            SearchVector(field, config=CONFIG),
            SearchQuery(text, config=CONFIG, search_type="websearch"),
        )
    )


def _messages(visibilities: tuple[str, ...] | None, text: str) -> Q:
    """Some message of the case, sent to one of ``visibilities`` (None: any), holds
    ``text``."""
    messages = Message.objects.filter(dispute=OuterRef("pk")).filter(text_matches("body", text))
    if visibilities is not None:
        messages = messages.filter(visibility__in=visibilities)
    return Q(Exists(messages))


def case_matches(user: User, text: str) -> Q:
    """The condition a case of ``user``'s scope meets when ``text`` is in its
    reference, its order's, a party's name (and email, for mediators), the
    store's name, its description, or in a message (or note) this viewer may
    read on that case."""
    # Each text is matched in a subquery of its own table, so that PostgreSQL reads
    # the description's and the messages' GIN indexes once (a hashed subplan) rather
    # than computing every case's words, and the list's query joins nothing more.
    named = User.objects.filter(name__icontains=text).values("pk")
    stores = User.objects.filter(seller_profile__store_name__icontains=text).values("pk")
    described = Dispute.objects.filter(text_matches("description", text)).values("pk")
    match = (
        Q(reference__icontains=text)
        | Q(order__reference__icontains=text)
        | Q(buyer__in=named)
        | Q(seller__in=named)
        | Q(seller__in=stores)
        | Q(pk__in=described)
    )
    # What each side of a case reads of its thread (disputes.selectors.messages_for).
    match |= Q(buyer=user) & _messages((Visibility.ALL, Visibility.BUYER), text)
    match |= Q(seller=user) & _messages((Visibility.ALL, Visibility.SELLER), text)
    if user.role == Role.MEDIATOR:
        notes = MediatorNote.objects.filter(dispute=OuterRef("pk")).filter(
            text_matches("body", text)
        )
        # A mediator reads the whole thread and the notes, but not of a case in
        # which they are a party (recused; the branches above apply).
        outside = ~Q(buyer=user) & ~Q(seller=user)
        emailed = User.objects.filter(email__icontains=text).values("pk")
        match |= outside & (
            Q(buyer__in=emailed) | Q(seller__in=emailed) | _messages(None, text) | Q(Exists(notes))
        )
    return match


def search_cases(disputes: QuerySet[Dispute], user: User, text: str) -> QuerySet[Dispute]:
    """``disputes`` (already the viewer's scope) narrowed to those matching ``text``;
    unchanged for an empty text. Still one query: the matches are subqueries."""
    if not text:
        return disputes
    return disputes.filter(case_matches(user, text))


def search_thread(messages: QuerySet[Message], text: str) -> QuerySet[Message]:
    """A thread as the viewer reads it (``messages_for``), narrowed to the messages
    holding ``text``; unchanged for an empty text."""
    if not text:
        return messages
    return messages.filter(text_matches("body", text))
