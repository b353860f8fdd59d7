"""The S3 path, against moto's threaded S3 server: a real HTTP S3 API on 127.0.0.1."""

from __future__ import annotations

import hashlib
import socket
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from disputes_site.error_status import status_for
from evidence.detection import EvidenceRefused
from evidence.models import Evidence
from evidence.services import evidence_add
from tests.conftest import client_for
from tests.evidence.conftest import temp_files, upload
from tests.evidence.corpus import hostile, pdf, png

pytestmark = pytest.mark.django_db
BUCKET = "disputes-evidence-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    """Evidence stored in a private bucket of the S3 server, as production does it."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "default_acl": "private",
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 300,
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _objects(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.parametrize("case_index", range(13))
def test_hostile_file_is_refused_with_nothing_in_the_bucket(case_index, s3, case, buyer, settings):
    label, name, data, status, words = hostile(settings)[case_index]
    temps_before = temp_files()
    file = upload(name, data)
    file._name = name  # as a non-browser client would send it
    with pytest.raises(EvidenceRefused) as refused:
        evidence_add(dispute=case, actor=buyer, upload=file)
    assert (status_for(refused.value), words in refused.value.message) == (status, True), label
    assert _objects(s3) == []
    assert Evidence.objects.count() == 0
    assert temp_files() - temps_before == set()


def test_accepted_evidence_lands_in_the_private_bucket_and_downloads_by_a_short_signed_link(
    s3, case, buyer
):
    item = evidence_add(dispute=case, actor=buyer, upload=upload("invoice.pdf", pdf()))
    assert _objects(s3) == [item.file.name]
    # Private: the object cannot be read without a signature.
    acl = s3.get_object_acl(Bucket=BUCKET, Key=item.file.name)
    assert all(grant["Grantee"].get("URI") is None for grant in acl["Grants"])
    response = client_for(buyer).get(reverse("evidence:download", args=[case.reference, item.pk]))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.url).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    assert response["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(response.url) as served:  # noqa: S310 - the local S3 server
        assert hashlib.sha256(served.read()).hexdigest() == item.sha256
        assert served.headers["Content-Disposition"].startswith(
            'attachment; filename="invoice.pdf"'
        )


def test_a_second_upload_never_overwrites_the_first(s3, case, buyer):
    first = evidence_add(dispute=case, actor=buyer, upload=upload("a.png", png()))
    second = evidence_add(dispute=case, actor=buyer, upload=upload("a.png", png(40, 40)))
    assert first.file.name != second.file.name
    assert sorted(_objects(s3)) == sorted([first.file.name, second.file.name])
