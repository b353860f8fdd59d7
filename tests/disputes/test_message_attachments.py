"""Issue 15 item 2: a message's attachments become evidence of the dispute (every rule of
SPEC section 4), and references to evidence are links to the gallery."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes.errors import DisputeError
from disputes.models import Message
from disputes.services.attachments import message_post_with_evidence
from evidence.models import Evidence
from evidence.services import evidence_add
from tests.conftest import client_for
from tests.evidence.corpus import jpeg, png

pytestmark = pytest.mark.django_db


def _photo(name="cracked.jpg"):
    return SimpleUploadedFile(name, jpeg(200, 150), content_type="image/jpeg")


def test_an_attachment_is_evidence_in_the_gallery_and_the_message_links_it(
    submitted, buyer, seller
):
    message = message_post_with_evidence(
        dispute=submitted, actor=buyer, body="Here is the box.", attachments=[_photo()]
    )
    item = Evidence.objects.get(dispute=submitted)
    assert item.original_name == "cracked.jpg"
    assert len(item.sha256) == 64
    assert message.body == f"Here is the box.\n\nAttached: evidence #{item.pk} (cracked.jpg)."
    # Both parties: in the gallery, and a link from the message to it.
    for person in (buyer, seller):
        page = client_for(person).get(reverse("disputes:detail", args=[submitted.reference]))
        html = page.content.decode()
        assert f'id="evidence-{item.pk}"' in html
        assert (
            f'<a href="#evidence-{item.pk}" data-testid="evidence-ref">evidence #{item.pk}</a>'
            in html
        )


def test_a_reference_to_an_item_the_author_sees_is_a_link(submitted, buyer, seller):
    item = evidence_add(
        dispute=submitted,
        actor=seller,
        upload=SimpleUploadedFile("label.png", png(40, 30), content_type="image/png"),
    )
    message = message_post_with_evidence(
        dispute=submitted, actor=buyer, body="Look at the label.", evidence_refs=[item.pk]
    )
    assert message.body.endswith(f"Refers to evidence #{item.pk} (label.png).")


def test_a_refused_file_loses_nothing_typed_and_leaves_nothing_stored(
    submitted, buyer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 2000)
    response = client_for(buyer).post(
        reverse("disputes:message", args=[submitted.reference]),
        {
            "message-body": "The invoice and a photo.",
            "message-attachments": [_photo(), fake],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The invoice and a photo." in html  # kept
    assert "id_message-attachments_error" in html  # said next to the file input
    assert not Message.objects.filter(dispute=submitted).exists()
    assert not Evidence.objects.filter(dispute=submitted).exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_references_to_evidence_of_another_case_are_refused(submitted, buyer):
    from disputes import services
    from tests.conftest import open_dispute
    from tests.factories import full_order

    elsewhere = full_order(buyer=buyer)
    theirs = services.dispute_submit(dispute=open_dispute(elsewhere), actor=buyer)
    other = evidence_add(
        dispute=theirs,
        actor=theirs.seller,
        upload=SimpleUploadedFile("theirs.png", png(40, 30), content_type="image/png"),
    )
    with pytest.raises(DisputeError, match="Refer only to evidence of this dispute"):
        message_post_with_evidence(
            dispute=submitted, actor=buyer, body="See this.", evidence_refs=[other.pk]
        )
    assert not Message.objects.filter(dispute=submitted).exists()


def test_a_link_is_only_words_of_the_message(submitted, buyer):
    message_post_with_evidence(
        dispute=submitted, actor=buyer, body='<script>x</script> evidence #12 "quoted"'
    )
    html = client_for(buyer).get(reverse("disputes:detail", args=[submitted.reference]))
    text = html.content.decode()
    assert "<script>x</script>" not in text
    assert '<a href="#evidence-12" data-testid="evidence-ref">evidence #12</a>' in text


def test_the_api_posts_a_message_with_an_attachment_and_a_reference(submitted, buyer, seller):
    from tests.api.conftest import api_for

    item = evidence_add(
        dispute=submitted,
        actor=seller,
        upload=SimpleUploadedFile("label.png", png(40, 30), content_type="image/png"),
    )
    response = api_for(buyer).post(
        f"/api/v1/disputes/{submitted.pk}/messages/",
        {
            "body": "The box, and their label.",
            "attachments": [_photo()],
            "evidence_refs": [item.pk],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    attached = Evidence.objects.get(dispute=submitted, original_name="cracked.jpg")
    assert response.json()["body"] == (
        f"The box, and their label.\n\nAttached: evidence #{attached.pk} (cracked.jpg)."
        f"\n\nRefers to evidence #{item.pk} (label.png)."
    )
    refused = api_for(buyer).post(
        f"/api/v1/disputes/{submitted.pk}/messages/",
        {"body": "Again.", "evidence_refs": [999999]},
        format="multipart",
    )
    assert refused.status_code == 400
    assert "evidence_refs" in refused.json()["errors"]


def test_each_thread_counts_its_new_messages_until_the_case_is_opened(submitted, buyer, seller):
    from disputes import services
    from disputes.models import Notification

    services.message_post(dispute=submitted, actor=seller, body="We will look into it.")
    services.message_post(dispute=submitted, actor=seller, body="The carrier is asked too.")
    listing = client_for(buyer).get(reverse("disputes:list")).content.decode()
    assert "2 new messages" in listing
    client_for(buyer).get(reverse("disputes:detail", args=[submitted.reference]))
    assert "new message" not in client_for(buyer).get(reverse("disputes:list")).content.decode()
    assert not Notification.objects.filter(
        recipient=buyer, dispute=submitted, category="messages", read_at__isnull=True
    ).exists()
    # Other news (not messages) stays in the bell until read there.
    assert Notification.objects.filter(recipient=seller, read_at__isnull=True).exists()
