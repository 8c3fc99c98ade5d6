from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from warehouse.signals import shipment_confirmed

        shipment_confirmed.connect(_invoice_after_commit, dispatch_uid="billing-invoice")


def _invoice_after_commit(sender, shipment_id, **kwargs):
    """Ship confirm is committed first; the invoice follows through Celery."""
    from core.enqueue import enqueue_on_commit

    enqueue_on_commit("billing.create_invoices", shipment_id)
