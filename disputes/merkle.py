"""The Merkle tree of a checkpoint's leaves, as in Certificate Transparency (RFC 9162 section 2.1).

Standard library only: ``scripts/verify_casefile.py`` carries a copy of
``leaf_hash`` and ``root_from_proof`` so that a party can check a signed
head offline; a test checks the two agree.
"""

from __future__ import annotations

import hashlib
import json


def leaf_bytes(*, reference: str, event_count: int, head: str) -> bytes:
    """What a leaf says: this dispute had this many events, the last one with this hash."""
    leaf = {"dispute": reference, "event_count": event_count, "head": head}
    return json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode()


def leaf_hash(data: bytes) -> bytes:
    # The 0x00 / 0x01 prefixes keep a leaf from passing for an inner node (RFC 9162).
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: list[bytes]) -> bytes:
    """The tree head of the leaf hashes ``leaves``."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """The audit path of leaf ``index``: the sibling hashes from the leaf up."""
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def root_from_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes | None:
    """The root that leaf hash ``leaf`` at ``index`` of ``size`` leaves and ``proof`` lead to,
    or None when the proof does not fit the position (RFC 9162 section 2.1.3.2)."""
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
