from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.events import on_change_log
        from webhooks.models import Subscription
        from webhooks.services import (  # also registers the outbox handler
            events_from_change_log,
            subscriptions_changed,
        )

        on_change_log(events_from_change_log)
        for signal in (post_save, post_delete):
            signal.connect(
                subscriptions_changed, sender=Subscription, dispatch_uid=f"webhooks-{signal}"
            )
