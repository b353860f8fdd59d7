#!/usr/bin/env python3
"""Check a dispute case file (zip) outside the platform: Python 3 standard library only,
except the signature check, which needs the ``cryptography`` package.

    python3 verify_casefile.py case.zip
    python3 verify_casefile.py --public-key KEY case.zip
    python3 verify_casefile.py --public-key KEY DSP-XXXX-signed-head.json   (an email's receipt)

KEY is the platform's published public key (/.well-known/disputes-audit-key): that
JSON saved to a file, a PEM file, or the base64 of the raw 32-byte key.

1. every file listed in manifest.json is in the archive with the listed SHA-256 and size,
   and the archive holds nothing that is not listed;
2. every evidence file still has the SHA-256 recorded when it was uploaded
   (in the manifest and in its ``evidence_added`` event);
3. the event hash chain in timeline.json is recomputed from the genesis hash: each event's
   SHA-256 over its canonical JSON, each pointing at the previous one, numbered 1, 2, 3, …
   without gaps, and it ends at the manifest's chain head after the manifest's event count.
   In a party's copy the events kept from that party are bare hashes (``"withheld": true``,
   with ``seq``, ``prev`` and ``hash`` only): their content cannot be recomputed, but the
   next event's hash covers theirs, so none can be changed, removed or reordered unseen;
4. the dispute's latest signed head (``signed_head`` in the manifest, or an email's receipt):
   its leaf leads through its inclusion proof to the root of the checkpoint's statement, the
   timeline passes through that head at that event, and, with --public-key, the statement
   is signed by that key (Ed25519). Without --public-key the signature is NOT checked, and
   the output says so.

Prints "OK …" and exits 0, or prints what failed and exits 1. The algorithm is the one of
the platform's disputes/events.py; docs/casefile.md describes it.
"""

from __future__ import annotations

import argparse
import base64
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
# What a party's copy keeps of an event kept from that party.
WITHHELD = ("seq", "prev", "hash")


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
        needed = (
            WITHHELD if isinstance(event, dict) and event.get("withheld") else (*HASHED, "hash")
        )
        if not isinstance(event, dict) or any(key not in event for key in needed):
            return [f"timeline.json: event at position {position} lacks hashed fields"]
    numbers = [event["seq"] for event in events]
    for position, event in enumerate(events, start=1):
        seq = event["seq"]
        if seq != position:
            what = "out of order" if position in numbers else "missing (removed)"
            return [f"timeline.json: event #{position} is {what}: found event #{seq} in its place"]
        if event.get("withheld"):
            # Kept from this party: only its place in the chain can be checked, and the
            # next event's hash (over this one's) pins it.
            if event["prev"] != prev:
                return [
                    f"timeline.json: event #{seq} does not point at the previous event (reordered or inserted)"
                ]
            prev = event["hash"]
            continue
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


# --- Signed heads (docs/audit.md, "Signed checkpoints") ------------------------
# The Merkle tree of the platform's disputes/merkle.py (RFC 9162), a copy kept in step by a test.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def leaf_hash(*, reference: str, event_count: int, head: str) -> bytes:
    leaf = {"dispute": reference, "event_count": event_count, "head": head}
    data = json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes | None:
    if not 0 <= index < size:
        return None
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def read_public_key(value: str) -> bytes:
    """The raw 32-byte Ed25519 key from the published JSON, a PEM, or base64 (file or text)."""
    try:
        with open(value, encoding="utf-8") as source:
            text = source.read().strip()
    except OSError:
        text = value.strip()
    if text.startswith("{"):
        text = json.loads(text)["public_key"]
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        der = base64.b64decode(body)
        if not der.startswith(ED25519_SPKI_PREFIX) or len(der) != 44:
            raise ValueError("the PEM is not an Ed25519 public key")
        return der[len(ED25519_SPKI_PREFIX) :]
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


def check_signature(public_key: bytes, signature: str, statement: str) -> str | None:
    """None if ``public_key`` signed ``statement``; else what is wrong."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return (
            "the signature cannot be checked: the 'cryptography' package is missing "
            "(pip install cryptography), so this signed head proves nothing yet"
        )
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            base64.b64decode(signature), statement.encode()
        )
    except (InvalidSignature, ValueError):
        return (
            "the signature does not match the statement and the public key (forged, or another key)"
        )
    return None


def check_signed_head(
    receipt: Any,
    public_key: bytes | None,
    *,
    reference: str | None = None,
    events: list[dict[str, Any]] | None = None,
) -> tuple[list[str], str]:
    """The problems of a signed head, and a line saying what was checked."""
    where = "signed head"
    try:
        checkpoint = receipt["checkpoint"]
        statement = json.loads(checkpoint["statement"])
        signature = checkpoint["signature"]
        count, head = receipt["event_count"], receipt["head"]
        leaf = leaf_hash(reference=receipt["dispute"], event_count=count, head=head)
        proof = [bytes.fromhex(sibling) for sibling in receipt["proof"]]
        index, size = receipt["leaf_index"], receipt["tree_size"]
        signed_root = bytes.fromhex(statement["root"])
    except (KeyError, TypeError, ValueError) as error:
        return [f"{where}: incomplete or malformed ({error!r})"], ""
    problems = []
    if reference is not None and receipt["dispute"] != reference:
        problems.append(f"{where}: for dispute {receipt['dispute']}, not {reference}")
    if size != statement.get("leaves") or root_from_proof(index, size, leaf, proof) != signed_root:
        problems.append(
            f"{where}: dispute {receipt['dispute']} with {count} events and head {head} is not "
            f"in checkpoint #{statement.get('number')} (its proof does not lead to the signed root)"
        )
    if events is not None:
        if not 0 < count <= len(events):
            problems.append(
                f"{where}: signed at event #{count}, the timeline has {len(events)} events"
            )
        elif events[count - 1].get("hash") != head:
            problems.append(
                f"{where}: the timeline's event #{count} is not the signed head (the record was rewritten)"
            )
    if public_key is None:
        signed = "signature NOT checked (no --public-key given)"
    else:
        key_id = hashlib.sha256(public_key).hexdigest()[:16]
        if statement.get("key_id") != key_id:
            problems.append(
                f"{where}: signed by key {statement.get('key_id')}, not by the given key {key_id}"
            )
        elif (wrong := check_signature(public_key, signature, checkpoint["statement"])) is not None:
            problems.append(f"{where}: {wrong}")
        signed = f"Ed25519 signature checked with key {key_id}"
    summary = (
        f"signed head: {count} events, head {head}, in checkpoint #{statement.get('number')} "
        f"of {statement.get('created_at')} (inclusion proof checked; {signed})"
    )
    return problems, summary


def verify_receipt(path: str, public_key: bytes | None) -> list[str]:
    """An email's ``*-signed-head.json``: the proof and signature alone (no timeline to compare)."""
    try:
        with open(path, encoding="utf-8") as source:
            receipt = json.load(source)
    except (OSError, ValueError) as error:
        return [f"{path}: not a readable signed head ({error})"]
    problems, summary = check_signed_head(receipt, public_key)
    if not problems:
        print(f"OK: {receipt['dispute']}: {summary}")
    return problems


def verify(path: str, public_key: bytes | None = None) -> list[str]:
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
        signed = "no signed head yet (the chain is checked against itself only)"
        if manifest.get("signed_head") is not None:
            wrong, signed = check_signed_head(
                manifest["signed_head"],
                public_key,
                reference=manifest.get("dispute", {}).get("reference"),
                events=events,
            )
            problems += wrong
        if not problems:
            chain = manifest["chain"]
            withheld = sum(1 for e in events if e.get("withheld"))
            whose = (
                f" ({manifest.get('scope')}'s copy: {withheld} events shown by their hash only)"
                if withheld
                else ""
            )
            print(
                f"OK: {manifest['dispute'].get('reference')}: {len(manifest['files'])} files match the manifest, "
                f"{chain['event_count']} events chain to head {chain['head']}{whose}; {signed}"
            )
        return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Check a dispute case file or signed head offline."
    )
    parser.add_argument("path", help="the case file (.zip) or an email's signed head (.json)")
    parser.add_argument(
        "--public-key",
        help="the platform's public key: the JSON of /.well-known/disputes-audit-key, a PEM, or base64",
    )
    args = parser.parse_args(argv[1:])
    public_key = None
    if args.public_key:
        try:
            public_key = read_public_key(args.public_key)
        except (KeyError, ValueError) as error:
            print(f"--public-key: not an Ed25519 public key ({error})", file=sys.stderr)
            return 2
    if args.path.endswith(".json"):
        problems = verify_receipt(args.path, public_key)
    else:
        problems = verify(args.path, public_key)
    if problems:
        print("FAILED:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
