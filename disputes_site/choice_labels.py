"""``get_FOO_display()`` at the cost of one dictionary lookup.

Django's own version rebuilds a dictionary of all the field's choices on every
call and hashes each lazy label to do it, which runs gettext once per choice
(``Model._get_FIELD_display``). The list pages and the queue call it twice a
row: it was a sixth of the buyer's list page (docs/benchmarks.md). Here each
field's labels are collected once per language, translated when first shown
in it.

Measured with and without (issue 14, 100 000 disputes, two runs each): about a
point of the floor's throughput on the list and the queue (10 % / 9 % against
10 % / 7 %), within the machine's noise; docs/benchmarks.md has the table.
"""

from __future__ import annotations

from functools import partialmethod
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language

_labels: dict[tuple[models.Field[Any, Any], str | None], dict[Any, Any]] = {}
# Django's own, which a model's get_FOO_display calls unless the model defines one.
_DJANGO_DISPLAY = getattr(models.Model, "_get_FIELD_display")  # noqa: B009


def _display(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    # Per field and language: the labels translated once, when first shown in it.
    key = (field, get_language())
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = {
            value: force_str(label, strings_only=True) for value, label in field.flatchoices
        }
    value = getattr(instance, field.attname)
    return labels.get(value, value)


def install(app_labels: tuple[str, ...]) -> None:
    """Replace Django's ``get_FOO_display`` on these apps' models (not one a model
    defines itself)."""
    for model in apps.get_models():
        if model._meta.app_label not in app_labels:
            continue
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is _DJANGO_DISPLAY:
                setattr(model, name, partialmethod(_display, field=field))
