"""``{{ message.body|evidence_links }}``: "evidence #12" in a message, a link to the item in
the dispute's gallery (``#evidence-12`` on the same page).

The words are the message's own (sealed with it); the link adds nothing the reader
could not read already, so no query asks whether they may see the item: one they
may not see is simply not in their gallery, and the link goes nowhere.
"""

from __future__ import annotations

import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

REFERENCE = re.compile(r"\b(evidence #(\d{1,12}))\b", re.IGNORECASE)


@register.filter
def evidence_links(body: str) -> SafeString:
    escaped = str(conditional_escape(body))
    linked = REFERENCE.sub(
        lambda m: str(
            format_html(
                '<a href="#evidence-{}" data-testid="evidence-ref">{}</a>', m.group(2), m.group(1)
            )
        ),
        escaped,
    )
    # The body was escaped above; only our own links were added.
    return linebreaksbr(mark_safe(linked), autoescape=False)  # noqa: S308  # nosec B308 B703
