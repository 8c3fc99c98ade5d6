"""Pick waves (WAVE-) are a series that may have gaps: a PostgreSQL sequence numbers them."""

from django.db import migrations, models

SEQUENCE = "b2b_number_wave"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START 1")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_number_sequences")]

    operations = [
        migrations.AlterField(
            model_name="documentcounter",
            name="prefix",
            field=models.CharField(
                choices=[
                    ("SO", "Sales order"),
                    ("SUP", "Supply order"),
                    ("REQ", "Requisition line"),
                    ("PO", "Purchase order"),
                    ("RCV", "Receipt"),
                    ("SHP", "Shipment"),
                    ("WO", "Work order"),
                    ("TO", "Transfer order"),
                    ("INV", "Invoice"),
                    ("WAVE", "Pick wave"),
                ],
                max_length=8,
                primary_key=True,
                serialize=False,
            ),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
