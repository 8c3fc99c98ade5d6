"""Outbound webhooks (Standard Webhooks): subscriptions, the events sent to them, and every
delivery attempt."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Subscription(models.Model):
    """An integration's endpoint and the event types it wants ("*": all)."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text='Event types, or ["*"] for all.')
    secret = models.CharField(max_length=100, help_text="whsec_ + base64 of the signing key.")
    # After a rotation the previous secret may stay valid a while: deliveries until then carry a
    # signature with each (Standard Webhooks), so the receiver can switch without losing any.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.url} ({', '.join(self.events)})"

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets each delivery is signed with now: the current one, and the previous one
        until it expires."""
        now = now or timezone.now()
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and now < (self.previous_secret_expires_at)
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]


class Event(models.Model):
    """A business event as sent: its id is the `webhook-id` of every delivery and retry."""

    id = models.CharField(primary_key=True, max_length=40)
    type = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["type", "occurred_at"])]

    def __str__(self):
        return f"{self.id} {self.type}"

    @property
    def body(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
        }


class DeliveryAttempt(models.Model):
    """One POST of an event to a subscription: when, the HTTP status (None: no answer), the
    error."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="attempts"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["subscription", "-attempted_at"])]

    def __str__(self):
        return f"{self.event_id} → {self.subscription.url}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
