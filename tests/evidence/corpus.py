"""Files for the evidence tests, made by code: good ones and the hostile corpus of issue 4."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def jpeg(width=64, height=48, *, gps=False, quality=85) -> bytes:
    image = Image.new("RGB", (width, height), (180, 40, 40))
    out = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # camera make
        exif[0x0112] = 6  # orientation: rotate 90
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
        kwargs["exif"] = exif.tobytes()
    image.save(out, "JPEG", quality=quality, **kwargs)
    return out.getvalue()


def png(width=32, height=32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 100)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def sound_only_mp4() -> bytes:
    """A second of tone in an MP4 with no picture, by the imageio-ffmpeg wheel's ffmpeg."""
    import subprocess
    import tempfile
    from pathlib import Path

    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "tone.mp4"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                *("-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1"),
                *("-f", "mp4", "-y", str(target)),
            ],
            check=True,
            timeout=60,
        )
        return target.read_bytes()


def zip_archive() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


# (name, bytes or a callable of settings, expected status, words of the message)
def hostile(settings) -> list[tuple[str, str, bytes, int, str]]:
    photo_limit = settings.EVIDENCE_MAX_BYTES["photo"]
    big = jpeg(16, 16)
    over_limit = big + b"\x00" * (photo_limit + 1 - len(big))
    return [
        ("limit_plus_one", "big.jpg", over_limit, 413, "at most"),
        ("zero_bytes", "empty.jpg", b"", 400, "empty"),
        (
            "html_as_jpg",
            "photo.jpg",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            415,
            "not a photo",
        ),
        (
            "svg_as_jpg",
            "photo.jpg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            415,
            "not a photo",
        ),
        ("php_double_extension", "x.jpg.php", jpeg(), 415, "ends in"),
        ("jpeg_zip_polyglot", "photo.jpg", jpeg() + zip_archive(), 400, "after its end"),
        ("dot_dot_name", "../../etc/passwd.jpg", jpeg(), 400, "path"),
        ("nul_in_name", "photo\x00.jpg", jpeg(), 400, "not allowed"),
        ("png_60000_square", "huge.png", png_declaring(60000, 60000), 400, "decompression bomb"),
        ("truncated_jpeg", "cut.jpg", jpeg(200, 200)[:600], 400, "damaged or incomplete"),
        (
            "html_as_pdf",
            "invoice.pdf",
            b"<html><body onload=alert(1)>Invoice</body></html>",
            415,
            "not a photo",
        ),
        ("eicar_as_pdf", "invoice.pdf", EICAR, 400, "malware"),
        (
            "text_named_video",
            "clip.mp4",
            b"just some text pretending to be a video\n",
            415,
            "ends in",
        ),
    ]
