"""``get_FOO_display`` as the pages use it (disputes_site/choice_labels.py): the
same labels as Django's own version, for every choice of every project model."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from disputes.apps import PROJECT_APPS
from disputes.models import Dispute


def test_every_label_is_the_one_django_would_show():
    checked = 0
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            for value, _label in field.flatchoices:
                instance = model(**{field.attname: value})
                shown = getattr(instance, f"get_{field.name}_display")()
                assert shown == models.Model._get_FIELD_display(instance, field)
                checked += 1
    assert checked > 100  # the states, types, reasons, outcomes, statuses …


def test_an_unknown_value_is_shown_as_it_is():
    assert Dispute(state="no_such_state").get_state_display() == "no_such_state"
