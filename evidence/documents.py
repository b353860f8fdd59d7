"""PDFs lose their document metadata before they are stored (SPEC section 4).

The document information dictionary (/Info: author, title, subject, keywords,
creator and producer applications, dates) and the document's XMP metadata
stream (/Metadata in the catalogue) are removed by qpdf through pikepdf; the
pages, their content streams and resources are written back as they were.
Not removed: what the content itself holds (text, images and their EXIF),
per-page or per-object XMP, annotation authors (docs/evidence.md).
"""

from __future__ import annotations

import io
from typing import IO, BinaryIO, cast

import pikepdf
from django.utils.translation import gettext as _

from evidence.detection import EvidenceRefused


def clean_pdf(source: IO[bytes]) -> bytes:
    source.seek(0)
    try:
        with pikepdf.open(cast(BinaryIO, source)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            if "/Metadata" in pdf.Root:
                del pdf.Root["/Metadata"]
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
