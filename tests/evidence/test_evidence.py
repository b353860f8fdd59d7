"""Accepted evidence: re-encoded without metadata, hashed, previewed, in the timeline;
downloads only for those who may see it, with safe headers."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from disputes import services
from disputes.events import verify_all
from disputes.models import DisputeEvent
from evidence.detection import EvidenceRefused
from evidence.models import Evidence
from evidence.services import evidence_add, evidence_hide
from tests.conftest import client_for
from tests.evidence.conftest import files_under, upload
from tests.evidence.corpus import jpeg, pdf, png, sound_only_mp4

pytestmark = pytest.mark.django_db


def test_a_12_megapixel_jpeg_with_gps_comes_back_clean(
    case, buyer, django_capture_on_commit_callbacks
):
    original = jpeg(4000, 3000, gps=True)
    assert b"PhoneMaker" in original
    with django_capture_on_commit_callbacks(execute=True):
        item = evidence_add(
            dispute=case,
            actor=buyer,
            upload=upload("IMG_0042.JPG", original),
            description="Crushed corner",
        )
    item.refresh_from_db()
    with default_storage.open(item.file.name, "rb") as stored_file:
        stored = stored_file.read()
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert b"PhoneMaker" not in stored
    assert "icc_profile" not in image.info
    # The orientation (rotate 90) was applied to the pixels, then dropped.
    assert image.size == (3000, 4000) == (item.width, item.height)
    assert item.sha256 == hashlib.sha256(stored).hexdigest()
    assert item.size == len(stored)
    assert (item.kind, item.content_type, item.original_name) == (
        "photo",
        "image/jpeg",
        "IMG_0042.JPG",
    )
    # The thumbnail was made by the task after commit.
    assert item.thumbnail_status == "ready"
    with default_storage.open(item.thumbnail.name, "rb") as thumb:
        assert max(Image.open(thumb).size) == 480
    # The stored name is random: nothing of the uploader's name reaches storage.
    assert "IMG_0042" not in item.file.name


def test_evidence_is_in_the_timeline_and_the_chain_still_verifies(case, seller):
    item = evidence_add(dispute=case, actor=seller, upload=upload("invoice.pdf", pdf()))
    event = DisputeEvent.objects.get(dispute=case, kind="evidence_added")
    assert event.details["evidence"] == item.pk
    assert event.details["sha256"] == item.sha256
    assert list(verify_all()) == []


def test_a_video_and_a_pdf_are_stored_cleaned_and_fingerprinted_as_stored(case, buyer):
    from evidence.demo import unboxing_video

    source = unboxing_video()
    assert source is not None, "the imageio-ffmpeg wheel's ffmpeg runs here"
    video = evidence_add(dispute=case, actor=buyer, upload=upload("unboxing.mp4", source))
    document = evidence_add(dispute=case, actor=buyer, upload=upload("invoice.pdf", pdf()))
    assert (video.kind, video.content_type) == ("video", "video/mp4")
    assert (document.kind, document.content_type) == ("document", "application/pdf")
    # Remuxed and rewritten without metadata (tests/security): the hash is the stored file's.
    for item in (video, document):
        with default_storage.open(item.file.name, "rb") as stored:
            data = stored.read()
        assert hashlib.sha256(data).hexdigest() == item.sha256
        assert len(data) == item.size


def test_each_side_has_a_limit(case, buyer, seller, settings, local_media):
    settings.EVIDENCE_MAX_ITEMS_PER_PARTY = 2
    for n in range(2):
        evidence_add(dispute=case, actor=buyer, upload=upload(f"p{n}.png", png()))
    with pytest.raises(EvidenceRefused, match="at most 2 items"):
        evidence_add(dispute=case, actor=buyer, upload=upload("p3.png", png()))
    # The refused one was stored first, then removed again.
    assert len(files_under(local_media)) == 2
    # The seller's own limit is untouched.
    evidence_add(dispute=case, actor=seller, upload=upload("s.png", png()))


def test_no_evidence_on_a_closed_case_nor_from_strangers(case, buyer, other_buyer):
    from disputes.errors import NotAllowedNow, NotYours

    with pytest.raises(NotYours):
        evidence_add(dispute=case, actor=other_buyer, upload=upload("p.png", png()))
    services.dispute_cancel(dispute=case, actor=buyer)
    case.refresh_from_db()
    with pytest.raises(NotAllowedNow):
        evidence_add(dispute=case, actor=buyer, upload=upload("p.png", png()))


@pytest.fixture
def items(case, buyer, seller):
    shared = evidence_add(dispute=case, actor=buyer, upload=upload("shared.png", png()))
    private = evidence_add(
        dispute=case, actor=buyer, upload=upload("bank statement.pdf", pdf()), visibility="mediator"
    )
    return {"parties": shared, "mediator": private}


def _escalated(case, buyer, seller):
    d = services.dispute_reject_claim(dispute=case, actor=seller)
    return services.dispute_escalate(
        dispute=d, actor=buyer, justification="We cannot agree on this one."
    )


MATRIX = {
    # viewer: (parties item, mediator-only item)
    "buyer": (200, 200),  # the uploader sees their own private item
    "seller": (200, 404),  # the other party never sees it
    "other_buyer": (404, 404),
    "other_seller": (404, 404),
    "mediator": (200, 200),
    "anonymous": (302, 302),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_download_permission_matrix(who, request, items, case, buyer, seller):
    _escalated(case, buyer, seller)  # so that mediators see the case
    user = None if who == "anonymous" else request.getfixturevalue(who)
    client = client_for(user)
    for position, visibility in enumerate(("parties", "mediator")):
        item = items[visibility]
        response = client.get(reverse("evidence:download", args=[case.reference, item.pk]))
        assert response.status_code == MATRIX[who][position], (who, visibility)


def test_download_headers(items, case, buyer):
    response = client_for(buyer).get(
        reverse("evidence:download", args=[case.reference, items["mediator"].pk])
    )
    assert response["Content-Disposition"] == (
        "attachment; filename=\"bank statement.pdf\"; filename*=UTF-8''bank%20statement.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    served = b"".join(response.streaming_content)
    assert served.startswith(b"%PDF-")
    assert hashlib.sha256(served).hexdigest() == items["mediator"].sha256


def test_a_non_ascii_name_is_encoded_by_rfc_6266(case, buyer):
    item = evidence_add(
        dispute=case, actor=buyer, upload=upload("Rechnung Müller «final».pdf", pdf())
    )
    response = client_for(buyer).get(reverse("evidence:download", args=[case.reference, item.pk]))
    assert response["Content-Disposition"] == (
        'attachment; filename="Rechnung M_ller _final_.pdf"; '
        "filename*=UTF-8''Rechnung%20M%C3%BCller%20%C2%ABfinal%C2%BB.pdf"
    )


def test_hidden_items_leave_the_parties_gallery_with_a_reason_in_the_timeline(
    items, case, buyer, seller
):
    from accounts.models import User

    admin = User.objects.create_superuser("root@example.com", "pw-unused-12345")
    evidence_hide(evidence=items["parties"], actor=admin, reason="Shows a third party's address")
    response = client_for(seller).get(
        reverse("evidence:download", args=[case.reference, items["parties"].pk])
    )
    assert response.status_code == 404
    event = DisputeEvent.objects.get(dispute=case, kind="evidence_hidden")
    assert event.details["reason"] == "Shows a third party's address"
    assert Evidence.objects.filter(pk=items["parties"].pk).exists()  # kept, not deleted
    assert list(verify_all()) == []


def test_the_page_upload_answers_the_gallery_item_or_the_error(case, buyer):
    client = client_for(buyer)
    url = reverse("evidence:upload", args=[case.reference])
    good = client.post(
        url, {"file": upload("box.png", png()), "description": "The box", "visibility": "parties"}
    )
    assert good.status_code == 201
    assert 'data-testid="evidence-item"' in good.content.decode()
    bad = client.post(url, {"file": upload("box.png", b"<html><script>alert(1)</script></html>")})
    assert bad.status_code == 415
    assert "not a photo, video or document" in bad.content.decode()
    page = client.get(reverse("disputes:detail", args=[case.reference])).content.decode()
    assert page.count('data-testid="evidence-item"') == 1
    assert "Submit evidence" in page


def test_the_admin_hides_with_a_reason_and_never_deletes(items, case, client):
    from accounts.models import User

    admin = User.objects.create_superuser("root@example.com", "pw-unused-12345")
    client.force_login(admin)
    url = reverse("admin:evidence_evidence_changelist")
    ask = client.post(url, {"action": "hide_evidence", "_selected_action": [items["parties"].pk]})
    assert "Hide evidence" in ask.content.decode()
    client.post(
        url,
        {
            "action": "hide_evidence",
            "_selected_action": [items["parties"].pk],
            "reason": "Personal data",
        },
    )
    items["parties"].refresh_from_db()
    assert items["parties"].hidden_reason == "Personal data"
    delete = client.get(reverse("admin:evidence_evidence_delete", args=[items["parties"].pk]))
    assert delete.status_code == 403


def test_a_video_without_a_picture_gets_no_preview_but_stays(
    case, buyer, django_capture_on_commit_callbacks
):
    # Sound only: a valid MP4 (a video ffmpeg cannot read at all is refused at upload).
    with django_capture_on_commit_callbacks(execute=True):
        item = evidence_add(dispute=case, actor=buyer, upload=upload("clip.mp4", sound_only_mp4()))
    item.refresh_from_db()
    assert item.thumbnail_status == "failed"
    assert Evidence.objects.filter(pk=item.pk).exists()


def test_a_real_video_gets_a_poster_frame(case, buyer, django_capture_on_commit_callbacks):
    from evidence.demo import unboxing_video

    video = unboxing_video()
    assert video is not None, "the imageio-ffmpeg wheel's ffmpeg runs here"
    with django_capture_on_commit_callbacks(execute=True):
        item = evidence_add(dispute=case, actor=buyer, upload=upload("unboxing.mp4", video))
    item.refresh_from_db()
    assert item.thumbnail_status == "ready"
    with default_storage.open(item.thumbnail.name, "rb") as poster:
        assert Image.open(poster).format == "JPEG"


def test_heic_photos_are_accepted_and_become_jpeg(case, buyer):
    import pillow_heif

    heif = pillow_heif.from_pillow(Image.new("RGB", (64, 48), (10, 200, 10)))
    out = io.BytesIO()
    heif.save(out, quality=80)
    item = evidence_add(dispute=case, actor=buyer, upload=upload("IMG_0001.HEIC", out.getvalue()))
    assert (item.kind, item.content_type, item.width) == ("photo", "image/jpeg", 64)
