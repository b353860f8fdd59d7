"""The hostile corpus of issue 4 against local storage: refused with the right code
and message, and nothing left behind (no stored file, no row, no temp file)."""

from __future__ import annotations

import pytest

from disputes.models import DisputeEvent
from disputes_site.error_status import status_for
from evidence.detection import EvidenceRefused
from evidence.models import Evidence
from evidence.services import evidence_add
from tests.evidence.conftest import files_under, temp_files, upload
from tests.evidence.corpus import hostile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "case_index", range(13), ids=[c[0] for c in hostile(__import__("django.conf").conf.settings)]
)
def test_hostile_file_is_refused_and_leaves_nothing(case_index, case, buyer, local_media, settings):
    _label, name, data, status, words = hostile(settings)[case_index]
    events_before = DisputeEvent.objects.filter(dispute=case).count()
    temps_before = temp_files()
    file = upload(name, data)
    # Django's multipart parser already strips a path from a name before any view
    # sees it; the service must refuse one all the same (other callers, the API).
    file._name = name
    with pytest.raises(EvidenceRefused) as refused:
        evidence_add(dispute=case, actor=buyer, upload=file)
    assert status_for(refused.value) == status, refused.value.message
    assert words in refused.value.message
    assert refused.value.field == "file"
    assert Evidence.objects.count() == 0
    assert files_under(local_media) == []
    assert DisputeEvent.objects.filter(dispute=case).count() == events_before
    assert temp_files() - temps_before == set()
