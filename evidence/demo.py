"""Demo evidence drawn by code: damaged goods, an invoice, a short video."""

from __future__ import annotations

import functools
import io
import logging
import random
import subprocess
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from disputes.models import Dispute
from evidence.models import Evidence
from evidence.services import evidence_add

log = logging.getLogger(__name__)


def damaged_box_photo(seed: int, width: int = 1600, height: int = 1200) -> bytes:
    """A cardboard box on a table, a crushed corner and cracks: visibly damaged goods."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (214, 205, 190))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, int(height * 0.7), width, height], fill=(120, 90, 60))  # table
    left, top, right, bottom = (
        int(width * 0.2),
        int(height * 0.25),
        int(width * 0.8),
        int(height * 0.8),
    )
    draw.rectangle([left, top, right, bottom], fill=(190, 150, 100), outline=(90, 60, 30), width=8)
    draw.line([left, top + 90, right, top + 90], fill=(150, 110, 70), width=6)  # tape
    # The crushed corner.
    draw.polygon(
        [(right - 260, top), (right, top), (right, top + 220), (right - 120, top + 90)],
        fill=(120, 90, 55),
    )
    for _ in range(14):  # cracks and tears
        x, y = rng.randint(left, right), rng.randint(top, bottom)
        points = [(x, y)]
        for _step in range(rng.randint(3, 6)):
            x, y = x + rng.randint(-60, 60), y + rng.randint(-40, 60)
            points.append((x, y))
        draw.line(points, fill=(60, 35, 15), width=rng.randint(3, 7))
    draw.text((left + 20, bottom - 60), "FRAGILE - THIS SIDE UP", fill=(160, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def invoice_pdf(reference: str, amount: str) -> bytes:
    """A one-page PDF invoice, written by hand (no PDF library needed)."""
    lines = [
        "COMMERCIAL INVOICE",
        f"Order {reference}",
        "Ceramic tableware, export carton packing",
        f"Total paid: {amount} USD",
        "Terms: FOB Shenzhen, goods insured in transit",
    ]
    text = "BT /F1 14 Tf 72 760 Td " + " ".join(f"({line}) Tj 0 -24 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


@functools.cache
def unboxing_video() -> bytes | None:
    """Three seconds of test picture, made by the ffmpeg of the imageio-ffmpeg wheel."""
    try:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "unboxing.mp4"
            subprocess.run(  # noqa: S603 - fixed arguments
                [
                    ffmpeg,
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc=duration=3:size=640x360:rate=15",
                    "-pix_fmt",
                    "yuv420p",
                    "-movflags",
                    "+faststart",
                    "-y",
                    str(target),
                ],
                check=True,
                timeout=60,
                capture_output=True,
            )
            return target.read_bytes()
    except Exception:
        log.warning("no demo video: ffmpeg is not available", exc_info=True)
        return None


def seed_evidence(disputes: list[Dispute]) -> int:
    """Photos and an invoice from the buyer, a photo from the seller, one video; once."""
    created = 0
    video = None
    for index, dispute in enumerate(disputes):
        if Evidence.objects.filter(dispute=dispute).exists():
            continue
        files = [
            (
                dispute.buyer,
                "IMG_2041.jpg",
                damaged_box_photo(index * 2),
                "The carton as it arrived",
                "parties",
            ),
            (
                dispute.buyer,
                "IMG_2043.jpg",
                damaged_box_photo(index * 2 + 1),
                "Broken items inside",
                "parties",
            ),
            (
                dispute.buyer,
                "invoice.pdf",
                invoice_pdf(dispute.order.reference, str(dispute.order.amount_paid)),
                "The invoice",
                "mediator",
            ),
        ]
        if dispute.submitted_at is not None:
            files.append(
                (
                    dispute.seller,
                    "packing-photo.jpg",
                    damaged_box_photo(900 + index),
                    "How we packed it",
                    "parties",
                )
            )
        if index == 0:
            video = video or unboxing_video()
            if video:
                files.append((dispute.buyer, "unboxing.mp4", video, "Unboxing", "parties"))
        for actor, name, data, description, visibility in files:
            evidence_add(
                dispute=dispute,
                actor=actor,
                upload=SimpleUploadedFile(name, data),
                description=description,
                visibility=visibility,
            )
            created += 1
    return created
