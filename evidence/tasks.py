"""Previews are made off the request path, after the upload commits."""

from __future__ import annotations

import logging
import subprocess
import tempfile
import uuid
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from evidence.images import thumbnail_jpeg
from evidence.models import Evidence, Kind, ThumbnailStatus

log = logging.getLogger(__name__)


@shared_task(name="evidence.make_thumbnail", bind=True, max_retries=3)
def make_thumbnail(self, evidence_id: int) -> str:  # type: ignore[no-untyped-def]
    """A JPEG thumbnail for a photo, a poster frame for a video."""
    evidence = Evidence.objects.filter(
        pk=evidence_id, thumbnail_status=ThumbnailStatus.PENDING
    ).first()
    if evidence is None:
        return "nothing to do"
    try:
        if evidence.kind == Kind.PHOTO:
            with default_storage.open(evidence.file.name or "", "rb") as source:
                data = thumbnail_jpeg(source, settings.EVIDENCE_THUMBNAIL_SIZE)
        elif evidence.kind == Kind.VIDEO:
            data = _poster(evidence)
        else:
            Evidence.objects.filter(pk=evidence_id).update(thumbnail_status=ThumbnailStatus.NONE)
            return "none"
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, ValueError):
        # The file itself cannot be previewed (ffmpeg or Pillow refuse it): no retry helps.
        Evidence.objects.filter(pk=evidence_id).update(thumbnail_status=ThumbnailStatus.FAILED)
        log.warning("no preview for evidence %s", evidence_id, exc_info=True)
        return "failed"
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            Evidence.objects.filter(pk=evidence_id).update(thumbnail_status=ThumbnailStatus.FAILED)
            log.exception("thumbnail of evidence %s failed", evidence_id)
            return "failed"
        raise self.retry(exc=exc, countdown=5) from exc
    name = default_storage.save(
        f"evidence/{evidence.dispute_id}/thumbs/{uuid.uuid4().hex}.jpg", ContentFile(data)
    )
    updated = Evidence.objects.filter(
        pk=evidence_id, thumbnail_status=ThumbnailStatus.PENDING
    ).update(thumbnail=name, thumbnail_status=ThumbnailStatus.READY)
    if not updated:  # another run finished first
        default_storage.delete(name)
    return "ready"


def _poster(evidence: Evidence) -> bytes:
    """A frame one second in, by the ffmpeg that ships in the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    size = settings.EVIDENCE_THUMBNAIL_SIZE
    with tempfile.TemporaryDirectory() as tmp:
        try:
            source = default_storage.path(evidence.file.name or "")
        except NotImplementedError:
            # Object storage: ffmpeg reads the short-lived signed link.
            source = default_storage.url(evidence.file.name or "")
        target = Path(tmp) / "poster.jpg"
        # A second in, past a black first frame; a shorter clip gets its first frame.
        for offset in ("1", "0"):
            subprocess.run(  # noqa: S603 - fixed arguments, no shell
                [
                    ffmpeg,
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-ss",
                    offset,
                    "-i",
                    source,
                    "-frames:v",
                    "1",
                    "-vf",
                    f"scale='min({size},iw)':-2",
                    "-y",
                    str(target),
                ],
                check=True,
                timeout=60,
                capture_output=True,
            )
            if target.exists() and target.stat().st_size:
                return target.read_bytes()
        raise RuntimeError("ffmpeg made no poster frame")


@shared_task(name="evidence.resume_thumbnails")
def resume_thumbnails() -> int:
    """Previews whose task never ran (a broker outage at upload time)."""
    from datetime import timedelta

    from django.utils import timezone

    stale = timezone.now() - timedelta(minutes=5)
    pending = list(
        Evidence.objects.filter(
            thumbnail_status=ThumbnailStatus.PENDING, created_at__lt=stale
        ).values_list("pk", flat=True)[:500]
    )
    for pk in pending:
        make_thumbnail.delay(pk)
    return len(pending)
