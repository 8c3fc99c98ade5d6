from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from warehouse.signals import shipment_confirmed

        shipment_confirmed.connect(_invoice_after_commit, dispatch_uid="billing-invoice")


def _invoice_after_commit(sender, shipment_id, **kwargs):
    """Ship confirm is committed first; the invoice follows through Celery."""
    from billing.tasks import create_invoices

    create_invoices.delay_on_commit(shipment_id)
