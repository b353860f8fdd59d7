"""Case-file export: the archive holds everything, verifies outside the platform, and fails
the check after any change; exporting is an event; only the mediators of the case export."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from disputes.events import verify_all
from disputes.models import Dispute, DisputeEvent, Notification
from evidence.models import Evidence
from tests.conftest import client_for
from tests.factories import MediatorFactory, make_lead
from tests.mediation.casefile_cases import work_case

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "scripts" / "verify_casefile.py"


@pytest.fixture
def worked_case(settings, tmp_path, order, buyer, seller, mediator):
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence of this test only
    return work_case(order, buyer=buyer, seller=seller, mediator=mediator)


def export(user, dispute) -> bytes:
    response = client_for(user).post(
        reverse("mediation_dashboard:casefile", args=[dispute.reference])
    )
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    assert f'{dispute.reference}-casefile.zip"' in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def verify(data: bytes, tmp_path: Path) -> tuple[int, str]:
    """Runs the verifier as an outsider would: the system's python3, isolated mode
    (no site-packages, no project on the path), on a file."""
    path = tmp_path / "case.zip"
    path.write_bytes(data)
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    done = subprocess.run(
        [python, "-I", str(VERIFIER), str(path)], capture_output=True, text=True, timeout=60
    )
    return done.returncode, done.stdout + done.stderr


def read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(data: bytes, change, *, update_manifest: bool) -> bytes:
    """The archive with ``change(files)`` applied; with ``update_manifest`` the forger also
    puts the changed files' new hashes into the manifest."""
    files = read(data)
    change(files)
    if update_manifest:
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["files"]:
            if entry["path"] in files:
                entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
                entry["size"] = len(files[entry["path"]])
        files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def edit_json(files, name, edit):
    value = json.loads(files[name])
    edit(value)
    files[name] = json.dumps(value).encode()


def test_the_exported_archive_holds_the_whole_case_and_verifies(worked_case, mediator, tmp_path):
    data = export(mediator, worked_case)
    code, output = verify(data, tmp_path)
    assert (code, output.startswith(f"OK: {worked_case.reference}")) == (0, True), output

    files = read(data)
    manifest = json.loads(files["manifest.json"])
    dispute = Dispute.objects.get(pk=worked_case.pk)
    # Every evidence file as stored, the hidden and the mediator-only ones too.
    stored = {e.original_name: e for e in Evidence.objects.filter(dispute=dispute)}
    assert sorted(stored) == ["broken mugs.jpg", "card.png", "invoice.pdf"]
    by_name = {item["original_name"]: item for item in manifest["evidence"]}
    for name, item in stored.items():
        with item.file.open("rb") as f:
            assert files[by_name[name]["path"]] == f.read()
    assert by_name["card.png"]["hidden_reason"] == "Shows a card number."
    # Every event, in order, ending with the export itself; the head is the case's head now.
    timeline = json.loads(files["timeline.json"])["events"]
    assert [e["seq"] for e in timeline] == list(range(1, dispute.event_count + 1))
    assert [e["kind"] for e in timeline][-2:] == ["decide", "case_file_exported"]
    assert "note" in [e["kind"] for e in timeline]
    assert manifest["chain"] == {
        "genesis": "0" * 64,
        "head": dispute.chain_head,
        "event_count": dispute.event_count,
        "hash": "sha256 of canonical JSON, see docs/casefile.md",
    }
    assert {e["hash"] for e in timeline} == set(
        DisputeEvent.objects.filter(dispute=dispute).values_list("hash", flat=True)
    )
    decisions = json.loads(files["decisions.json"])["decisions"]
    assert [(d["outcome"], d["refund_amount"], d["reason_code"]) for d in decisions] == [
        ("partial_refund", "40.00", "shared_fault")
    ]
    first = Evidence.objects.filter(dispute=dispute).order_by("pk").first()
    assert decisions[0]["evidence_relied_on"] == [{"id": first.pk, "sha256": first.sha256}]
    page = files["timeline.html"].decode()
    assert "Packing was thin and the carrier was rough." in page
    assert dispute.chain_head in page
    assert sorted(e["path"] for e in manifest["files"]) == sorted(set(files) - {"manifest.json"})


def test_exporting_is_an_event_of_the_platform_that_notifies_nobody(
    worked_case, mediator, buyer, seller
):
    notifications = Notification.objects.count()
    export(mediator, worked_case)
    event = DisputeEvent.objects.filter(dispute=worked_case).order_by("-seq").first()
    assert (event.kind, event.actor_id, event.visibility) == (
        "case_file_exported",
        mediator.pk,
        "mediator",
    )
    assert event.details == {"format": "dispute-casefile/1", "evidence_items": 3}
    assert Notification.objects.count() == notifications
    # The parties' timelines do not show it, and the database chain still holds.
    for party in (buyer, seller):
        page = client_for(party).get(reverse("disputes:detail", args=[worked_case.reference]))
        assert page.status_code == 200
        assert "case_file_exported" not in page.content.decode()
    assert list(verify_all()) == []


def _evidence_path(files, name):
    manifest = json.loads(files["manifest.json"])
    return next(i["path"] for i in manifest["evidence"] if i["original_name"] == name)


def _change_evidence(files):
    files[_evidence_path(files, "invoice.pdf")] += b"%% appended"


def _edit_event(files):
    edit_json(files, "timeline.json", lambda t: t["events"][2]["details"].update(note="Sorry!"))


def _swap_events(files):
    def swap(t):
        t["events"][1], t["events"][2] = t["events"][2], t["events"][1]

    edit_json(files, "timeline.json", swap)


def _renumber_swapped_events(files):
    def swap(t):
        events = t["events"]
        events[1], events[2] = events[2], events[1]
        events[1]["seq"], events[2]["seq"] = 2, 3

    edit_json(files, "timeline.json", swap)


def _remove_middle_event(files):
    edit_json(files, "timeline.json", lambda t: t["events"].pop(3))


def _remove_last_event(files):
    edit_json(files, "timeline.json", lambda t: t["events"].pop())


def _change_head(files):
    edit_json(files, "manifest.json", lambda m: m["chain"].update(head="f" * 64))


def _change_listed_hash(files):
    edit_json(files, "manifest.json", lambda m: m["files"][0].update(sha256="0" * 64))


def _add_file(files):
    files["evidence/99-extra.pdf"] = b"%PDF-1.4 planted"


def _remove_file(files):
    del files["decisions.json"]


def _forge_recorded_hash_too(files):
    path = _evidence_path(files, "invoice.pdf")
    files[path] += b"%% appended"
    new = hashlib.sha256(files[path]).hexdigest()

    def edit(m):
        next(i for i in m["evidence"] if i["path"] == path)["recorded_sha256"] = new

    edit_json(files, "manifest.json", edit)


TAMPERING = [
    # (what, change, forger updates the manifest's file hashes, words in the report)
    ("evidence changed", _change_evidence, False, "SHA-256 does not match the manifest"),
    (
        "evidence changed, manifest re-hashed",
        _change_evidence,
        True,
        "recorded when it was uploaded",
    ),
    (
        "evidence and its recorded hash forged",
        _forge_recorded_hash_too,
        True,
        "evidence_added event",
    ),
    ("timeline changed", _edit_event, False, "timeline.json: SHA-256 does not match"),
    (
        "event edited, manifest re-hashed",
        _edit_event,
        True,
        "event #3 (evidence_added) does not match its hash",
    ),
    ("events reordered", _swap_events, True, "event #2 is out of order"),
    (
        "events reordered and renumbered",
        _renumber_swapped_events,
        True,
        "event #2 does not point at the previous event",
    ),
    ("event removed from the middle", _remove_middle_event, True, "event #4 is missing (removed)"),
    ("last event removed", _remove_last_event, True, "the manifest records"),
    (
        "chain head in the manifest changed",
        _change_head,
        False,
        "does not end at the manifest's chain head",
    ),
    (
        "hash in the manifest changed",
        _change_listed_hash,
        False,
        "SHA-256 does not match the manifest",
    ),
    ("file added", _add_file, False, "evidence/99-extra.pdf: in the archive but not listed"),
    ("file removed", _remove_file, False, "decisions.json: listed in the manifest but missing"),
]


@pytest.mark.parametrize(
    ("change", "update_manifest", "words"),
    [case[1:] for case in TAMPERING],
    ids=[case[0] for case in TAMPERING],
)
def test_any_change_fails_the_check_and_names_the_problem(
    worked_case, mediator, tmp_path, change, update_manifest, words
):
    data = rewrite(export(mediator, worked_case), change, update_manifest=update_manifest)
    code, output = verify(data, tmp_path)
    assert code == 1, output
    assert output.startswith("FAILED:"), output
    assert words in output, output
    assert "OK" not in output


def test_the_verifier_refuses_what_is_not_a_case_file(tmp_path):
    code, output = verify(b"not a zip at all", tmp_path)
    assert (code, "not a readable zip archive" in output) == (1, True), output
    code, output = verify(rewrite_empty(), tmp_path)
    assert (code, "manifest.json: missing" in output) == (1, True), output


def rewrite_empty() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("timeline.json", "{}")
    return out.getvalue()


@pytest.fixture
def people(buyer, seller, mediator):
    return {
        "anonymous": None,
        "buyer": buyer,
        "seller": seller,
        "assigned mediator": mediator,
        "other mediator": MediatorFactory(email="otto@example.com"),
        "lead": make_lead(MediatorFactory(email="lena@example.com")),
    }


# SPEC section 1: what a person may not see answers 404; anonymous people log in first.
EXPECTED = {
    "anonymous": 302,
    "buyer": 404,
    "seller": 404,
    "other mediator": 404,
    "assigned mediator": 200,
    "lead": 200,
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("method", ["get", "post"])
def test_permission_matrix(worked_case, people, who, method):
    events = worked_case.event_count
    url = reverse("mediation_dashboard:casefile", args=[worked_case.reference])
    response = getattr(client_for(people[who]), method)(url)
    assert response.status_code == EXPECTED[who]
    exported = Dispute.objects.get(pk=worked_case.pk).event_count - events
    assert exported == (1 if (method, EXPECTED[who]) == ("post", 200) else 0)


def test_the_mediator_who_decided_may_export_after_the_case_moved_on(worked_case, mediator):
    Dispute.objects.filter(pk=worked_case.pk).update(
        assigned_mediator=MediatorFactory(email="next@example.com")
    )
    Dispute.objects.filter(pk=worked_case.pk).update(decided_by=None)  # only the Decision row tells
    assert export(mediator, worked_case)[:2] == b"PK"


def test_an_unknown_reference_is_404_even_for_a_lead(people):
    url = reverse("mediation_dashboard:casefile", args=["DSP-NOPE"])
    assert client_for(people["lead"]).post(url).status_code == 404


def test_the_command_exports_a_file_that_verifies(worked_case, mediator, tmp_path):
    out = tmp_path / "export.zip"
    stdout = io.StringIO()
    call_command(
        "export_casefile",
        worked_case.reference,
        "--as",
        mediator.email,
        "-o",
        str(out),
        stdout=stdout,
    )
    assert f"{worked_case.reference}: " in stdout.getvalue()
    code, output = verify(out.read_bytes(), tmp_path)
    assert code == 0, output


def test_what_happens_while_the_archive_is_written_stays_out_of_it(
    worked_case, mediator, buyer, tmp_path, monkeypatch
):
    from evidence.services import evidence_add
    from mediation.casefile import services as casefile
    from tests.evidence.conftest import upload
    from tests.evidence.corpus import png

    record = casefile.record_export

    def record_then_upload(dispute, actor):
        recorded = record(dispute, actor)
        evidence_add(dispute=dispute, actor=buyer, upload=upload("late.png", png(20, 20)))
        return recorded

    monkeypatch.setattr(casefile, "record_export", record_then_upload)
    data = export(mediator, worked_case)
    code, output = verify(data, tmp_path)
    assert code == 0, output
    manifest = json.loads(read(data)["manifest.json"])
    timeline = json.loads(read(data)["timeline.json"])["events"]
    assert timeline[-1]["kind"] == "case_file_exported"
    assert "late.png" not in [item["original_name"] for item in manifest["evidence"]]
    # The platform's chain went on after the archive's head.
    later = DisputeEvent.objects.get(dispute=worked_case, seq=manifest["chain"]["event_count"] + 1)
    assert (later.kind, later.prev_hash) == ("evidence_added", manifest["chain"]["head"])
