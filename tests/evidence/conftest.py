from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from disputes import services
from tests.conftest import open_dispute


@pytest.fixture
def case(order, buyer):
    """A submitted dispute (the seller can see it and add evidence)."""
    return services.dispute_submit(dispute=open_dispute(order), actor=buyer)


@pytest.fixture(autouse=True)
def local_media(settings, tmp_path):
    """Each test stores evidence in a media folder of its own (Django's test
    signals reset the default storage when MEDIA_ROOT changes)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def upload(
    name: str, data: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def temp_files() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).iterdir()}


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path, settings):
    """Temp files of this test go to a directory of its own, so that "nothing left
    behind" is not confused by other processes on the machine (browsers, other
    test runs) writing to /tmp at the same time."""
    private = tmp_path / "tmp"
    private.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(private)
    saved = tempfile.tempdir
    tempfile.tempdir = str(private)
    yield
    tempfile.tempdir = saved
