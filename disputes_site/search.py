"""Words typed into a page's search or filter boxes, as they reach the database.

PostgreSQL text cannot hold a NUL character: compared with a column, one makes
the driver raise, which would be a 500. A box holding one is refused with a
400 and its message next to it, and nothing is searched.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

NUL_MESSAGE = _("This contains a NUL character (\\0); remove it and search again.")


def has_nul(value: str) -> bool:
    return "\x00" in value


def any_nul(query: QueryDict) -> bool:
    """Whether any name or value of the address holds a NUL."""
    return any(has_nul(key) or any(map(has_nul, values)) for key, values in query.lists())
