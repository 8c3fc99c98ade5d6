"""Numbering series that may have gaps take their numbers from PostgreSQL sequences, each
starting after the last number its counter issued (the counter stays for the gapless invoice
series, and for every series on SQLite)."""

from django.db import migrations

# The series with gaps allowed when this migration was written (a later series adds its own).
SERIES = ["SO", "SUP", "REQ", "PO", "RCV", "SHP", "WO", "TO"]


def number_sequence_name(prefix):
    return f"b2b_number_{prefix.lower()}"


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    counters = dict(
        apps.get_model("core", "DocumentCounter").objects.values_list("prefix", "last_value")
    )
    for prefix in SERIES:
        name = number_sequence_name(prefix)
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START 1")
        if counters.get(prefix):
            schema_editor.execute("SELECT setval(%s, %s)", [name, counters[prefix]])


def drop_sequences(apps, schema_editor):
    """Back to counters: each counter takes its sequence's last value."""
    if schema_editor.connection.vendor != "postgresql":
        return
    counter = apps.get_model("core", "DocumentCounter")
    for prefix in SERIES:
        name = number_sequence_name(prefix)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT last_value, is_called FROM {name}")
            last_value, is_called = cursor.fetchone()
        counter.objects.update_or_create(
            prefix=prefix, defaults={"last_value": last_value if is_called else 0}
        )
        schema_editor.execute(f"DROP SEQUENCE {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_notifications")]

    operations = [migrations.RunPython(create_sequences, drop_sequences)]
