from django.contrib import admin

from .models import Concern, ConcernUpdate


class ConcernUpdateInline(admin.TabularInline):
    model = ConcernUpdate
    extra = 0
    readonly_fields = ["actor", "old_status", "new_status", "public_note", "created_at"]
    can_delete = False


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    """For operators: find a report. Read-only: the town hall works in the app, where the
    services check and notify. The private exchange is not shown here at all."""

    list_display = ["id", "municipality", "category", "status", "created_at", "published_at"]
    list_filter = ["status", "category"]
    search_fields = ["municipality__name", "address"]
    list_select_related = ["municipality"]
    inlines = [ConcernUpdateInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
