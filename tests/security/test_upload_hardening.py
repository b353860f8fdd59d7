"""Issue 12, item 4: what an uploader's files give away, and uploads that never get read.

Videos are made here by the ffmpeg of the imageio-ffmpeg wheel, PDFs by pikepdf;
no binary fixtures.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from disputes.models import DisputeEvent
from evidence.detection import FileTypeRefused
from evidence.models import Evidence
from evidence.services import evidence_add
from tests.api.conftest import api_for
from tests.conftest import client_for
from tests.evidence.conftest import files_under, upload
from tests.security.fixtures import submitted_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(order, buyer):
    return submitted_case(order, buyer)


@pytest.fixture(autouse=True)
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


TITLE = "Flat 4B, 12 Rue Cler - my secret title"
CHAPTER = "Chapter at the neighbours"
LOCATION = "+48.8584+002.2945/"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def _ffmpeg(*args: str) -> str:
    done = subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", *args], capture_output=True, text=True, timeout=60
    )
    return done.stderr


# (extension, ffmpeg output options): the three containers the platform accepts.
# The QuickTime muxer is the one that writes the ©xyz location atom; an MP4
# written by it with the isom brand is what a phone's MP4 looks like.
CONTAINERS = {
    "mp4": ["-c:v", "libx264", "-c:a", "aac", "-f", "mov", "-brand", "isom"],
    "mov": ["-c:v", "libx264", "-c:a", "aac", "-f", "mov"],
    "webm": ["-c:v", "libvpx-vp9", "-c:a", "libopus", "-f", "webm"],
}


def video_with_metadata(folder: Path, extension: str) -> bytes:
    chapters = folder / "chapters.txt"
    chapters.write_text(
        f";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle={CHAPTER}\n"
    )
    target = folder / f"phone.{extension}"
    _ffmpeg(
        "-loglevel",
        "error",
        *("-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=10"),
        *("-f", "lavfi", "-i", "sine=duration=1"),
        *("-i", str(chapters)),
        *("-map", "0", "-map", "1", "-map_metadata", "2", "-map_chapters", "2"),
        *("-metadata", f"title={TITLE}", "-metadata", f"location={LOCATION}"),
        *("-pix_fmt", "yuv420p", "-shortest"),
        *CONTAINERS[extension],
        "-y",
        str(target),
    )
    return target.read_bytes()


def streams_of(data: bytes, folder: Path) -> tuple[list[str], str]:
    """The streams (codec, size, rate; not their tags) and the duration ffmpeg reads."""
    path = folder / "probe.bin"
    path.write_bytes(data)
    report = _ffmpeg("-i", str(path))
    streams = [
        re.sub(r"\(default\)|\[0x\w+\]|\(\w{3}\)", "", line.split(":", 2)[2]).strip()
        for line in report.splitlines()
        if re.match(r"\s+Stream #0:\d+", line) and "Data:" not in line
    ]
    duration = re.search(r"Duration: (\S+),", report)
    assert duration, report
    return streams, duration.group(1)


@pytest.mark.parametrize("extension", ["mp4", "mov", "webm"])
def test_a_videos_title_location_and_chapters_are_gone_and_it_still_plays(
    extension, case, buyer, tmp_path
):
    original = video_with_metadata(tmp_path, extension)
    # The made video does carry what a phone writes (else the test proves nothing).
    assert TITLE.encode() in original
    assert CHAPTER.encode() in original
    if extension != "webm":
        assert b"\xa9xyz" in original
        assert LOCATION.encode() in original
    client = client_for(buyer)
    response = client.post(
        reverse("evidence:upload", args=[case.reference]),
        {"file": upload(f"clip.{extension}", original), "description": "Unboxing"},
    )
    assert response.status_code == 201, response.content
    item = Evidence.objects.get()
    served = b"".join(
        client.get(reverse("evidence:download", args=[case.reference, item.pk])).streaming_content
    )
    for secret in (TITLE.encode(), CHAPTER.encode(), LOCATION.encode(), b"\xa9xyz", b"Lavf6"):
        assert secret not in served, secret
    assert streams_of(served, tmp_path) == streams_of(original, tmp_path)
    # The record's fingerprint is the served file's.
    import hashlib

    assert item.sha256 == hashlib.sha256(served).hexdigest()
    assert item.size == len(served)


CAMERA = "SecretCam Model-7"
SUBTITLE_LOCATION = "GPS 48.8584 2.2945"


def _jpeg_with_exif() -> bytes:
    """A cover picture as a phone or camera writes it: its maker and a GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 30.24), 3: "E", 4: (2.0, 17.0, 40.2)})
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def video_with_cover_and_subtitles(folder: Path) -> tuple[bytes, bytes]:
    """An MP4 with a cover JPEG (an attached picture) and a subtitle track
    holding a position, as dashcams and drones write; and the cover's EXIF."""
    from PIL import Image

    cover = folder / "cover.jpg"
    cover.write_bytes(_jpeg_with_exif())
    exif = Image.open(cover).info["exif"]
    subtitles = folder / "track.srt"
    subtitles.write_text(f"1\n00:00:00,000 --> 00:00:00,900\n{SUBTITLE_LOCATION}\n")
    target = folder / "dashcam.mp4"
    _ffmpeg(
        "-loglevel",
        "error",
        *("-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=10"),
        *("-f", "lavfi", "-i", "sine=duration=1"),
        *("-i", str(cover), "-i", str(subtitles)),
        *("-map", "0", "-map", "1", "-map", "2", "-map", "3"),
        *("-c:v:0", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"),
        # The mp4 muxer (not mov) is the one that writes a cover picture.
        *("-c:v:1", "copy", "-disposition:v:1", "attached_pic", "-c:s", "mov_text"),
        *("-f", "mp4", "-y", str(target)),
    )
    return target.read_bytes(), exif


def test_a_videos_cover_picture_and_subtitle_track_are_gone_and_it_still_plays(
    case, buyer, tmp_path
):
    original, exif = video_with_cover_and_subtitles(tmp_path)
    streams, duration = streams_of(original, tmp_path)
    # The made video does carry them (else the test proves nothing).
    assert any("(attached pic)" in stream for stream in streams), streams
    assert any("Subtitle:" in stream for stream in streams), streams
    for secret in (CAMERA.encode(), SUBTITLE_LOCATION.encode(), exif):
        assert secret in original
    client = client_for(buyer)
    response = client.post(
        reverse("evidence:upload", args=[case.reference]),
        {"file": upload("dashcam.mp4", original), "description": "On the way"},
    )
    assert response.status_code == 201, response.content
    item = Evidence.objects.get()
    served = b"".join(
        client.get(reverse("evidence:download", args=[case.reference, item.pk])).streaming_content
    )
    for secret in (CAMERA.encode(), SUBTITLE_LOCATION.encode(), exif, b"GPS"):
        assert secret not in served, secret[:40]
    kept, kept_duration = streams_of(served, tmp_path)
    assert not any("(attached pic)" in stream or "Subtitle:" in stream for stream in kept), kept
    # The picture and the sound are what they were.
    picture_and_sound = [
        stream
        for stream in streams
        if ("Video:" in stream or "Audio:" in stream) and "(attached pic)" not in stream
    ]
    assert len(picture_and_sound) == 2
    assert kept == picture_and_sound
    assert kept_duration == duration


def test_a_video_ffmpeg_cannot_read_is_refused_and_leaves_nothing(case, buyer, local_media):
    fake = (
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00" * 64
    )
    response = client_for(buyer).post(
        reverse("evidence:upload", args=[case.reference]), {"file": upload("clip.mp4", fake)}
    )
    assert response.status_code == 400
    assert "damaged or incomplete" in response.content.decode()
    assert Evidence.objects.count() == 0
    assert files_under(local_media) == []


def _pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 20 100 Td (Invoice 42) Tj ET")
    pdf.docinfo["/Author"] = "Jane Secret-Author"
    pdf.docinfo["/Title"] = "Private title of the invoice"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Jane Secret-Author"]
        meta["dc:title"] = "Private title of the invoice"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_pdfs_author_and_title_are_gone_and_it_still_opens(case, buyer):
    original = _pdf_with_metadata()
    assert b"Jane Secret-Author" in original
    item = evidence_add(dispute=case, actor=buyer, upload=upload("invoice.pdf", original))
    with default_storage.open(item.file.name, "rb") as stored:
        data = stored.read()
    assert b"Jane Secret-Author" not in data
    assert b"Private title" not in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        assert pdf.pages[0].Contents.read_bytes() == b"BT /F1 12 Tf 20 100 Td (Invoice 42) Tj ET"
        assert "/Author" not in pdf.docinfo
        assert "/Metadata" not in pdf.Root


PAGE_XMP = (
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><dc:creator>Page Secret-Author</dc:creator></x:xmpmeta>"
)
FORM_XMP = (
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><dc:creator>Logo Secret-Designer</dc:creator></x:xmpmeta>"
)
PAGE_CONTENT = b"q 1 0 0 1 20 20 cm /Logo Do Q BT /F1 12 Tf 20 100 Td (Invoice 42) Tj ET"
FORM_CONTENT = b"0 0 1 rg 0 0 40 40 re f"


def _pdf_with_xmp_beyond_the_catalogue() -> bytes:
    """XMP on a page and on a form XObject (the page draws it), and an editing
    application's private data (/PieceInfo) on the catalogue, the page and the form."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]

    def piece_info(who: str) -> pikepdf.Dictionary:
        return pikepdf.Dictionary(
            Illustrator=pikepdf.Dictionary(
                LastModified=pikepdf.String("D:20240101"),
                Private=pikepdf.String(f"{who}: C:/Users/jane.secret/Desktop/original.ai"),
            )
        )

    logo = pdf.make_stream(FORM_CONTENT)
    logo.Type = pikepdf.Name.XObject
    logo.Subtype = pikepdf.Name.Form
    logo.BBox = [0, 0, 40, 40]
    logo.Metadata = pdf.make_stream(FORM_XMP, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    logo.PieceInfo = piece_info("logo")
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Logo=logo))
    page.Contents = pdf.make_stream(PAGE_CONTENT)
    page.obj.Metadata = pdf.make_stream(
        PAGE_XMP, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML
    )
    page.obj.PieceInfo = piece_info("page")
    pdf.Root.PieceInfo = piece_info("catalogue")
    out = io.BytesIO()
    # Uncompressed, so that the secrets can be looked for in the bytes.
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def test_xmp_and_private_data_beyond_the_catalogue_are_gone_and_the_page_still_draws(case, buyer):
    original = _pdf_with_xmp_beyond_the_catalogue()
    secrets = (b"Page Secret-Author", b"Logo Secret-Designer", b"jane.secret", b"PieceInfo")
    for secret in secrets:
        assert secret in original
    item = evidence_add(dispute=case, actor=buyer, upload=upload("invoice.pdf", original))
    with default_storage.open(item.file.name, "rb") as stored:
        data = stored.read()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        # Nothing left anywhere, even compressed.
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                assert "/Metadata" not in obj
                assert "/PieceInfo" not in obj
            if isinstance(obj, pikepdf.Stream):
                for secret in secrets:
                    assert secret not in obj.read_bytes()
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        assert page.Contents.read_bytes() == PAGE_CONTENT
        assert page.Resources.XObject.Logo.read_bytes() == FORM_CONTENT
        assert page.Resources.XObject.Logo.Subtype == "/Form"
    for secret in secrets:
        assert secret not in data


def test_a_text_file_with_binary_after_the_first_8_kib_is_refused(case, buyer, local_media):
    text = b"The parcel arrived open.\n" * 400  # about 10 KB of plain text
    assert len(text) > 8192
    for tail in (b"\x7fELF\x02\x01\x01\x00\x00\x00", b"PK\x03\x04\x14\x00\xff\xfe", b"<script>"):
        with pytest.raises(FileTypeRefused, match="not plain text throughout"):
            evidence_add(dispute=case, actor=buyer, upload=upload("notes.txt", text + tail))
    assert Evidence.objects.count() == 0
    assert files_under(local_media) == []
    # Plain text to its end is kept, byte for byte.
    item = evidence_add(dispute=case, actor=buyer, upload=upload("notes.txt", text))
    with default_storage.open(item.file.name, "rb") as stored:
        assert stored.read() == text


# --- Content-Length over the limit ------------------------------------------


def _over_limit(settings) -> str:
    return str(settings.REQUEST_BODY_MAX_BYTES + 1)


MULTIPART = "multipart/form-data; boundary=xyz"
BODY = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nx\r\n--xyz--\r\n'


def _nothing_kept(case, local_media) -> None:
    assert Evidence.objects.count() == 0
    assert files_under(local_media) == []
    assert not DisputeEvent.objects.filter(dispute=case, kind="evidence_added").exists()


def test_a_page_upload_announcing_more_than_the_limit_gets_a_readable_413(
    case, buyer, local_media, settings
):
    # The forged header promises far more than the tiny body: reading the body
    # would fail (the test client refuses reads past what it holds).
    response = client_for(buyer).post(
        reverse("evidence:upload", args=[case.reference]),
        data=BODY,
        content_type=MULTIPART,
        CONTENT_LENGTH=_over_limit(settings),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "<h1" in page
    assert "too large" in page
    assert "200 MB" in page
    _nothing_kept(case, local_media)


def test_the_upload_widget_gets_the_413_as_its_short_error(case, buyer, local_media, settings):
    response = client_for(buyer).post(
        reverse("evidence:upload", args=[case.reference]),
        data=BODY,
        content_type=MULTIPART,
        CONTENT_LENGTH=_over_limit(settings),
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 413
    assert 'data-testid="upload-error"' in response.content.decode()
    assert "<h1" not in response.content.decode()
    _nothing_kept(case, local_media)


def test_an_api_upload_announcing_more_than_the_limit_gets_a_json_413(
    case, buyer, local_media, settings
):
    response = api_for(buyer).post(
        reverse("api:evidence-list", args=[case.reference]),
        data=BODY,
        content_type=MULTIPART,
        CONTENT_LENGTH=_over_limit(settings),
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "file_too_large"
    assert "before any of it was read" in body["detail"]
    _nothing_kept(case, local_media)


class _Untouchable(io.RawIOBase):
    """A request body that records any attempt to read it."""

    reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        _Untouchable.reads += 1
        raise AssertionError("the body was read")


def test_the_body_of_an_oversized_request_is_never_read(case, buyer, local_media, settings):
    """Straight through the WSGI handler, as a server calls it."""
    session = client_for(buyer).cookies[settings.SESSION_COOKIE_NAME].value
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": reverse("evidence:upload", args=[case.reference]),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}",
        "CONTENT_TYPE": MULTIPART,
        "CONTENT_LENGTH": _over_limit(settings),
        "wsgi.input": _Untouchable(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    _Untouchable.reads = 0
    statuses: list[str] = []
    # As Django's test client does: the handler's signals would close the
    # test's database connection (and its transaction) otherwise.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert [status.split()[0] for status in statuses] == ["413"]
    assert b"too large" in body
    assert _Untouchable.reads == 0
    _nothing_kept(case, local_media)


def test_an_upload_within_the_limit_is_not_stopped_by_the_guard(case, buyer, settings):
    settings.EVIDENCE_MAX_BYTES = {"photo": 4096, "video": 4096, "document": 4096}
    settings.REQUEST_BODY_MAX_BYTES = 4096 + settings.REQUEST_BODY_ALLOWANCE_BYTES
    response = client_for(buyer).post(
        reverse("evidence:upload", args=[case.reference]),
        {"file": upload("notes.txt", b"x" * 4096)},
    )
    assert response.status_code == 201
