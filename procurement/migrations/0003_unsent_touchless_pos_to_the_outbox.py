"""OPEN touchless POs whose current revision was never emailed get their supplier email in the
outbox (before, a beat task looked for them; now the outbox relay sends what it holds)."""

from django.db import migrations
from django.db.models import F


def owe_their_emails(apps, schema_editor):
    PurchaseOrder = apps.get_model("procurement", "PurchaseOrder")
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    unsent = PurchaseOrder.objects.filter(
        status="OPEN", touchless=True, communicated_revision__lt=F("revision")
    )
    for po in unsent.iterator():
        OutboxMessage.objects.get_or_create(
            key=f"purchase-order-email:{po.pk}:rev{po.revision}",
            defaults={
                "topic": "procurement.purchase_order_email",
                "payload": {"purchase_order": po.pk, "revision": po.revision},
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outbox"),
        ("procurement", "0002_purchaseorder_purchaseorderline_and_more"),
    ]

    operations = [migrations.RunPython(owe_their_emails, migrations.RunPython.noop)]
