"""The input of each transition the API offers: ``POST disputes/{id}/<action>/``.

Every action is one service of ``disputes.services.SERVICES``; its serializer is
built from the transition's declared inputs (``Transition.inputs``, the same the
page's form comes from) and only checks the shape of the input (types, choices,
lengths): the services check everything else and raise typed errors.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from disputes.api.fields import Money, Text
from disputes.inputs import Field as In
from disputes.inputs import Kind
from disputes.workflow import BY_PEOPLE, TRANSITIONS


def _field(spec: In) -> serializers.Field | None:
    label = spec.label or None
    help_text = spec.help or None
    if spec.kind in (Kind.TEXT, Kind.LINE):
        optional: dict[str, Any] = {}
        if not spec.required:
            optional = {"required": False, "allow_blank": True, "default": ""}
        return Text(
            label=label,
            help_text=help_text,
            min_length=spec.min_length,
            max_length=spec.max_length,
            **optional,
        )
    if spec.kind == Kind.MONEY:
        if spec.required:
            return Money(label=label, help_text=help_text)
        return Money(label=label, help_text=help_text, required=False, default="0")
    if spec.kind == Kind.CHOICE:
        if spec.required:
            return serializers.ChoiceField(choices=spec.choices, label=label, help_text=help_text)
        return serializers.ChoiceField(
            choices=spec.choices,
            label=label,
            help_text=help_text,
            required=False,
            allow_null=True,
            default=None,
        )
    if spec.kind == Kind.REF:
        return serializers.IntegerField(min_value=1, max_value=2**62, help_text=help_text)
    if spec.kind == Kind.DAYS:
        return serializers.IntegerField(
            label=label,
            help_text=help_text,
            min_value=spec.minimum,
            max_value=spec.maximum,
            required=False,
            allow_null=True,
            default=None,
        )
    if spec.kind == Kind.EVIDENCE:
        return serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
            label=label,
            help_text=help_text,
            required=False,
            default=list,
            max_length=60,
        )
    # A confirmation box is the page's way to make sure; an API client means what it sends.
    assert spec.kind == Kind.CONFIRM, spec.kind
    return None


def serializer_for(name: str) -> type[serializers.Serializer]:
    """The API's input of transition ``name``, from its declared inputs."""
    fields = {spec.name: _field(spec) for spec in TRANSITIONS[name].inputs}
    title = "".join(part.title() for part in name.split("_"))
    attrs = {key: value for key, value in fields.items() if value is not None}
    return type(f"{title}Input", (serializers.Serializer,), attrs)


# transition name → (input, summary) for every transition a person takes; the
# path is the name with dashes.
ACTIONS: dict[str, tuple[type[serializers.Serializer], str]] = {
    name: (serializer_for(name), TRANSITIONS[name].summary) for name in BY_PEOPLE
}
