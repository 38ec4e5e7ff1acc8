from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "home_municipality",
        "email_confirmed_at",
        "is_staff",
    ]
    list_filter = ["is_staff", "is_active", "language"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["home_municipality"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profil"), {"fields": ["first_name", "last_name", "bio", "photo", "language"]}),
        (_("Gemeinde"), {"fields": ["home_municipality", "reading_radius_km"]}),
        (
            _("Zugang"),
            {
                "fields": [
                    "is_active",
                    "email_confirmed_at",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Zeitpunkte"), {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
