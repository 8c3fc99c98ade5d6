from django.apps import AppConfig


class ManufacturingConfig(AppConfig):
    name = "manufacturing"
