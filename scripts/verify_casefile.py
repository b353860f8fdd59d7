#!/usr/bin/env python3
"""Check a dispute case file (zip) outside the platform: Python 3 standard library only.

    python3 verify_casefile.py case.zip

1. every file listed in manifest.json is in the archive with the listed SHA-256 and size,
   and the archive holds nothing that is not listed;
2. every evidence file still has the SHA-256 recorded when it was uploaded
   (in the manifest and in its ``evidence_added`` event);
3. the event hash chain in timeline.json is recomputed from the genesis hash: each event's
   SHA-256 over its canonical JSON, each pointing at the previous one, numbered 1, 2, 3, …
   without gaps, and it ends at the manifest's chain head after the manifest's event count.

Prints "OK …" and exits 0, or prints what failed and exits 1. The algorithm is the one of
the platform's disputes/events.py; docs/casefile.md describes it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from typing import Any

GENESIS = "0" * 64
# The event fields the hash covers, as named in the hashed payload.
HASHED = (
    "dispute",
    "seq",
    "kind",
    "actor",
    "actor_role",
    "from",
    "to",
    "details",
    "visibility",
    "at",
    "prev",
)


def event_hash(event: dict[str, Any]) -> str:
    payload = {key: event[key] for key in HASHED}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sha256_of(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(name) as member:
        while chunk := member.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_files(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    problems = []
    names = {info.filename for info in archive.infolist() if not info.is_dir()}
    listed = set()
    for entry in manifest.get("files", []):
        path = entry.get("path")
        listed.add(path)
        if path not in names:
            problems.append(f"{path}: listed in the manifest but missing from the archive")
            continue
        digest, size = sha256_of(archive, path)
        if digest != entry.get("sha256"):
            problems.append(f"{path}: SHA-256 does not match the manifest (file changed)")
        elif size != entry.get("size"):
            problems.append(f"{path}: size does not match the manifest")
    for name in sorted(names - listed - {"manifest.json"}):
        problems.append(f"{name}: in the archive but not listed in the manifest (file added)")
    return problems


def check_chain(events: list[dict[str, Any]], manifest: dict[str, Any]) -> list[str]:
    chain = manifest.get("chain", {})
    dispute_id = manifest.get("dispute", {}).get("id")
    prev = chain.get("genesis", GENESIS)
    if prev != GENESIS:
        return [f"manifest: the chain must start at the genesis hash {GENESIS}"]
    for position, event in enumerate(events, start=1):
        if not isinstance(event, dict) or any(key not in event for key in (*HASHED, "hash")):
            return [f"timeline.json: event at position {position} lacks hashed fields"]
    numbers = [event["seq"] for event in events]
    for position, event in enumerate(events, start=1):
        seq = event["seq"]
        if seq != position:
            what = "out of order" if position in numbers else "missing (removed)"
            return [f"timeline.json: event #{position} is {what}: found event #{seq} in its place"]
        if event["dispute"] != dispute_id:
            return [f"timeline.json: event #{seq} belongs to another dispute ({event['dispute']})"]
        if event["prev"] != prev:
            return [
                f"timeline.json: event #{seq} does not point at the previous event (reordered or inserted)"
            ]
        if event_hash(event) != event["hash"]:
            return [
                f"timeline.json: event #{seq} ({event['kind']}) does not match its hash (edited)"
            ]
        prev = event["hash"]
    problems = []
    if len(events) != chain.get("event_count"):
        problems.append(
            f"timeline.json: {len(events)} events, the manifest records {chain.get('event_count')} (removed or added)"
        )
    if prev != chain.get("head"):
        problems.append(
            "timeline.json: the recomputed chain does not end at the manifest's chain head"
        )
    return problems


def check_evidence(
    archive: zipfile.ZipFile, manifest: dict[str, Any], events: list[dict[str, Any]]
) -> list[str]:
    """The stored files against the hashes recorded at upload, which the hash chain covers."""
    problems = []
    listed = {entry.get("path"): entry.get("sha256") for entry in manifest.get("files", [])}
    at_upload = {
        e["details"].get("evidence"): e["details"].get("sha256")
        for e in events
        if isinstance(e, dict)
        and e.get("kind") == "evidence_added"
        and isinstance(e.get("details"), dict)
    }
    for item in manifest.get("evidence", []):
        path, recorded = item.get("path"), item.get("recorded_sha256")
        if path not in listed:
            problems.append(f"{path}: evidence not listed among the manifest's files")
            continue
        if listed[path] != recorded:
            problems.append(f"{path}: differs from the SHA-256 recorded when it was uploaded")
        chained = at_upload.get(item.get("id"))
        if chained is not None and chained != recorded:
            problems.append(
                f"{path}: the SHA-256 in its evidence_added event differs from the manifest's"
            )
    return problems


def verify(path: str) -> list[str]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return [f"{path}: not a readable zip archive ({error})"]
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except KeyError:
            return ["manifest.json: missing"]
        except ValueError as error:
            return [f"manifest.json: not valid JSON ({error})"]
        if not isinstance(manifest, dict):
            return ["manifest.json: not a JSON object"]
        problems = check_files(archive, manifest)
        try:
            timeline = json.loads(archive.read("timeline.json"))
            events = timeline["events"]
        except KeyError:
            return [*problems, "timeline.json: missing, or without events"]
        except ValueError as error:
            return [*problems, f"timeline.json: not valid JSON ({error})"]
        if not isinstance(events, list):
            return [*problems, "timeline.json: events is not a list"]
        problems += check_chain(events, manifest)
        problems += check_evidence(archive, manifest, events)
        if not problems:
            chain = manifest["chain"]
            print(
                f"OK: {manifest['dispute'].get('reference')}: {len(manifest['files'])} files match the manifest, "
                f"{chain['event_count']} events chain to head {chain['head']}"
            )
        return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: verify_casefile.py CASE_FILE.zip", file=sys.stderr)
        return 2
    problems = verify(argv[1])
    if problems:
        print("FAILED:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
