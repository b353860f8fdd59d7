"""Signed checkpoints of the chain heads (issue 13 item 3, SPEC 13.4; docs/audit.md).

Someone with write access to the database can rewrite a dispute's history and
recompute every hash after it: the chain then verifies on its own. What they
cannot redo is the signature of a head signed before, with a key kept outside
the database, that the parties hold in their emails and case files.
"""

from __future__ import annotations

import base64
import io
import json
import runpy
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
)
from django.core import checks, mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from disputes import audit_key, merkle, services
from disputes.checkpoints import receipts_for
from disputes.events import hash_of, verify_all
from disputes.models import AuditCheckpoint, CheckpointLeaf, Dispute, DisputeEvent, Notification
from disputes.tasks import send_notification_emails, sign_checkpoints
from tests.conftest import client_for, open_dispute
from tests.factories import full_order
from tests.mediation.casefile_cases import work_case
from tests.security.conftest import new_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("triggers_off")]
VERIFIER = Path(__file__).resolve().parents[2] / "scripts" / "verify_casefile.py"


def sql(statement: str, params: tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def rewrite_chain(dispute: Dispute, seq: int, details: dict) -> None:
    """What a careful forger does: edit event ``seq``, recompute every later hash and the
    dispute's head, so that the chain verifies on its own."""
    events = list(DisputeEvent.objects.filter(dispute=dispute).order_by("seq"))
    prev = events[seq - 2].hash if seq > 1 else "0" * 64
    for event in events[seq - 1 :]:
        if event.seq == seq:
            event.details = details
        event.prev_hash = prev
        new = hash_of(event)
        sql(
            "UPDATE disputes_disputeevent SET details = %s::jsonb, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            (json.dumps(event.details), prev, new, event.pk),
        )
        prev = new
    sql("UPDATE disputes_dispute SET chain_head = %s WHERE id = %s", (prev, dispute.pk))


def verify_audit_fails() -> str:
    stderr = io.StringIO()
    with pytest.raises(CommandError, match=r"checkpoint problem"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue()


# --- verify_audit against the checkpoints -------------------------------------


def test_a_whole_chain_rewrite_is_caught_against_a_checkpoint(signing_key, negotiated):
    assert sign_checkpoints() == 1
    rewrite_chain(negotiated, 3, {"outcome": "full_refund", "amount": "80.00", "note": "all back"})
    # The forgery is good enough for the chain alone...
    assert list(verify_all()) == []
    # ...not for the head signed before it.
    report = verify_audit_fails()
    assert f"checkpoint #1: {negotiated.reference}: signed head" in report
    assert "at event #5" in report
    assert "(rewritten)" in report


def test_deleting_the_last_event_with_the_counters_moved_back_is_caught(signing_key, negotiated):
    last = DisputeEvent.objects.get(dispute=negotiated, seq=5)
    sign_checkpoints()
    sql("DELETE FROM disputes_notification WHERE event_id = %s", (last.pk,))
    sql("DELETE FROM disputes_disputeevent WHERE id = %s", (last.pk,))
    sql(
        "UPDATE disputes_dispute SET event_count = 4, chain_head = %s WHERE id = %s",
        (last.prev_hash, negotiated.pk),
    )
    # The chain alone verifies; the checkpoint (and the offer the deleted event
    # sealed as accepted) show the deletion.
    assert list(verify_all(records=False)) == []
    report = verify_audit_fails()
    assert f"checkpoint #1: {negotiated.reference}: signed with 5 events" in report
    assert "(deleted)" in report


def test_rewriting_the_signed_heads_as_well_breaks_the_signed_root(signing_key, negotiated):
    sign_checkpoints()
    rewrite_chain(negotiated, 4, {"body": "All twelve mugs broke."})
    new_head = Dispute.objects.values_list("chain_head", flat=True).get(pk=negotiated.pk)
    sql("UPDATE disputes_checkpointleaf SET head = %s", (new_head,))
    report = verify_audit_fails()
    assert "checkpoint #1: its stored heads do not match the signed root" in report


def test_a_checkpoint_signed_with_another_key_is_caught(settings, signing_key, negotiated):
    sign_checkpoints()
    settings.AUDIT_SIGNING_KEY = new_seed()
    assert "checkpoint #1: signed by key" in verify_audit_fails()


def test_a_genuine_record_verifies_with_its_checkpoints(signing_key, negotiated):
    sign_checkpoints()
    services.message_post(dispute=negotiated, actor=negotiated.buyer, body="Still waiting.")
    sign_checkpoints()
    stdout = io.StringIO()
    call_command("verify_audit", stdout=stdout, stderr=io.StringIO())
    assert "2 signed checkpoints match them" in stdout.getvalue()


# --- The beat task ------------------------------------------------------------


def test_the_beat_task_signs_only_the_heads_that_changed(signing_key, negotiated, buyer, seller):
    other = services.dispute_submit(
        dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
    )
    assert sign_checkpoints() == 1
    assert sign_checkpoints() == 0  # nothing changed: nothing signed
    services.message_post(dispute=other, actor=buyer, body="Any news?")
    assert sign_checkpoints() == 1
    first, second = AuditCheckpoint.objects.order_by("number")
    assert (first.leaf_count, second.leaf_count) == (2, 1)
    assert second.previous == first.hash  # the checkpoints are chained
    other.refresh_from_db()
    leaf = CheckpointLeaf.objects.get(checkpoint=second)
    assert (leaf.dispute_id, leaf.event_count, leaf.head) == (
        other.pk,
        other.event_count,
        other.chain_head,
    )


def test_more_changed_disputes_than_a_checkpoint_holds_make_chained_checkpoints(
    settings, signing_key, buyer, seller
):
    settings.AUDIT_CHECKPOINT_MAX_LEAVES = 2
    disputes = [
        services.dispute_submit(
            dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
        )
        for _ in range(5)
    ]
    assert sign_checkpoints() == 3
    assert list(AuditCheckpoint.objects.values_list("leaf_count", flat=True)) == [2, 2, 1]
    receipts = receipts_for(d.pk for d in disputes)
    assert {r["dispute"] for r in receipts.values()} == {d.reference for d in disputes}
    call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_without_a_key_nothing_is_signed_and_the_deploy_check_fails(settings, negotiated, caplog):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    assert sign_checkpoints() == 0
    assert "the chain heads are not being signed" in caplog.text
    assert not AuditCheckpoint.objects.exists()
    errors = checks.run_checks(include_deployment_checks=True)
    assert "disputes.E001" in [e.id for e in errors]


def test_the_demo_makes_its_key_once_outside_the_database(settings, tmp_path):
    path = tmp_path / "var" / "audit-signing-key.pem"
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(path)
    settings.AUDIT_SIGNING_KEY_CREATE = True
    made = audit_key.current()
    assert made is not None
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0  # its owner's alone
    audit_key._load.cache_clear()
    assert audit_key.current().key_id == made.key_id  # the same key at the next start


# --- The published key ----------------------------------------------------------


def test_the_public_key_is_published_to_anyone(signing_key, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/.well-known/disputes-audit-key")
    assert response.status_code == 200
    body = response.json()
    raw = signing_key.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert base64.b64decode(body["public_key"]) == raw
    assert body["key_id"] == signing_key.key_id
    assert body["algorithm"] == "Ed25519"
    assert "PRIVATE" not in response.content.decode()


# --- Emails -----------------------------------------------------------------------


def test_the_notification_email_carries_the_latest_signed_head(
    signing_key, published_key, negotiated, seller, tmp_path, django_capture_on_commit_callbacks
):
    sign_checkpoints()
    signed = Dispute.objects.get(pk=negotiated.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(dispute=negotiated, actor=seller, body="We can talk about it.")
    (email,) = [m for m in mail.outbox if seller.email not in m.to]
    text = email.body
    html = email.alternatives[0][0]
    for body in (text, html):
        assert negotiated.reference in body
        assert signed.chain_head in body
        assert "checkpoint #1" in body
        assert signing_key.key_id in body
        assert AuditCheckpoint.objects.get().signature in body
    assert "events:     5" in text
    assert "events: 5" in html
    name, content, mimetype = email.attachments[0]
    assert name == f"{negotiated.reference}-signed-head.json"
    assert mimetype == "application/json"
    receipt = tmp_path / name
    receipt.write_text(content)
    code, output = run_verifier(receipt, "--public-key", str(published_key))
    assert code == 0, output
    assert "Ed25519 signature checked" in output


# --- Case files and the offline verifier ----------------------------------------------


def run_verifier(path: Path, *args: str) -> tuple[int, str]:
    """The script as a party runs it, with ``cryptography`` installed (the venv's python)."""
    done = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), *args, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def signed_casefile(settings, tmp_path, signing_key, order, buyer, seller, mediator):
    settings.MEDIA_ROOT = tmp_path / "media"
    dispute = work_case(order, buyer=buyer, seller=seller, mediator=mediator)
    sign_checkpoints()
    response = client_for(mediator).post(
        reverse("mediation_dashboard:casefile", args=[dispute.reference])
    )
    assert response.status_code == 200
    return dispute, b"".join(response.streaming_content)


def with_manifest(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    change(manifest)
    files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def casefile_at(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "case.zip"
    path.write_bytes(data)
    return path


def test_the_case_file_carries_the_signed_head_and_passes_with_the_published_key(
    signed_casefile, published_key, tmp_path
):
    dispute, data = signed_casefile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        signed = json.loads(archive.read("manifest.json"))["signed_head"]
    leaf = CheckpointLeaf.objects.get(dispute=dispute)
    assert (signed["dispute"], signed["event_count"], signed["head"]) == (
        dispute.reference,
        leaf.event_count,
        leaf.head,
    )
    code, output = run_verifier(casefile_at(tmp_path, data), "--public-key", str(published_key))
    assert code == 0, output
    assert "inclusion proof checked; Ed25519 signature checked with key" in output


def test_without_the_public_key_the_verifier_says_the_signature_was_not_checked(
    signed_casefile, tmp_path
):
    code, output = run_verifier(casefile_at(tmp_path, signed_casefile[1]))
    assert code == 0, output
    assert "signature NOT checked" in output


def forge_head(manifest):
    manifest["signed_head"]["head"] = "f" * 64


def forge_signature(manifest):
    signature = base64.b64decode(manifest["signed_head"]["checkpoint"]["signature"])
    manifest["signed_head"]["checkpoint"]["signature"] = base64.b64encode(
        bytes([signature[0] ^ 1]) + signature[1:]
    ).decode()


def resign_with_another_key(manifest):
    """A forger's own key, its id put in the statement: the published key still refuses it."""
    key = Ed25519PrivateKey.generate()
    checkpoint = manifest["signed_head"]["checkpoint"]
    statement = json.loads(checkpoint["statement"])
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    statement["key_id"] = audit_key.key_id_of(raw)
    checkpoint["statement"] = json.dumps(statement, sort_keys=True, separators=(",", ":"))
    checkpoint["signature"] = base64.b64encode(key.sign(checkpoint["statement"].encode())).decode()


@pytest.mark.parametrize(
    ("forgery", "message"),
    [
        (forge_head, "is not in checkpoint #1"),
        (forge_signature, "the signature does not match"),
        (resign_with_another_key, "not by the given key"),
    ],
)
def test_a_forged_signed_head_fails_the_verifier(
    signed_casefile, published_key, tmp_path, forgery, message
):
    forged = with_manifest(signed_casefile[1], forgery)
    code, output = run_verifier(casefile_at(tmp_path, forged), "--public-key", str(published_key))
    assert code == 1, output
    assert "FAILED" in output
    assert message in output


def test_a_case_file_of_a_rewritten_record_fails_against_its_signed_head(
    signed_casefile, published_key, tmp_path
):
    """The platform rewrites a dispute, then exports with the old signed head: the new
    timeline no longer passes through it."""
    dispute, _ = signed_casefile
    leaf = CheckpointLeaf.objects.get(dispute=dispute)
    rewrite_chain(dispute, 2, {"note": "changed"})
    response = client_for(dispute.assigned_mediator).post(
        reverse("mediation_dashboard:casefile", args=[dispute.reference])
    )
    path = casefile_at(tmp_path, b"".join(response.streaming_content))
    code, output = run_verifier(path, "--public-key", str(published_key))
    assert code == 1, output
    assert f"the timeline's event #{leaf.event_count} is not the signed head" in output


def test_without_cryptography_the_signature_check_fails_clearly(
    signed_casefile, published_key, tmp_path
):
    path = casefile_at(tmp_path, signed_casefile[1])
    # The script run where ``cryptography`` is not installed.
    without = (
        "import runpy, sys; sys.modules['cryptography'] = None; "
        f"sys.argv = ['verify_casefile.py', '--public-key', {str(published_key)!r}, {str(path)!r}]; "
        f"runpy.run_path({str(VERIFIER)!r}, run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", without], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the 'cryptography' package is missing (pip install cryptography)" in done.stdout


def test_the_verifier_hashes_the_tree_as_the_platform_does():
    script = runpy.run_path(str(VERIFIER))
    leaves = [
        merkle.leaf_hash(merkle.leaf_bytes(reference=f"DSP-{i}", event_count=i, head="a" * 64))
        for i in range(1, 8)
    ]
    assert script["leaf_hash"](reference="DSP-3", event_count=3, head="a" * 64) == leaves[2]
    root = merkle.root(leaves)
    for index in range(len(leaves)):
        proof = merkle.inclusion_proof(index, leaves)
        assert script["root_from_proof"](index, len(leaves), leaves[index], proof) == root


@pytest.mark.parametrize("count", [1, 6])
def test_a_batch_of_emails_reads_the_signed_heads_in_two_queries(
    signing_key, negotiated, buyer, count, django_assert_num_queries
):
    sign_checkpoints()
    for n in range(count):
        services.message_post(dispute=negotiated, actor=buyer, body=f"Message {n}")
    ids = list(
        Notification.objects.filter(email_status=Notification.EmailStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    assert len(ids) >= count
    mail.outbox.clear()
    # SAVEPOINT, SELECT ... FOR UPDATE of the pending rows, UPDATE them to sending,
    # RELEASE SAVEPOINT, SELECT the disputes' latest leaves with their checkpoints,
    # SELECT the leaves of those checkpoints (the proofs), UPDATE the sent ones to sent.
    with django_assert_num_queries(7):
        send_notification_emails(ids)
    assert all(m.attachments for m in mail.outbox)
    assert len(mail.outbox) == len(ids)
