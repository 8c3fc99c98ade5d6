from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers

from core.exceptions import FieldErrors
from core.forms import PlainTextField
from webhooks.addresses import UrlRefused, destination
from webhooks.events import EVENT_TYPES
from webhooks.models import DeliveryAttempt, Subscription
from webhooks.services import event_permissions_missing, secret_new, subscription_secret_rotate

SECRET_SESSION_KEY = "webhooks_secret_to_show"


class SubscriptionForm(forms.ModelForm):
    """The admin's subscription form: the same checks as the API, as field messages."""

    # The URL rules are the API's (webhooks.addresses), not Django's URL validator.
    url = forms.CharField(label="URL", max_length=500)
    description = PlainTextField(max_length=200, required=False)

    class Meta:
        model = Subscription
        fields = ("url", "events", "description", "active")

    def clean_url(self):
        try:
            target = destination(
                self.cleaned_data["url"], allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_URLS
            )
        except UrlRefused as refused:
            raise forms.ValidationError(str(refused)) from refused
        return target.url  # as it is sent, as the API stores it

    def clean_events(self):
        events = self.cleaned_data["events"]
        if not isinstance(events, list) or not events:
            raise forms.ValidationError('Give a list of event types, or ["*"] for all.')
        unknown = [name for name in events if name != "*" and name not in EVENT_TYPES]
        if unknown:
            raise forms.ValidationError(f"Unknown event type(s): {', '.join(map(str, unknown))}.")
        missing = event_permissions_missing(self.user, events)
        if missing:
            raise forms.ValidationError(
                f"Your roles do not allow these events (needs {', '.join(missing)}): an event "
                "carries its document's data."
            )
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
    """Subscriptions; the signing secret is shown once — on the page after adding one, or after
    rotating it ("Rotate signing secret" on the change page) — and never on the change page."""

    list_display = ("url", "description", "active", "created_at")
    list_filter = ("active",)
    fields = (
        "url",
        "events",
        "description",
        "active",
        "signing_secret",
        "created_by",
        "created_at",
    )
    readonly_fields = ("signing_secret", "created_by", "created_at")
    inlines = [DeliveryAttemptInline]
    form = SubscriptionForm

    @admin.display(description="Signing secret")
    def signing_secret(self, obj):
        if obj is None or not obj.pk:
            return "Made when you save: shown once, on the next page."
        rotated = (
            f" Last rotated {obj.secret_rotated_at:%Y-%m-%d %H:%M} UTC."
            if obj.secret_rotated_at
            else ""
        )
        return (
            "Hidden: it is shown only once, when made or rotated."
            f"{rotated} “Rotate signing secret” (top right) makes a new one."
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # whose permissions the event types are checked against
        return form

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = secret_new()
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_secret_once(
            request,
            obj,
            "The subscription is saved",
            add_another="_addanother" in request.POST,
            popup=IS_POPUP_VAR in request.POST,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/rotate-secret/",
                self.admin_site.admin_view(self.rotate_secret_view),
                name="webhooks_subscription_rotate_secret",
            ),
            path(
                "<path:object_id>/secret/",
                self.admin_site.admin_view(self.secret_view),
                name="webhooks_subscription_secret",
            ),
            *super().get_urls(),
        ]

    def rotate_secret_view(self, request, object_id):
        """Confirm (GET), then rotate and show the new secret once (POST)."""
        subscription = self.get_object(request, unquote(object_id))
        if subscription is None:
            raise Http404("No such webhook subscription.")
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "subscription": subscription,
            "title": "Rotate signing secret",
        }
        if request.method == "POST":
            try:
                hours = int(request.POST.get("previous_valid_hours", "24"))
                subscription = subscription_secret_rotate(
                    subscription=subscription, previous_valid_hours=hours
                )
            except (ValueError, FieldErrors):
                context["error"] = "Choose how long the old secret keeps signing."
            else:
                self.log_change(request, subscription, "Rotated the signing secret.")
                return self._show_secret_once(
                    request, subscription, "The signing secret is rotated"
                )
        return TemplateResponse(request, "admin/webhooks/subscription/rotate_secret.html", context)

    def _show_secret_once(self, request, subscription, headline, *, add_another=False, popup=False):
        """After the POST that made the secret, a redirect to the page that shows it once: a
        reload or the back button does not add or rotate again. The secret waits in the
        (server-side) session for that one page and is gone once shown."""
        request.session[SECRET_SESSION_KEY] = {
            "pk": subscription.pk,
            "secret": subscription.secret,
            "headline": headline,
            "add_another": add_another,
        }
        url = reverse("admin:webhooks_subscription_secret", args=[quote(subscription.pk)]) + (
            f"?{IS_POPUP_VAR}=1" if popup else ""
        )
        return HttpResponseRedirect(url)

    def secret_view(self, request, object_id):
        """The new signing secret, once; afterwards the subscription's page."""
        subscription = self.get_object(request, unquote(object_id))
        if subscription is None:
            raise Http404("No such webhook subscription.")
        if not self.has_view_or_change_permission(request, subscription):
            raise PermissionDenied
        shown = request.session.get(SECRET_SESSION_KEY)
        if not shown or shown.get("pk") != subscription.pk:
            self.message_user(
                request,
                "The signing secret was shown once and cannot be shown again: "
                "rotate it to get a new one.",
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:webhooks_subscription_change", args=[quote(subscription.pk)])
            )
        del request.session[SECRET_SESSION_KEY]
        response = TemplateResponse(
            request,
            "admin/webhooks/subscription/secret.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "subscription": subscription,
                "secret": shown["secret"],
                "headline": shown["headline"],
                "add_another": shown["add_another"],
                "is_popup": IS_POPUP_VAR in request.GET,
                "title": "Signing secret",
            },
        )
        add_never_cache_headers(response)  # nowhere to read it back from: not the cache either
        return response
