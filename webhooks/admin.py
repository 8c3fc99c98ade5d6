from django import forms
from django.contrib import admin

from webhooks.events import EVENT_TYPES
from webhooks.models import DeliveryAttempt, Subscription
from webhooks.services import secret_new, url_problem


class SubscriptionForm(forms.ModelForm):
    """The admin's subscription form: the same checks as the API, as field messages."""

    class Meta:
        model = Subscription
        fields = ("url", "events", "description", "active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        problem = url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean_events(self):
        events = self.cleaned_data["events"]
        if not isinstance(events, list) or not events:
            raise forms.ValidationError('Give a list of event types, or ["*"] for all.')
        unknown = [name for name in events if name != "*" and name not in EVENT_TYPES]
        if unknown:
            raise forms.ValidationError(f"Unknown event type(s): {', '.join(map(str, unknown))}.")
        return events


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
    form = SubscriptionForm

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = secret_new()
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
