"""A message with attachments and references to evidence (SPEC 13.3, issue 15 item 2).

An attachment is not a second kind of file: it becomes an evidence item of the
dispute through ``evidence_add`` (every rule of section 4: the content checked,
metadata stripped, stored privately, hashed, in the gallery) and the message says
which ("Attached: evidence #31 (photo.jpg)."). A reference to an item already in
the gallery is written the same way ("Refers to evidence #12 (box.jpg)."). The
words are part of the message's body, so they are sealed in its event like the
rest of it; the pages turn each "evidence #N" the reader may see into a link to
the gallery (``disputes.templatetags.evidence_links``).

All or nothing: the text is checked before any file is stored, and a refused
file undoes the message and the files stored before it (rows rolled back, files
deleted), so that the form comes back with what was typed and nothing is left
behind in storage.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from disputes.choices import Visibility
from disputes.errors import InvalidInput
from disputes.models import Dispute, Message
from disputes.services.conversation import MAX_MESSAGE, message_post
from evidence.models import Evidence
from evidence.selectors import evidence_for

MAX_ATTACHMENTS = 5


def message_post_with_evidence(
    *,
    dispute: Dispute,
    actor: User,
    body: str,
    visibility: str = Visibility.ALL,
    attachments: Sequence[UploadedFile] = (),
    evidence_refs: Sequence[int] = (),
) -> Message:
    from evidence.services import evidence_add

    text = (body or "").strip()
    if not text:
        raise InvalidInput("Write a message first.", field="body")
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"Attach at most {MAX_ATTACHMENTS} files to a message; add more to the gallery.",
            field="attachments",
        )
    if attachments and visibility != Visibility.ALL:
        raise InvalidInput(
            "Attachments become evidence both parties see: send the message to both parties.",
            field="attachments",
        )
    referred = _referred(dispute, actor, evidence_refs)
    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            for upload in attachments:
                stored.append(
                    evidence_add(
                        dispute=dispute,
                        actor=actor,
                        upload=upload,
                        description="Attached to a message",
                    )
                )
            words = [text]
            if stored:
                words.append("Attached: " + _listed(stored) + ".")
            if referred:
                words.append("Refers to " + _listed(referred) + ".")
            full = "\n\n".join(words)
            if len(full) > MAX_MESSAGE:
                raise InvalidInput(
                    f"A message can have at most {MAX_MESSAGE} characters.", field="body"
                )
            return message_post(dispute=dispute, actor=actor, body=full, visibility=visibility)
    except Exception:
        # The rows went with the rollback; the files stored before the refusal go too.
        for item in stored:
            item.file.delete(save=False)
            if item.thumbnail:
                item.thumbnail.delete(save=False)
        raise


def _referred(dispute: Dispute, actor: User, ids: Sequence[int]) -> list[Evidence]:
    """The items referred to, each one the author may see in this dispute's gallery."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    visible = {item.pk: item for item in evidence_for(actor, dispute).filter(pk__in=wanted)}
    unknown = [i for i in wanted if i not in visible]
    if unknown:
        raise InvalidInput(
            "Refer only to evidence of this dispute that you can see.", field="evidence_refs"
        )
    return [visible[i] for i in wanted]


def _listed(items: Sequence[Evidence]) -> str:
    return ", ".join(f"evidence #{item.pk} ({item.original_name})" for item in items)
