"""Nobody but the engine writes a dispute's state (ARCHITECTURE rule 3; issue 14).

Like zulip's lint for dangerous constructs, but on the syntax tree rather than
lines, so that a write spread over several lines is caught too. Every app is
walked (integrations and the benchmark included). Caught:

- an assignment to a guarded attribute (``dispute.state = …``, augmented too)
  or ``setattr(x, "state", …)``;
- ``.update(state=…)`` or ``.update(**{"state": …})``, however many lines it spans;
- ``save(update_fields=[… "state" …])`` and ``bulk_update(rows, [… "state" …])``;
- raw SQL: a string constant (or f-string) that updates ``disputes_dispute`` and
  names a guarded column.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "core",
    "accounts",
    "orders",
    "disputes",
    "evidence",
    "mediation",
    "integrations",
    "disputes_site",
    "bench",
    "scripts",
)
GUARDED = frozenset(
    {
        "state",
        "settlement",
        "deadline_at",
        "deadline_rule",
        "deadline_started_at",
        "chain_head",
        "event_count",
        "outcome",
        "refund_amount",
    }
)
# The writers: the engine and its batch form. Besides them, data generators: the
# demo and the benchmark backdate deadlines so that the sweep has work to show, and
# the seeders of the benchmark and the dashboard's scratch database write rows
# whole, with their chains, as the services would have.
ALLOWED = {
    Path("disputes/services/engine.py"),
    Path("disputes/services/timeouts.py"),
    Path("disputes/demo.py"),
    Path("bench/seed.py"),
    Path("bench/background.py"),
    Path("scripts/seed_bench.py"),
}
RAW_UPDATE = re.compile(r"update\s+\"?disputes_dispute\"?\s.*\bset\b", re.I | re.S)
COLUMN = re.compile(r"\b(" + "|".join(sorted(GUARDED)) + r")\b\s*=", re.I)


def _names_in(node: ast.AST) -> set[str]:
    """The string constants of a list, tuple or set literal (update_fields=[...])."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
    return set()


def _text_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    return None


def writes(source: str) -> list[tuple[int, str]]:
    """Every guarded write in ``source``: (line, what)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in GUARDED:
                        found.append((node.lineno, f"assignment to .{part.attr}"))
        elif isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            if name == "setattr" and len(node.args) >= 2:
                field = node.args[1]
                if isinstance(field, ast.Constant) and field.value in GUARDED:
                    found.append((node.lineno, f"setattr of {field.value}"))
            if name in ("update", "update_or_create", "create", "filter_update"):
                for keyword in node.keywords:
                    if keyword.arg in GUARDED and name == "update":
                        found.append((node.lineno, f".update({keyword.arg}=…)"))
                    if keyword.arg is None and isinstance(keyword.value, ast.Dict):
                        keys = {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                        for key in sorted(keys & GUARDED):
                            found.append((node.lineno, f".{name}(**{{{key!r}: …}})"))
            if name == "save":
                for keyword in node.keywords:
                    if keyword.arg == "update_fields":
                        for key in sorted(_names_in(keyword.value) & GUARDED):
                            found.append((node.lineno, f"save(update_fields=[{key!r}])"))
            if name == "bulk_update":
                fields = node.args[1] if len(node.args) >= 2 else None
                for keyword in node.keywords:
                    if keyword.arg == "fields":
                        fields = keyword.value
                if fields is not None:
                    for key in sorted(_names_in(fields) & GUARDED):
                        found.append((node.lineno, f"bulk_update of {key!r}"))
        else:
            text = _text_of(node)
            if text and RAW_UPDATE.search(text) and COLUMN.search(text.split("set", 1)[-1]):
                found.append((node.lineno, "raw SQL UPDATE of disputes_dispute"))
    return found


def _offenders() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in ALLOWED:
                continue
            for line, what in writes(path.read_text()):
                found.append(f"{relative}:{line}: {what}")
    return found


def test_only_the_engine_writes_state_deadlines_outcome_and_the_chain():
    assert _offenders() == []


CAUGHT = {
    "an assignment": "dispute.state = 'closed'",
    "an augmented assignment": "dispute.event_count += 1",
    "a tuple assignment": "d.outcome, d.refund_amount = 'x', 1",
    "setattr": "setattr(dispute, 'state', 'closed')",
    "a one-line update": "Dispute.objects.filter(pk=1).update(state='closed')",
    "a multi-line update": (
        "Dispute.objects.filter(\n    pk=1,\n).update(\n    version=2,\n    settlement='none',\n)"
    ),
    "an update with a dict": "Dispute.objects.update(**{'deadline_at': None})",
    "save(update_fields)": "dispute.save(update_fields=['state', 'version'])",
    "bulk_update": "Dispute.objects.bulk_update(rows, ['chain_head'])",
    "bulk_update with fields=": "Dispute.objects.bulk_update(rows, fields=('outcome',))",
    "raw SQL": "cursor.execute('UPDATE disputes_dispute SET state = %s WHERE id = %s', [s, i])",
    "raw SQL over lines": (
        'cursor.execute(\n    "UPDATE disputes_dispute "\n    "SET refund_amount = 0 WHERE id = 1"\n)'
    ),
    "an f-string": "cursor.execute(f'UPDATE {t} SET a = 1'); sql = f'update disputes_dispute set deadline_at = {x}'",
}
LEFT_ALONE = {
    "a comparison": "if dispute.state == 'closed': pass",
    "a read": "x = dispute.state",
    "another table's update": "Order.objects.update(status='paid')",
    "another column": "Dispute.objects.filter(pk=1).update(assigned_mediator=m)",
    "a select": "cursor.execute('SELECT state FROM disputes_dispute')",
    "another table's raw update": "cursor.execute('UPDATE disputes_offer SET status = %s')",
}


def test_the_guard_catches_each_forbidden_construct():
    missed = [label for label, source in CAUGHT.items() if not writes(source)]
    assert missed == []


def test_the_guard_leaves_reads_and_other_writes_alone():
    flagged = {label: writes(source) for label, source in LEFT_ALONE.items() if writes(source)}
    assert flagged == {}
