from __future__ import annotations

from typing import Any

from django import template

from disputes import timeline

register = template.Library()


@register.filter
def event_label(kind: str) -> Any:
    return timeline.event_label(kind)


@register.filter
def event_summary(event: Any, currency: str) -> str:
    return timeline.event_summary(event.kind, event.details or {}, currency)


@register.filter
def state_label(state: str) -> Any:
    from disputes.choices import DisputeState

    return DisputeState(state).label if state in DisputeState.values else state


@register.filter
def fact_label(key: str) -> Any:
    """A fact's name as the "Start a dispute" form asks for it ("Units affected")."""
    from disputes.forms import StartDisputeForm

    field = StartDisputeForm.base_fields.get(key)
    return field.label if field is not None else key.replace("_", " ").capitalize()
