"""``{% once_key %}``: the hidden one-time key of a changing page form.

A builtin (settings TEMPLATES ``builtins``), so no template needs a ``{% load %}``
to carry it; disputes_site/once.py claims the key when the form comes back.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from disputes_site.once import FIELD, mint_key

register = template.Library()


@register.simple_tag(takes_context=True)
def once_key(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""  # nobody to make it for: such a POST is refused to the login page anyway
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, mint_key(user.pk))
