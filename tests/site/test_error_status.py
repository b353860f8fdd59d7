"""Domain errors know no HTTP (issue 14): the edge decides each one's status."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from accounts.lockout import AccountLocked
from disputes.errors import (
    BadAmount,
    Conflict,
    DisputeError,
    InvalidInput,
    NotALead,
    NotAllowedNow,
    NotYourCase,
    NotYours,
    RefundNotFailed,
    WindowClosed,
)
from disputes_site.error_status import status_for
from evidence.detection import EvidenceRefused, FileTooLarge, FileTypeRefused

ROOT = Path(__file__).resolve().parents[2]


def _all_errors(cls: type = DisputeError) -> set[type]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _all_errors(sub)
    return found


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("x"), 400),
        (BadAmount("x"), 400),
        (EvidenceRefused("x"), 400),
        (NotYours("x"), 404),
        (NotYourCase("x"), 403),
        (NotALead("x"), 403),
        (NotAllowedNow("x"), 409),
        (Conflict("x"), 409),
        (RefundNotFailed("x"), 409),
        (WindowClosed("x"), 409),
        (FileTooLarge("x"), 413),
        (FileTypeRefused("x"), 415),
        (AccountLocked(90), 429),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_the_edge_gives_each_error_its_status(error, status):
    assert status_for(error) == status


def test_no_domain_error_carries_an_http_status():
    # Every subclass, wherever it is declared (accounts, evidence, disputes…).
    offenders = [e.__name__ for e in _all_errors() if "http_status" in vars(e)]
    assert offenders == []
    assert len(_all_errors()) >= 13


def test_the_domain_error_modules_import_nothing_of_http():
    for module in ("disputes/errors.py", "evidence/detection.py", "accounts/lockout.py"):
        tree = ast.parse((ROOT / module).read_text())
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not {m for m in imported if m.startswith(("django.http", "rest_framework"))}, module
