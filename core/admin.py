from django.contrib import admin

from core.models import ApiToken, DocumentCounter, TransitionLog, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Transactions are written by services only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "document_type",
        "document_number",
        "field",
        "from_value",
        "to_value",
        "actor",
        "reason",
    ]
    list_filter = ["document_type", "field"]
    search_fields = ["document_number", "reason", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "last_value"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False  # keys are issued from the profile page or create_api_token


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "seen_at"]
