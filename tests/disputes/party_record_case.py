"""A decided case for the parties' record: evidence from both sides (the seller's invoice
shared with the mediator only, a photo of the buyer's hidden by an administrator), a
private note, a message to everyone and one the mediator sent to the seller only, and a
decision citing the buyer's photo and the seller's invoice.

Imported by the tests of the decision PDF, the party's case file and their API."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from disputes import services
from disputes.models import Dispute
from evidence.models import Evidence
from tests.mediation.casefile_cases import work_case

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "scripts" / "verify_casefile.py"
RATIONALE = "Packing was thin and the carrier was rough."
SELLER_ONLY = "Only for the seller: please send the packing photos."


def decided_case(order, *, buyer, seller, mediator) -> Dispute:
    dispute = work_case(order, buyer=buyer, seller=seller, mediator=mediator, decide=False)
    services.message_post(dispute=dispute, actor=buyer, body="Six of twelve mugs broke.")
    services.message_post(dispute=dispute, actor=mediator, body=SELLER_ONLY, visibility="seller")
    photo, invoice = Evidence.objects.filter(dispute=dispute).order_by("pk")[:2]
    services.dispute_decide(
        dispute=dispute,
        actor=mediator,
        outcome="partial_refund",
        refund_amount="40.00",
        reason_code="shared_fault",
        rationale=RATIONALE,
        rules_applied="Quality claims, section 3.",
        evidence_ids=[photo.pk, invoice.pk],
    )
    return Dispute.objects.get(pk=dispute.pk)


def pdf_text(data: bytes) -> str:
    """The PDF's text with all whitespace removed: long hashes wrap across lines."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_attachments(data: bytes) -> dict[str, bytes]:
    reader = PdfReader(io.BytesIO(data))
    return {name: contents[0] for name, contents in reader.attachments.items()}


def sha256(item: Evidence) -> str:
    with item.file.open("rb") as source:
        return hashlib.sha256(source.read()).hexdigest()


def run_verifier(path: Path, *args: str) -> tuple[int, str]:
    """The verifier as an outsider runs it: the system's python3, isolated mode."""
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    done = subprocess.run(
        [python, "-I", str(VERIFIER), *args, str(path)], capture_output=True, text=True, timeout=60
    )
    return done.returncode, done.stdout + done.stderr
