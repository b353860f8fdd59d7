"""The input of a transition, declared once (in its ``Transition``) and read by both
doors: ``disputes.forms.form_for`` builds the page's form from it and
``disputes.api.actions.serializer_for`` the API's serializer.

A field here says what the value is (a text, an amount, a choice, an offer's id,
a number of days, cited evidence, a confirmation) and how it is put to a person
(label, help, rows). Neither door decides more than the shape: the services
check everything else and name the field in their errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"  # several lines
    LINE = "line"  # one line (a carrier, a tracking number)
    MONEY = "money"  # a decimal amount of the order's currency
    CHOICE = "choice"
    REF = "ref"  # the id of a row of the case (the open offer): hidden on the page
    DAYS = "days"  # a whole number of days
    EVIDENCE = "evidence"  # ids of the case's evidence items the input relies on
    CONFIRM = "confirm"  # a box the page asks to tick; not passed to the service


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    label: str = ""
    required: bool = True
    help: str = ""
    # TEXT and LINE: the API refuses shorter input; the page leaves the message
    # to the service, which says it in the product's words next to the field.
    min_length: int | None = None
    max_length: int = 5000
    rows: int = 2
    # CHOICE: the choices; an optional choice may be left empty (None).
    choices: tuple[tuple[str, Any], ...] = ()
    # DAYS
    minimum: int = 1
    maximum: int = 30


def text(
    name: str,
    label: str,
    *,
    required: bool = True,
    help: str = "",
    min_length: int | None = None,
    max_length: int = 5000,
    rows: int = 2,
) -> Field:
    return Field(
        name,
        Kind.TEXT,
        label,
        required,
        help,
        min_length=min_length,
        max_length=max_length,
        rows=rows,
    )


def line(name: str, label: str, *, max_length: int = 64) -> Field:
    return Field(name, Kind.LINE, label, max_length=max_length)


def money(name: str, label: str, *, required: bool = True, help: str = "") -> Field:
    return Field(name, Kind.MONEY, label, required, help)


def choice(name: str, label: str, choices: Any, *, required: bool = True, help: str = "") -> Field:
    return Field(name, Kind.CHOICE, label, required, help, choices=tuple(choices))


def ref(name: str, help: str) -> Field:
    return Field(name, Kind.REF, help=help)


def days(name: str, label: str, *, minimum: int, maximum: int, help: str = "") -> Field:
    return Field(name, Kind.DAYS, label, False, help, minimum=minimum, maximum=maximum)


def evidence(label: str = "Evidence relied on") -> Field:
    return Field(
        "evidence_ids",
        Kind.EVIDENCE,
        label,
        False,
        "The evidence the decision relied on: ids of this case's items (GET evidence/).",
    )


def confirm(name: str, label: str) -> Field:
    return Field(name, Kind.CONFIRM, label)
