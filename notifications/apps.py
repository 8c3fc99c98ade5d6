from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from core.events import on_change_log
        from notifications.services import notify_from_change_log  # registers the email handler

        on_change_log(notify_from_change_log)
