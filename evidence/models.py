from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute


class Kind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Document")


class EvidenceVisibility(models.TextChoices):
    PARTIES = "parties", _("Both parties and the mediator")
    MEDIATOR = "mediator", _("The mediator only")


class ThumbnailStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    NONE = "none", _("No preview")
    FAILED = "failed", _("Preview failed")


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random name: nothing of the uploader's file name reaches storage."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.dispute_id}/{uuid.uuid4().hex}.{extension}"


def thumbnail_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.dispute_id}/thumbs/{uuid.uuid4().hex}.jpg"


class Evidence(models.Model):
    """One file a party or a mediator submitted. Never edited or deleted afterwards;
    an administrator may hide it, with a reason, which is itself an event."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="evidence")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # buyer, seller or mediator: the uploader's part in the case (the per-party limit).
    uploader_role = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=evidence_path, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=255, blank=True)
    thumbnail_status = models.CharField(
        max_length=16, choices=ThumbnailStatus.choices, default=ThumbnailStatus.PENDING
    )
    description = models.CharField(max_length=500, blank=True)
    visibility = models.CharField(
        max_length=16, choices=EvidenceVisibility.choices, default=EvidenceVisibility.PARTIES
    )
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["dispute", "created_at"], name="evidence_dispute_created")]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_size_gt_0"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="evidence_kind_valid"),
            models.UniqueConstraint(fields=["file"], name="evidence_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
