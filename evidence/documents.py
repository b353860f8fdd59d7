"""PDFs lose their metadata before they are stored (SPEC section 4).

Removed by qpdf through pikepdf: the document information dictionary (/Info:
author, title, subject, keywords, creator and producer applications, dates);
every XMP metadata stream (/Metadata: the document's in the catalogue, and
those attached to pages, images, form XObjects, fonts or any other object);
and the page-piece dictionaries (/PieceInfo: an editing application's private
data, which can hold a copy of the original document) of the catalogue, the
pages and form XObjects. The pages, their content streams and resources are
written back as they were. Not removed: what the content itself holds (text,
images and the EXIF inside embedded JPEGs), annotation authors
(docs/evidence.md).
"""

from __future__ import annotations

import io
from typing import IO, BinaryIO, cast

import pikepdf
from django.utils.translation import gettext as _

from evidence.detection import EvidenceRefused

# Where a /PieceInfo dictionary may stand (ISO 32000-1, 14.5).
_PIECE_INFO_HOLDERS = {"/Catalog", "/Page", "/Form"}


def _strip(obj: object) -> None:
    """Removes XMP and private application data from one object and from the
    dictionaries written inside it (indirect ones are visited on their own)."""
    if isinstance(obj, pikepdf.Array):
        children: list[object] = list(obj)
    elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        # XMP is always a stream: a /Metadata key whose value is anything else
        # is not metadata (a named destination, say) and stays.
        if isinstance(obj.get("/Metadata"), pikepdf.Stream):
            del obj["/Metadata"]
        if "/PieceInfo" in obj and (
            obj.get("/Type") in _PIECE_INFO_HOLDERS or obj.get("/Subtype") == "/Form"
        ):
            del obj["/PieceInfo"]
        children = [value for _key, value in obj.items()]
    else:
        return
    for child in children:
        if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
            _strip(child)


def clean_pdf(source: IO[bytes]) -> bytes:
    source.seek(0)
    try:
        with pikepdf.open(cast(BinaryIO, source)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for obj in pdf.objects:
                _strip(obj)
            out = io.BytesIO()
            # Nothing new written about the file either: no XMP version fix-up,
            # an /ID from the content rather than random bytes.
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except pikepdf.PasswordError:
        raise EvidenceRefused(
            _(
                "The PDF is protected by a password, so nobody here could read it; upload a copy without the password."
            ),
            field="file",
        ) from None
    except pikepdf.PdfError as exc:
        raise EvidenceRefused(
            _("The PDF is damaged and cannot be opened (%(why)s).") % {"why": str(exc)[:80]},
            field="file",
        ) from None
    finally:
        source.seek(0)
    return out.getvalue()
