from django.contrib import admin, messages

from core.models import ApiToken, DocumentCounter, OutboxMessage, TransitionLog, WorkerHeartbeat
from core.outbox import outbox_retry
from core.services import api_token_revoke


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
    readonly_fields = [
        "user",
        "prefix",
        "key_hash",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are issued from the profile page or create_api_token

    @admin.action(description="Revoke the selected tokens (for good)")
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at=None))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(request, f"{len(tokens)} token(s) revoked.", messages.SUCCESS)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "seen_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """What the outbox owes or has sent. A FAILED message (the receiver refused it every time)
    is sent again with the action "Retry"."""

    list_display = [
        "created_at",
        "topic",
        "key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "topic"]
    search_fields = ["key", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    def has_retry_permission(self, request):
        return request.user.has_perm("core.change_outboxmessage")

    @admin.action(description="Retry the selected failed messages", permissions=["retry"])
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=OutboxMessage.Status.FAILED))
        for message in failed:
            outbox_retry(message=message)
        self.message_user(
            request,
            f"{len(failed)} failed message(s) queued again; "
            f"{queryset.count() - len(failed)} not failed, left alone.",
            messages.SUCCESS,
        )
