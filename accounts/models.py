from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    MEDIATOR = "mediator", _("Mediator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        # Administrators work the platform side, so they are mediators by role.
        extra.setdefault("role", Role.MEDIATOR)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: logs in with an email address, has exactly one role."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.BUYER)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("review_appeals", "Can decide appeals (senior mediator)"),
            ("lead_mediation", "Can lead the mediation team (roster, reassignment, dashboard)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER

    @property
    def is_seller(self) -> bool:
        return self.role == Role.SELLER

    @property
    def is_mediator(self) -> bool:
        return self.role == Role.MEDIATOR

    @property
    def is_senior_mediator(self) -> bool:
        return self.is_mediator and self.has_perm("accounts.review_appeals")

    @property
    def is_mediation_lead(self) -> bool:
        # Leads run the roster, reassign cases and get the overdue alerts;
        # superusers (the operators) always can.
        return self.is_superuser or (self.is_mediator and self.has_perm("accounts.lead_mediation"))


class SellerProfile(models.Model):
    """The store a seller trades as; buyers see its name and country."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="seller_profile", primary_key=True
    )
    store_name = models.CharField(_("store name"), max_length=120)
    country = CountryField(_("country"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seller profile")

    def __str__(self) -> str:
        return self.store_name
