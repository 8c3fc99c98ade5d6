from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"

    def ready(self):
        # Registers the outbox handler of supplier emails (procurement.services).
        import procurement.services  # noqa: F401
