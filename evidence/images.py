"""Photos are opened, verified and re-encoded so that only pixels are kept (SPEC section 4)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from evidence.detection import EvidenceRefused

# Formats we write back: browsers show them all; HEIC becomes JPEG.
_OUTPUT = {
    "image/jpeg": ("JPEG", "image/jpeg", "jpg"),
    "image/heic": ("JPEG", "image/jpeg", "jpg"),
    "image/png": ("PNG", "image/png", "png"),
    "image/webp": ("WEBP", "image/webp", "webp"),
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _open(source: IO[bytes]) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_PIXELS
    with warnings.catch_warnings():
        # Pillow only warns between the limit and twice the limit: refuse all of it.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
            image.verify()
            source.seek(0)
            image = Image.open(source)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise EvidenceRefused(
                _(
                    "The image declares more than %(limit)s million pixels; it is refused as a decompression bomb."
                )
                % {"limit": settings.EVIDENCE_MAX_PIXELS // 1_000_000},
                field="file",
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise EvidenceRefused(
                _("The image is damaged or incomplete and cannot be opened (%(why)s).")
                % {"why": str(exc)[:80]},
                field="file",
            ) from None
    return image


def clean_image(source: IO[bytes], mime: str) -> CleanImage:
    """Verify, apply the orientation, and re-encode with no metadata at all
    (no EXIF, no GPS, no ICC or text chunks, nothing after the image)."""
    image = _open(source)
    # In place: without a rotation to apply, the default returns a full copy
    # of the decoded pixels (about 10 ms for a 2 MB photo, in the request).
    ImageOps.exif_transpose(image, in_place=True)
    fmt, content_type, extension = _OUTPUT[mime]
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    # Nothing but pixels goes out: Pillow's encoders take EXIF, ICC profiles and
    # text chunks from ``info`` when they are not given, so it is emptied.
    pixels = image
    pixels.info = {}
    out = io.BytesIO()
    options: dict[str, object] = {}
    if fmt == "JPEG":
        # Baseline, standard Huffman tables: a progressive, optimised encode of
        # a 2 MB photo costs six times the CPU (about 140 ms against 22 ms) for
        # a file 10 % smaller, and it runs inside the upload request
        # (docs/benchmarks.md: the upload budget is 150 ms).
        options.update(quality=90)
    elif fmt == "WEBP":
        options.update(quality=90)
    else:
        options.update(optimize=True)
    pixels.save(out, fmt, **options)
    return CleanImage(out.getvalue(), content_type, extension, pixels.width, pixels.height)


def thumbnail_jpeg(source: IO[bytes], size: int) -> bytes:
    """A JPEG no larger than ``size`` on either side."""
    opened = Image.open(source)
    opened.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
    image = opened.convert("RGB")
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()
