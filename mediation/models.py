"""The mediation roster: who takes cases, and how many at most."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute


class MediatorProfile(models.Model):
    """A mediator on the roster. Only active profiles receive cases automatically.

    Capacity is a ceiling on open cases (under review, awaiting information,
    appealed): a mediator at capacity gets no new case from the automatic
    assignment; a lead may still hand them one by hand.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mediator_profile",
        primary_key=True,
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Receives new cases automatically.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), default=30, help_text=_("Most open cases at a time.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediator on the roster")
        verbose_name_plural = _("mediator roster")
        ordering = ["user_id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="mediator_capacity_gte_1"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class OverdueCase(Dispute):
    """The admin's list of reviews past their deadline (flagged by the sweep), for leads."""

    class Meta:
        proxy = True
        verbose_name = _("overdue case")
        verbose_name_plural = _("overdue cases")


class CannedReply(models.Model):
    """A reply of the team's library: mediators insert it, filled for the case, into a
    message or a request for information, and edit it before sending.

    Leads write the library (``mediation.canned_services``); a reply that is no
    longer wanted is retired, not deleted: who wrote what stays known, and a lead
    can put it back.
    """

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=4000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed"))
    created_at = models.DateTimeField(_("created"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = [Lower("title"), "id"]
        constraints = [
            # "Refund on its way" and "refund on its way" would be one reply twice
            # in the mediators' list.
            models.UniqueConstraint(
                Lower("title"),
                name="canned_reply_title_unique",
                violation_error_message=_("A canned reply with this title exists already."),
            ),
        ]

    def __str__(self) -> str:
        return self.title
