"""The case file streams evidence from S3 (moto's threaded S3 server) as well as from local files."""

from __future__ import annotations

import hashlib
import json

import pytest

from mediation.casefile.services import EXPORT_EVENT
from tests.evidence.test_s3 import BUCKET, s3, s3_server  # noqa: F401 - the S3 fixtures
from tests.mediation.casefile_cases import work_case
from tests.mediation.test_casefile import export, read, verify

pytestmark = pytest.mark.django_db


def test_a_case_file_of_evidence_in_s3_holds_the_stored_objects_and_verifies(
    s3,  # noqa: F811 - the fixture imported above
    order,
    buyer,
    seller,
    mediator,
    tmp_path,
):
    case = work_case(order, buyer=buyer, seller=seller, mediator=mediator)
    data = export(mediator, case)
    code, output = verify(data, tmp_path)
    assert code == 0, output
    files = read(data)
    manifest = json.loads(files["manifest.json"])
    assert len(manifest["evidence"]) == 3
    for item in manifest["evidence"]:
        stored = s3.get_object(Bucket=BUCKET, Key=_key(s3, item["recorded_sha256"], files))
        assert files[item["path"]] == stored["Body"].read()
    timeline = json.loads(files["timeline.json"])["events"]
    assert timeline[-1]["kind"] == EXPORT_EVENT


def _key(client, sha256, files):
    """The bucket's object whose bytes have this SHA-256 (names are random)."""
    for entry in client.list_objects_v2(Bucket=BUCKET)["Contents"]:
        body = client.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
        if hashlib.sha256(body).hexdigest() == sha256:
            return entry["Key"]
    raise AssertionError(f"no object with SHA-256 {sha256}")
