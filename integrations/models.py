"""API tokens, idempotency keys and sellers' webhooks (SPEC section 9)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_token_key() -> str:
    return secrets.token_urlsafe(30)


def token_expiry() -> datetime:
    """When a token made now expires (``API_TOKEN_DAYS``); tokens that existed
    before expiry did were given this when the column was added."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A revocable API token; only its hash is stored, the key is shown once.

    It expires (SPEC 13.6), and a ``read`` token may only read: the API
    refuses it any method that writes (``integrations.api.authentication``).
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters, so that people can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), default=token_expiry)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.WRITE)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'token'})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` of one user: the request's fingerprint, then its answer.

    Kept ``IDEMPOTENCY_KEY_HOURS`` (24 h); a sweep deletes older ones.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


def new_webhook_secret() -> str:
    # Standard Webhooks: "whsec_" and a base64 key of 24 random bytes.
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookEndpoint(models.Model):
    """A URL of a seller's system that receives the events of the seller's disputes."""

    seller = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=64, default=new_webhook_secret)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One dispute event sent to one endpoint: its attempts, last answer and outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "disputes.DisputeEvent", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    # The Standard Webhooks message id: the same on every attempt and replay,
    # so receivers can drop duplicates.
    message_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_delivery_once_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class CarrierShipment(models.Model):
    """A dispute's return or replacement parcel as the carrier tracks it (issue 15
    item 6): what the carrier webhook and the carrier poll look up by tracking
    number, and the last status heard, so that a repeated status leaves no trace.

    Written by the ``ship_return`` and ``ship_replacement`` services; its
    ``delivered_at`` only by ``integrations.carriers.services``, under the
    dispute's row lock.
    """

    class Kind(models.TextChoices):
        RETURN = "return", _("Return")
        REPLACEMENT = "replacement", _("Replacement")

    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.CASCADE, related_name="carrier_shipments"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    carrier = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64)
    # The last status heard (``disputes.choices.CarrierStatus``), empty before any.
    status = models.CharField(max_length=16, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tracking_number"], name="carrier_shipment_tracking")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class CarrierWebhookMessage(models.Model):
    """A carrier webhook already acted on, by its ``webhook-id``: the same message
    sent again (a tracking service's retry, a replay within the tolerance) has no
    second effect."""

    message_id = models.CharField(max_length=128, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.message_id
