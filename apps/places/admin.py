from django.contrib import admin

from .models import InvitationCode, Municipality, MunicipalityRole


class MunicipalityRoleInline(admin.TabularInline):
    model = MunicipalityRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "official_key", "district", "signup_policy"]
    list_filter = ["signup_policy"]
    search_fields = ["name", "official_key", "district"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MunicipalityRoleInline]


@admin.register(MunicipalityRole)
class MunicipalityRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "municipality__name"]
    autocomplete_fields = ["user", "municipality"]


@admin.register(InvitationCode)
class InvitationCodeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "municipality",
        "note",
        "use_count",
        "max_uses",
        "expires_at",
        "revoked_at",
    ]
    search_fields = ["code", "municipality__name", "note"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["use_count", "created_by", "created_at"]
