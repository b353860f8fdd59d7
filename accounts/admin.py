from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from accounts import lockout
from accounts.models import SellerProfile, User
from accounts.password_forms import AdminPasswordChangeForm


class LockoutAwareAdminLoginForm(AdminAuthenticationForm):
    """The admin login is a password door too: a locked account gets the lock's
    message, the same as on the web login and the API (the backends refuse it
    either way, accounts/lockout.py)."""

    def clean(self) -> dict[str, Any]:
        login = self.cleaned_data.get("username")
        if login:
            try:
                lockout.check(login)
            except lockout.AccountLocked as exc:
                raise ValidationError(exc.message, code=exc.code) from None
        return super().clean()


admin.site.login_form = LockoutAwareAdminLoginForm
admin.site.password_change_form = AdminPasswordChangeForm


class SellerProfileInline(admin.StackedInline):
    model = SellerProfile
    can_delete = False
    extra = 0


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Administrators create mediators here; grant 'review_appeals' to make one senior."""

    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "name", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_active", "groups")
    search_fields = ("email", "name", "seller_profile__store_name")
    inlines = (SellerProfileInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("name", "role")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "role", "password1", "password2"),
            },
        ),
    )


@admin.register(SellerProfile)
class SellerProfileAdmin(admin.ModelAdmin):
    list_display = ("store_name", "user", "country", "created_at")
    search_fields = ("store_name", "user__email")
    list_select_related = ("user",)
