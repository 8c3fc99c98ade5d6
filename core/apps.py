from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # The deploy check; the receiver that notes the time of each sign-in; the handler of
        # password-reset emails.
        from core import checks, middleware_session, passwords  # noqa: F401
        from core.roles import sync_roles

        # Runs after every migrate, once all apps' permissions exist, so that a new model's
        # permissions reach the roles that the role table gives them.
        post_migrate.connect(_sync_roles_after_migrate, sender=self)
        self._sync_roles = sync_roles


def _sync_roles_after_migrate(sender, using="default", **kwargs):
    sender._sync_roles(using=using)
