"""Videos are remuxed without their metadata before they are stored (SPEC section 4).

The streams are copied as they are (no re-encoding: the picture and sound the
buyer recorded are what the mediator sees); what goes is everything around
them: container tags (title, ©xyz location, dates, the phone's make and
model), chapters and their titles, attached pictures (a cover JPEG keeps its
own EXIF), subtitle tracks (dashcams and drones write GPS positions into
them), data tracks (timed metadata, chapter text tracks) and the muxer's own
version tag. The ffmpeg is the one in the imageio-ffmpeg wheel, as for the
poster frames.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from evidence.detection import EvidenceRefused

# Each accepted type is read by its own demuxer and written by its own muxer:
# ffmpeg never guesses the format from the content (a playlist, an image
# sequence) and the stored file is the container its name and type say.
_FORMATS = {
    "video/mp4": ("mov", "mp4"),
    "video/quicktime": ("mov", "mov"),
    "video/webm": ("matroska", "webm"),
}


def _source_path(upload: UploadedFile, folder: Path) -> str:
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        return str(temporary())
    # A small upload is held in memory: ffmpeg needs a file.
    path = folder / "source"
    upload.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out)
    upload.seek(0)
    return str(path)


@contextmanager
def clean_video(upload: UploadedFile, mime: str) -> Iterator[File]:
    """The video's picture and sound streams with no metadata, open for
    storage; its temporary files are gone when the block ends."""
    import imageio_ffmpeg

    demuxer, muxer = _FORMATS[mime]
    timeout = settings.EVIDENCE_VIDEO_REMUX_TIMEOUT_SECONDS
    with tempfile.TemporaryDirectory(prefix="evidence-video-") as tmp:
        folder = Path(tmp)
        target = folder / f"clean.{muxer}"
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-protocol_whitelist",
            "file",
            "-f",
            demuxer,
            "-i",
            _source_path(upload, folder),
            # Picture and sound, what a mediator needs to judge. Capital V is
            # video without attached pictures: a cover image is a JPEG with its
            # own EXIF (GPS, camera). Subtitle tracks go too (dashcams and
            # drones write the location into them), as do data tracks.
            *("-map", "0:V?", "-map", "0:a?"),
            *("-c", "copy", "-map_metadata", "-1", "-map_chapters", "-1"),
            # No "Lavf<version>" encoder tag either.
            *("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"),
            *("-f", muxer, "-y", str(target)),
        ]
        try:
            subprocess.run(command, check=True, timeout=timeout, capture_output=True)  # noqa: S603 - fixed arguments, no shell
        except subprocess.TimeoutExpired:
            raise EvidenceRefused(
                _(
                    "The video could not be processed within %(seconds)s seconds; try a shorter or smaller file."
                )
                % {"seconds": timeout},
                field="file",
            ) from None
        except subprocess.CalledProcessError:
            raise EvidenceRefused(
                _("The video is damaged or incomplete and cannot be read; export it again."),
                field="file",
            ) from None
        if not target.exists() or not target.stat().st_size:
            raise EvidenceRefused(
                _("The video is damaged or incomplete and cannot be read; export it again."),
                field="file",
            )
        with target.open("rb") as cleaned:
            yield File(cleaned, name=target.name)
