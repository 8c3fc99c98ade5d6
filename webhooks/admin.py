from django.contrib import admin

from webhooks.models import DeliveryAttempt, Subscription


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ("attempted_at", "event", "status_code", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-attempted_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "description", "active", "created_at")
    list_filter = ("active",)
    fields = ("url", "events", "description", "active", "secret", "created_by", "created_at")
    readonly_fields = ("secret", "created_by", "created_at")
    inlines = [DeliveryAttemptInline]

    def save_model(self, request, obj, form, change):
        from webhooks.services import secret_new, url_problem

        problem = url_problem(obj.url)
        if problem:
            from django.core.exceptions import ValidationError

            raise ValidationError(problem)
        if not obj.secret:
            obj.secret = secret_new()
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
