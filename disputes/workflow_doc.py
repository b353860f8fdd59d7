"""docs/workflow.md, drawn from the workflow table (``manage.py workflow_doc``; a test
keeps the file equal to it)."""

from __future__ import annotations

from django.conf import settings

from disputes.choices import DisputeState
from disputes.workflow import RULES, TRANSITIONS, Role, Transition


def mermaid() -> str:
    """The state diagram, drawn from the table (docs/workflow.md is kept equal to it by a test)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for t in TRANSITIONS.values():
        for source in sorted(t.sources):
            who = "/".join(sorted(r.value for r in _roles_from(t, source)))
            # An action inside a state loops on it (and may lead on, by outcome).
            stays = (source,) if t.target is None else ()
            for target in (*stays, *t.targets):
                lines.append(f"    {source} --> {target}: {t.name} ({who})")
    lines += ["    closed --> [*]", "    cancelled --> [*]"]
    return "\n".join(lines)


def _roles_from(t: Transition, source: str) -> frozenset[Role]:
    # The seller_first guard (permissions.py) keeps the buyer out while the case
    # awaits the seller's response: the diagram draws that arrow for the seller.
    if "seller_first" in t.guards and source == DisputeState.AWAITING_SELLER:
        return t.roles & {Role.SELLER}
    return t.roles


def workflow_markdown() -> str:
    """docs/workflow.md: the diagram and both tables, all drawn from the data above."""
    lines = [
        "# The dispute workflow",
        "",
        "Generated from `disputes/workflow.py` by `manage.py workflow_doc`; a test fails",
        "when this file and the table disagree. Deadlines use the default settings",
        "(`DISPUTE_DEADLINE_DAYS`).",
        "",
        "```mermaid",
        mermaid(),
        "```",
        "",
        "## Transitions",
        "",
        "| transition | from | to | who | starts |",
        "|---|---|---|---|---|",
    ]
    for t in TRANSITIONS.values():
        sources = ", ".join(sorted(t.sources))
        if t.settlements:
            sources += " (" + ", ".join(sorted(t.settlements)) + ")"
        targets = ", ".join(t.targets) or "(same state)"
        who = ", ".join(sorted(r.value for r in t.roles))
        if "seller_first" in t.guards:
            who += f" (the seller only, from {DisputeState.AWAITING_SELLER})"
        starts = "(the settlement)" if t.settles else t.starts or ""
        lines.append(f"| `{t.name}` | {sources} | {targets} | {who} | {starts} |")
    lines += [
        "",
        "## Deadlines",
        "",
        "| rule | default | waits on | the parties read | when it passes | more time |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES.values():
        text = rule.who_has.format(time=f"{rule.days} days", party="party") + "; " + rule.then + "."
        more = f"+{settings.DISPUTE_EXTENSION_DAYS} days, once" if rule.extendable else ""
        lines.append(
            f"| `{rule.key}` | {rule.days} days | {rule.waits_on.value} | {text} "
            f"| `{rule.on_timeout}` | {more} |"
        )
    return "\n".join(lines) + "\n"
