"""Redaction (SPEC 13.4, docs/audit.md): messages and notes are never deleted; an
administrator may remove a text for a reason, and the record keeps who, why and the
text's hash."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from disputes import services
from disputes.errors import Conflict, InvalidInput, NotYours
from disputes.models import DisputeEvent, MediatorNote, Message
from disputes.records import digest
from disputes.services.redaction import redact
from tests.api.conftest import api_for
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXT = "My card number is 4111 1111 1111 1111, call me on 555-0100."
REASON = "Personal data: erasure request #4411 of the buyer."


@pytest.fixture
def staff(db):
    return UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def message(negotiated, buyer):
    return services.message_post(dispute=negotiated, actor=buyer, body=TEXT)


def test_a_redacted_message_keeps_who_when_and_the_hash_of_what_it_said(message, staff, buyer):
    redact(record=message, actor=staff, reason=REASON)

    message.refresh_from_db()
    assert message.body == ""
    assert message.redacted_at is not None
    assert message.author_id == buyer.pk
    event = DisputeEvent.objects.filter(dispute=message.dispute).latest("seq")
    assert event.kind == "redacted"
    assert event.details["reason"] == REASON
    assert event.details["by"] == staff.pk
    # The hash of the text, as the message's own event sealed it.
    assert event.details["body_sha256"] == digest(TEXT)
    sealed_at_post = DisputeEvent.objects.get(dispute=message.dispute, kind="message", seq=6)
    assert sealed_at_post.details["sealed"][0]["fields"]["body"] == digest(TEXT)
    call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_parties_see_that_a_message_was_removed(message, staff, buyer, seller):
    redact(record=message, actor=staff, reason=REASON)
    page = client_for(seller).get(
        reverse("disputes:detail", kwargs={"reference": message.dispute.reference})
    )
    html = page.content.decode()
    assert "This message was removed by the platform on" in html
    assert "4111" not in html
    listed = api_for(buyer).get(f"/api/v1/disputes/{message.dispute.reference}/messages/")
    mine = next(m for m in listed.json()["results"] if m["id"] == message.pk)
    assert mine["body"] == ""
    assert mine["redacted_at"] is not None


def test_only_staff_redact_with_a_reason_and_only_once(message, staff, seller):
    with pytest.raises(NotYours):
        redact(record=message, actor=seller, reason=REASON)
    with pytest.raises(InvalidInput) as short:
        redact(record=message, actor=staff, reason="GDPR")
    assert short.value.field == "reason"
    redact(record=message, actor=staff, reason=REASON)
    with pytest.raises(Conflict):
        redact(record=message, actor=staff, reason=REASON)
    assert DisputeEvent.objects.filter(dispute=message.dispute, kind="redacted").count() == 1


def test_a_note_is_redacted_privately(negotiated, staff, mediator):
    negotiated = services.dispute_escalate(
        dispute=negotiated, actor=negotiated.buyer, justification="No agreement in sight."
    )
    type(negotiated).objects.filter(pk=negotiated.pk).update(assigned_mediator=mediator)
    note = services.note_add(dispute=negotiated, actor=mediator, body="Buyer's phone: 555-0100")
    redact(record=note, actor=staff, reason=REASON)
    note = MediatorNote.objects.get(pk=note.pk)
    assert note.body == ""
    event = DisputeEvent.objects.filter(dispute=negotiated).latest("seq")
    assert (event.kind, event.visibility) == ("redacted", "mediator")
    call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_outside_a_redaction_the_database_refuses_to_change_or_delete_a_message(message):
    with pytest.raises(IntegrityError, match="it can only be redacted"), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(body="Never mind.")
    with pytest.raises(IntegrityError, match="refused"), transaction.atomic():
        Message.objects.filter(pk=message.pk).delete()
    assert Message.objects.get(pk=message.pk).body == TEXT


def test_the_admin_redacts_and_never_deletes(message, staff):
    admin = client_for(staff)
    changelist = reverse("admin:disputes_message_changelist")
    assert admin.get(reverse("admin:disputes_message_delete", args=[message.pk])).status_code == 403
    asked = admin.post(changelist, {"action": "redact_texts", "_selected_action": [message.pk]})
    assert asked.status_code == 200
    assert "Redact" in asked.content.decode()
    # A reason too short: the form again, with the message next to the field.
    refused = admin.post(
        changelist,
        {"action": "redact_texts", "_selected_action": [message.pk], "reason": "GDPR"},
        follow=True,
    )
    assert "at least 10 characters" in refused.content.decode()
    assert Message.objects.get(pk=message.pk).body == TEXT
    done = admin.post(
        changelist,
        {"action": "redact_texts", "_selected_action": [message.pk], "reason": REASON},
        follow=True,
    )
    assert "1 text(s) redacted." in done.content.decode()
    assert Message.objects.get(pk=message.pk).body == ""
