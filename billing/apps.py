from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from billing.services import invoice_owed  # also registers its outbox handler
        from warehouse.signals import shipment_confirmed

        def owe_invoice(sender, shipment_id, **kwargs):
            invoice_owed(shipment_id=shipment_id)

        shipment_confirmed.connect(owe_invoice, dispatch_uid="billing-invoice", weak=False)
