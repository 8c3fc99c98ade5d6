"""Shipped shipments with an order not invoiced yet get their invoice owed in the outbox (a beat
task used to look for them; now the outbox relay creates what it holds)."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def owe_their_invoices(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    ShipmentLine = apps.get_model("warehouse", "ShipmentLine")
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    invoiced = Invoice.objects.filter(
        shipment=OuterRef("shipment_id"), sales_order=OuterRef("demand_line__order_id")
    )
    shipment_ids = (
        ShipmentLine.objects.filter(active=True, shipment__status="SHIPPED")
        .filter(~Exists(invoiced))
        .values_list("shipment_id", flat=True)
        .distinct()
    )
    for shipment_id in shipment_ids:
        OutboxMessage.objects.get_or_create(
            key=f"invoice-shipment:{shipment_id}",
            defaults={"topic": "billing.invoice_shipment", "payload": {"shipment": shipment_id}},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_initial"),
        ("core", "0005_cache_table"),
        ("warehouse", "0003_receipt_shipment_shipmentline_receiptline_and_more"),
    ]

    operations = [migrations.RunPython(owe_their_invoices, migrations.RunPython.noop)]
