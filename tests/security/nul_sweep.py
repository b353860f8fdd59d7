"""A NUL in every field of every form on a set of pages, and in every address
parameter their search forms send (tests/security/test_hostile_input.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The forms of a page: each field with the value the page would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None or not name:
            if tag == "option" and self._form is not None and self._select:
                self._form.fields[self._select] = self._form.fields[self._select] or a.get(
                    "value", ""
                )
            return
        if tag == "input":
            self._form.fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            self._form.fields.setdefault(name, "")
        elif tag == "textarea":
            self._form.fields.setdefault(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def sweep(client: Client, pages: list[str], **extra: object) -> list[tuple[str, str, str, int]]:
    """(method, address, field, status) for each form field of each page sent
    with a NUL at its end, and for a parameter whose name holds one. Logging
    out is left alone (the rest would be swept signed out)."""
    answers = []
    for page in pages:
        response = client.get(page, **extra)  # type: ignore[arg-type]
        assert response.status_code == 200, (page, response.status_code)
        for form in forms_of(response.content.decode()):
            action = form.action or page.split("?")[0]
            if action == reverse("account_logout"):
                continue
            send = client.post if form.method == "post" else client.get
            for name in [*form.fields, "name\x00"]:
                data = {**form.fields, name: form.fields.get(name, "") + "\x00"}
                status = send(action, data, **extra).status_code  # type: ignore[arg-type]
                answers.append((form.method, action, name, status))
    return answers
