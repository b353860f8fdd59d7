"""Nobody but the workflow's services writes a dispute's state (ARCHITECTURE rule 3).

Like zulip's lint for dangerous constructs: a grep over the application code.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "orders", "disputes", "evidence", "mediation", "disputes_site")
# The engine is the one writer; nothing else in disputes/services/ writes it either.
ALLOWED = {
    Path("disputes/services/engine.py"),
    # Demo data only: backdates a few deadlines so the sweep has work to show.
    Path("disputes/demo.py"),
}
GUARDED = r"(state|settlement|deadline_at|deadline_rule|chain_head|event_count)"
PATTERNS = [
    re.compile(rf"\.{GUARDED}\s*=(?!=)"),  # dispute.state = ...
    re.compile(rf"\.update\([^)]*\b{GUARDED}\s*="),  # .update(state=...)
    re.compile(rf"setattr\([^,]+,\s*[\"']{GUARDED}[\"']"),
]


def _offenders() -> list[str]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if any(p.search(line) for p in PATTERNS):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_only_the_engine_writes_state_deadlines_and_the_chain():
    assert _offenders() == []


def test_the_grep_would_catch_a_write(tmp_path, monkeypatch):
    line = 'Dispute.objects.filter(pk=1).update(state="closed")'
    assert any(p.search(line) for p in PATTERNS)
    assert any(p.search("dispute.state = 'closed'") for p in PATTERNS)
    assert not any(p.search("if dispute.state == 'closed':") for p in PATTERNS)
