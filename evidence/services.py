"""Adding evidence: checked by content, stored under a random name, chained into the timeline."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from disputes.choices import TERMINAL_STATES, DisputeState, Visibility
from disputes.errors import InvalidInput, NotAllowedNow, NotYourCase, NotYours
from disputes.models import Dispute
from disputes.permissions import check_may_work, role_in
from disputes.records import seal, seal_values
from disputes.services.engine import append_event
from disputes.workflow import Role
from evidence.detection import (
    EvidenceRefused,
    FileTooLarge,
    check_name_agrees,
    clean_name,
    detect,
    refuse_binary_text,
    refuse_trailing_data,
)
from evidence.documents import clean_pdf
from evidence.images import clean_image
from evidence.models import Evidence, EvidenceVisibility, Kind, ThumbnailStatus
from evidence.videos import clean_video

HEAD_BYTES = 8192
CHUNK = 1024 * 1024


def _check_may_add(dispute: Dispute, actor: User) -> Role:
    role = role_in(dispute, actor)
    if role is None or role == Role.SYSTEM:
        raise NotYours(_("You have no part in this dispute."))
    if dispute.state in TERMINAL_STATES:
        raise NotAllowedNow(_("The case is closed; evidence can no longer be added."))
    if dispute.state == DisputeState.DRAFT and role != Role.BUYER:
        raise NotYours(_("You have no part in this dispute."))
    if role in (Role.MEDIATOR, Role.SENIOR):
        check_may_work(dispute, actor)
    return role


def may_add_evidence(dispute: Dispute, user: User) -> bool:
    """Whether the page offers "Submit evidence" to this viewer now."""
    try:
        _check_may_add(dispute, user)
    except (NotYours, NotAllowedNow, NotYourCase):
        return False
    return True


def _read_head(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _sha256(content: File) -> str:
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks(CHUNK):
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def evidence_add(
    *,
    dispute: Dispute,
    actor: User,
    upload: UploadedFile,
    description: str = "",
    visibility: str = EvidenceVisibility.PARTIES,
) -> Evidence:
    """Check ``upload`` by its content, store it privately and add it to the case.

    Refused files leave nothing behind: the checks run before anything is
    stored, and a stored file whose row cannot be written is deleted again.
    """
    if visibility not in EvidenceVisibility.values:
        raise InvalidInput(
            _("Share with both parties or with the mediator only."), field="visibility"
        )
    description = (description or "").strip()
    if len(description) > 500:
        raise InvalidInput(_("A description can have at most 500 characters."), field="description")
    if "\x00" in description or not _encodable(description):
        # PostgreSQL cannot store either; refused here, before anything is stored.
        raise InvalidInput(
            _("The description contains a NUL or invalid character; remove it and try again."),
            field="description",
        )
    name = clean_name(upload.name or "")
    if not upload.size:
        raise EvidenceRefused(_("The file is empty."), field="file")
    file_type = detect(_read_head(upload))
    check_name_agrees(name, file_type)
    limit = settings.EVIDENCE_MAX_BYTES[file_type.kind]
    if upload.size > limit:
        raise FileTooLarge(
            _("A %(kind)s may be at most %(limit)s MB; this file is %(size).1f MB.")
            % {
                "kind": file_type.kind,
                "limit": limit // (1024 * 1024),
                "size": upload.size / (1024 * 1024),
            },
            field="file",
        )
    if file_type.mime == "text/plain":
        refuse_binary_text(upload.chunks(CHUNK))
        upload.seek(0)
    role = _check_may_add(dispute, actor)

    if file_type.kind == Kind.VIDEO:
        # Remuxed to a temporary file first: the original, with its location
        # and titles, never reaches storage.
        with clean_video(upload, file_type.mime) as cleaned:
            return _store(
                dispute,
                actor,
                role,
                cleaned,
                name,
                file_type.kind,
                file_type.mime,
                file_type.extensions[0].lstrip("."),
                None,
                None,
                description,
                visibility,
            )

    width = height = None
    content: File
    if file_type.kind == Kind.PHOTO:
        data = upload.read()
        clean = clean_image(ContentFile(data), file_type.mime)  # a damaged image fails here
        refuse_trailing_data(file_type.mime, data)
        content, content_type, extension = (
            ContentFile(clean.data),
            clean.content_type,
            clean.extension,
        )
        width, height = clean.width, clean.height
    elif file_type.mime == "application/pdf":
        data = clean_pdf(upload)
        content, content_type = ContentFile(data), file_type.mime
        extension = file_type.extensions[0].lstrip(".")
    else:
        # Streamed: plain text is read in chunks from the upload's temporary file.
        content, content_type = upload, file_type.mime
        extension = file_type.extensions[0].lstrip(".")
    return _store(
        dispute,
        actor,
        role,
        content,
        name,
        file_type.kind,
        content_type,
        extension,
        width,
        height,
        description,
        visibility,
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _store(
    dispute: Dispute,
    actor: User,
    role: Role,
    content: File,
    name: str,
    kind: str,
    content_type: str,
    extension: str,
    width: int | None,
    height: int | None,
    description: str,
    visibility: str,
) -> Evidence:
    """Store what was cleaned and record it; its SHA-256 and size are those of
    the stored bytes (the original's are never kept)."""
    sha256, size = _sha256(content), content.size
    # Storage stays outside the transaction (ARCHITECTURE rule 2).
    stored = default_storage.save(f"evidence/{dispute.pk}/{uuid.uuid4().hex}.{extension}", content)
    try:
        evidence = _record(
            dispute,
            actor,
            role,
            stored,
            name,
            kind,
            content_type,
            size,
            sha256,
            width,
            height,
            description,
            visibility,
        )
    except BaseException:
        default_storage.delete(stored)
        raise
    transaction.on_commit(lambda: _enqueue_thumbnail(evidence.pk))
    return evidence


def _enqueue_thumbnail(evidence_id: int) -> None:
    from evidence.tasks import make_thumbnail

    try:
        make_thumbnail.delay(evidence_id)
    except Exception:
        logging.getLogger(__name__).warning(
            "could not enqueue thumbnail %s", evidence_id, exc_info=True
        )


def _record(
    dispute: Dispute,
    actor: User,
    role: Role,
    stored: str,
    name: str,
    kind: str,
    content_type: str,
    size: int,
    sha256: str,
    width: int | None,
    height: int | None,
    description: str,
    visibility: str,
) -> Evidence:
    created: list[Evidence] = []

    def write(locked: Dispute) -> None:
        # Under the dispute's row lock: the state may have moved, and two
        # uploads at once must not both slip under the limit.
        _check_may_add(locked, actor)
        count = Evidence.objects.filter(dispute=locked, uploader_role=role.value).count()
        if count >= settings.EVIDENCE_MAX_ITEMS_PER_PARTY:
            raise EvidenceRefused(
                _("Each side can add at most %(limit)s items to a dispute.")
                % {"limit": settings.EVIDENCE_MAX_ITEMS_PER_PARTY},
                field="file",
            )
        created.append(
            Evidence.objects.create(
                dispute=locked,
                uploader=actor,
                uploader_role=role.value,
                kind=kind,
                file=stored,
                original_name=name,
                content_type=content_type,
                size=size,
                sha256=sha256,
                width=width,
                height=height,
                description=description,
                visibility=visibility,
                thumbnail_status=ThumbnailStatus.PENDING
                if kind != Kind.DOCUMENT
                else ThumbnailStatus.NONE,
                created_at=timezone.now(),
            )
        )

    party = dispute.party_of(actor)
    event_visibility: str
    if visibility == EvidenceVisibility.PARTIES:
        event_visibility = Visibility.ALL
    else:
        # The other party must not learn of a mediator-only item either.
        event_visibility = party or Visibility.MEDIATOR
    append_event(
        dispute.pk,
        kind="evidence_added",
        actor=actor,
        before=write,
        visibility=event_visibility,
        details=lambda _locked: {
            "evidence": created[0].pk,
            "kind": kind,
            "name": name,
            "sha256": sha256,
            "size": size,
            "visibility": visibility,
        },
        sealed=lambda _locked: [seal(created[0])],
        notify_body=description,
    )
    return created[0]


def evidence_hide(*, evidence: Evidence, actor: User, reason: str) -> Evidence:
    """An administrator hides an item (it stays stored, and in the timeline, with the reason)."""
    reason = (reason or "").strip()
    if not actor.is_staff:
        raise NotYours(_("Only administrators can hide evidence."))
    if not reason:
        raise InvalidInput(_("Say why the item is hidden."), field="reason")

    hidden_at = timezone.now()

    def hide(locked: Dispute) -> None:
        Evidence.objects.filter(pk=evidence.pk).update(hidden_at=hidden_at, hidden_reason=reason)

    append_event(
        evidence.dispute_id,
        kind="evidence_hidden",
        actor=None,
        before=hide,
        details={"evidence": evidence.pk, "reason": reason, "by": actor.pk},
        sealed=[
            seal_values("evidence", evidence.pk, {"hidden_at": hidden_at, "hidden_reason": reason})
        ],
    )
    evidence.refresh_from_db()
    return evidence
