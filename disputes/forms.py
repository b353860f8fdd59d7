"""The forms of the dispute page: one per transition a person can take (built from
its declared inputs), plus messages and the "Start a dispute" form. They only parse
input; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.choices import ALL_REASON_CODES, REASONS, REQUESTED_OUTCOMES, DisputeType
from disputes.inputs import Field as In
from disputes.inputs import Kind
from disputes.workflow import BY_PEOPLE, TRANSITIONS


def money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=2, min_value=0
    )


class CitesEvidence(forms.Form):
    """A decision's "evidence relied on": checkboxes over the case's items only."""

    def cite_from(self, items: Any) -> None:
        """The case's items (hidden ones left out): anything else is "not a valid choice"."""
        self.fields["evidence_ids"].choices = [  # type: ignore[attr-defined]
            (
                item.pk,
                f"#{item.pk} {item.original_name} ({item.uploader_role}, SHA-256 {item.sha256[:12]}…)",
            )
            for item in items
            if item.hidden_at is None
        ]


def _field(spec: In) -> forms.Field:
    label, help_text = _(spec.label), _(spec.help) if spec.help else ""
    if spec.kind in (Kind.TEXT, Kind.LINE):
        widget = forms.Textarea(attrs={"rows": spec.rows}) if spec.kind == Kind.TEXT else None
        return forms.CharField(
            label=label,
            required=spec.required,
            max_length=spec.max_length,
            widget=widget,
            help_text=help_text,
        )
    if spec.kind == Kind.MONEY:
        return money(label, required=spec.required)
    if spec.kind == Kind.CHOICE:
        choices = list(spec.choices) if spec.required else [("", "—"), *spec.choices]
        return forms.ChoiceField(
            label=label, choices=choices, required=spec.required, help_text=help_text
        )
    if spec.kind == Kind.REF:
        return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    if spec.kind == Kind.DAYS:
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=spec.minimum,
            max_value=spec.maximum,
            help_text=help_text,
        )
    if spec.kind == Kind.EVIDENCE:
        return forms.TypedMultipleChoiceField(
            label=label,
            coerce=int,
            required=False,
            choices=[],
            widget=forms.CheckboxSelectMultiple,
        )
    assert spec.kind == Kind.CONFIRM, spec.kind
    return forms.BooleanField(label=label)


def _empty_as(name: str, value: object) -> Any:
    def clean(self: forms.Form) -> object:
        return self.cleaned_data.get(name) or value

    return clean


def form_for(name: str) -> type[forms.Form]:
    """The page's form of transition ``name``, from its declared inputs."""
    specs = TRANSITIONS[name].inputs
    attrs: dict[str, Any] = {spec.name: _field(spec) for spec in specs}
    for spec in specs:
        # An amount left empty is none (0), a choice left empty is None: as the API's defaults.
        if spec.kind == Kind.MONEY and not spec.required:
            attrs[f"clean_{spec.name}"] = _empty_as(spec.name, 0)
        if spec.kind == Kind.CHOICE and not spec.required:
            attrs[f"clean_{spec.name}"] = _empty_as(spec.name, None)
    cites = any(spec.kind == Kind.EVIDENCE for spec in specs)
    base = CitesEvidence if cites else forms.Form
    title = "".join(part.title() for part in name.split("_"))
    return type(f"{title}Form", (base,), attrs)


# The form of each transition a person takes, built from its declaration; its
# button's words are the table's (``Transition.button_label``).
FORMS: dict[str, type[forms.Form]] = {name: form_for(name) for name in BY_PEOPLE}
# transition -> (form, button label), for the pages.
ACTION_FORMS: dict[str, tuple[type[forms.Form], Any]] = {
    name: (form, _(TRANSITIONS[name].button_label)) for name, form in FORMS.items()
}
# Fields that only confirm; not passed to the service.
CONFIRMATIONS = {
    spec.name for t in TRANSITIONS.values() for spec in t.inputs if spec.kind == Kind.CONFIRM
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as evidence by the service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    visibility = forms.ChoiceField(
        label=_("Send to"),
        choices=[
            ("all", _("Both parties")),
            ("buyer", _("The buyer only")),
            ("seller", _("The seller only")),
        ],
        required=False,
    )
    attachments = MultipleFileField(
        label=_("Attach files"),
        required=False,
        help_text=_(
            "Photos, videos or documents, at most 5: each becomes evidence in the gallery, "
            "checked like any other."
        ),
    )
    evidence_refs = forms.TypedMultipleChoiceField(
        label=_("Refer to evidence"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The message links to each item you tick."),
    )

    def __init__(self, *args: Any, items: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what this person sees in the gallery can be referred to.
        self.fields["evidence_refs"].choices = [  # type: ignore[attr-defined]
            (item.pk, f"#{item.pk} {item.original_name}") for item in items
        ]


def _reason_choices() -> list[tuple[str, Any]]:
    labels: dict[str, Any] = {}
    for codes in REASONS.values():
        for code, label in codes:
            labels.setdefault(code, label)
    return [("", _("Choose the reason")), *((code, labels[code]) for code in ALL_REASON_CODES)]


class ReasonSelect(forms.Select):
    """Each reason says which dispute types it belongs to, so the page script can
    offer only the reasons of the chosen type (the service checks it anyway)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        types = [t for t, codes in REASONS.items() if any(code == value for code, _l in codes)]
        if types:
            option["attrs"]["data-types"] = " ".join(types)
        return option


class StartDisputeForm(forms.Form):
    """Manage orders → Start a dispute: the guided form's fields (the draft keeps them)."""

    type = forms.ChoiceField(
        label=_("Type of dispute"), choices=DisputeType.choices, widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=_reason_choices, widget=ReasonSelect)
    received_on = forms.DateField(
        label=_("Date received"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    affected_quantity = forms.IntegerField(label=_("Units affected"), required=False, min_value=0)
    expected_quantity = forms.IntegerField(label=_("Units ordered"), required=False, min_value=0)
    received_quantity = forms.IntegerField(label=_("Units received"), required=False, min_value=0)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=64)
    last_tracking_update = forms.DateField(
        label=_("Last tracking update"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dates, quantities and what you see: the seller and the mediator read it."),
    )
    claimed_amount = money(_("Amount you claim"))
    requested_outcome = forms.ChoiceField(label=_("What you want"), choices=REQUESTED_OUTCOMES)

    FACT_FIELDS = (
        "received_on",
        "affected_quantity",
        "expected_quantity",
        "received_quantity",
        "tracking_number",
        "last_tracking_update",
    )

    def fact_fields(self) -> list[tuple[forms.BoundField, str]]:
        """Each fact field with the dispute types it matters for (the script shows
        only the chosen type's facts; without script all are shown)."""
        from disputes.choices import FACTS

        return [
            (self[name], " ".join(t for t, facts in FACTS.items() if name in facts))
            for name in self.FACT_FIELDS
        ]

    def service_kwargs(self) -> dict[str, object]:
        data = self.cleaned_data
        facts = {key: data[key] for key in self.FACT_FIELDS if data.get(key) not in (None, "")}
        from disputes.choices import FACTS

        facts = {key: str(value) for key, value in facts.items() if key in FACTS[data["type"]]}
        return {
            "type": data["type"],
            "reason": data["reason"],
            "description": data["description"],
            "claimed_amount": data["claimed_amount"],
            "requested_outcome": data["requested_outcome"],
            "facts": facts,
        }
