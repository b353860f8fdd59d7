"""What a file is, decided by its bytes (SPEC section 4), never by its name or the
browser's word; and the checks that refuse hostile files with a clear message."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import puremagic
from django.utils.translation import gettext as _

from disputes.errors import DisputeError


class EvidenceRefused(DisputeError):
    """A file we will not keep (its status at the edge: ``disputes_site.error_status``)."""

    code = "evidence_refused"


class FileTooLarge(EvidenceRefused):
    code = "file_too_large"


class FileTypeRefused(EvidenceRefused):
    code = "file_type_refused"


@dataclass(frozen=True)
class FileType:
    kind: str  # photo, video, document
    mime: str
    extensions: tuple[str, ...]
    label: str


TYPES = {
    t.mime: t
    for t in [
        FileType("photo", "image/jpeg", (".jpg", ".jpeg"), "JPEG photo"),
        FileType("photo", "image/png", (".png",), "PNG image"),
        FileType("photo", "image/webp", (".webp",), "WebP image"),
        FileType("photo", "image/heic", (".heic", ".heif"), "HEIC photo"),
        FileType("video", "video/mp4", (".mp4", ".m4v"), "MP4 video"),
        FileType("video", "video/quicktime", (".mov",), "QuickTime video"),
        FileType("video", "video/webm", (".webm",), "WebM video"),
        FileType("document", "application/pdf", (".pdf",), "PDF document"),
        FileType("document", "text/plain", (".txt",), "plain-text document"),
    ]
}
ACCEPTED = _(
    "We accept photos (JPEG, PNG, WebP, HEIC), videos (MP4, MOV, WebM) and documents (PDF, plain text)."
)

# The EICAR anti-virus test string: what a malware scanner must flag. A real
# scanner (ClamAV) can be plugged in here; this catches the test file.
_EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
_NAME_MAX = 200


def clean_name(name: str) -> str:
    """The original file name, kept as text only; refused if it tries to be a path."""
    if not name or "\x00" in name:
        raise EvidenceRefused(_("The file name is not allowed."), field="file")
    if "/" in name or "\\" in name or name.strip(".") == "" or ".." in name.split("."):
        raise EvidenceRefused(_("The file name must not contain a path."), field="file")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise EvidenceRefused(_("The file name contains control characters."), field="file")
    return name.strip()[:_NAME_MAX]


def extension_of(name: str) -> str:
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", name)
    return match.group(1).lower() if match else ""


_MARKUP = ("<html", "<script", "<svg", "<?php", "<!doctype")


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The sample may end inside a multi-byte character.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    lowered = text.lower()
    return not any(tag in lowered for tag in _MARKUP)


def refuse_binary_text(chunks: Iterable[bytes]) -> None:
    """A plain-text document must be plain text to its last byte: the type is
    decided on the first 8 KiB, and an executable, an archive or a page of
    markup after them would otherwise be stored and served as text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = ""  # the end of the previous chunk: a tag may straddle two
    try:
        for chunk in chunks:
            if b"\x00" in chunk:
                raise ValueError
            text = carry + decoder.decode(chunk).lower()
            if any(tag in text for tag in _MARKUP):
                raise ValueError
            carry = text[-len(max(_MARKUP, key=len)) :]
        decoder.decode(b"", final=True)
    except (ValueError, UnicodeDecodeError):
        raise FileTypeRefused(
            _(
                "The file starts as plain text but is not plain text throughout (binary data or markup further on). %(accepted)s"
            )
            % {"accepted": ACCEPTED},
            field="file",
        ) from None


def _signature_agrees(mime: str, head: bytes) -> bool:
    """A second, strict look at the container signature of what we accept."""
    if mime == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if mime == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if mime == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if mime in ("video/mp4", "video/quicktime", "image/heic"):
        return head[4:8] == b"ftyp"
    if mime == "video/webm":
        return head.startswith(b"\x1a\x45\xdf\xa3")
    if mime == "application/pdf":
        return head.startswith(b"%PDF-")
    return mime == "text/plain"


def _heic(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in (
        b"heic",
        b"heix",
        b"mif1",
        b"msf1",
        b"heim",
        b"heis",
    )


def detect(head: bytes) -> FileType:
    """The accepted type these first bytes (at least 4 KiB of the file) belong to."""
    if _EICAR in head:
        raise EvidenceRefused(_("The file was flagged by the malware check."), field="file")
    if _heic(head):
        return TYPES["image/heic"]
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    for match in sorted(matches, key=lambda m: -m.confidence):
        mime = "video/quicktime" if match.extension == ".mov" else match.mime_type
        file_type = TYPES.get(mime)
        if file_type is not None and _signature_agrees(mime, head):
            return file_type
        if matches and match.confidence >= 0.5:
            # The bytes say something we do not accept (HTML, SVG, ZIP, …).
            break
    if not matches and _is_plain_text(head):
        return TYPES["text/plain"]
    what = matches[0].name if matches and matches[0].name else _("an unknown kind of file")
    raise FileTypeRefused(
        _("This file is %(what)s, not a photo, video or document. %(accepted)s")
        % {"what": what, "accepted": ACCEPTED},
        field="file",
    )


def check_name_agrees(name: str, file_type: FileType) -> None:
    extension = extension_of(name)
    if extension not in file_type.extensions:
        raise FileTypeRefused(
            _(
                "The file's content is a %(label)s, but its name ends in “%(ext)s”. Rename it to %(wanted)s."
            )
            % {
                "label": file_type.label,
                "ext": extension or _("no extension"),
                "wanted": " or ".join(file_type.extensions),
            },
            field="file",
        )


def refuse_trailing_data(mime: str, data: bytes) -> None:
    """An image must end where its format says it ends: bytes after that are
    another file riding along (a JPEG+ZIP polyglot, a script)."""
    tail = data.rstrip(b"\x00")
    if mime == "image/jpeg":
        clean = tail.endswith(b"\xff\xd9")
    elif mime == "image/png":
        clean = tail.endswith(b"IEND\xaeB`\x82")
    elif mime == "image/webp":
        clean = int.from_bytes(data[4:8], "little") + 8 in (len(data), len(data) - 1)
    else:
        clean = True
    if not clean or data[-22:-18] == b"PK\x05\x06":
        raise EvidenceRefused(
            _(
                "The image carries other data after its end (another file hidden in it); export it again as a plain image."
            ),
            field="file",
        )
