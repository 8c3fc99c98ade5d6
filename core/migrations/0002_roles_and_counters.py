"""The six role groups and a counter row per document type.

Permissions are given to the groups by core.roles.sync_roles after every migrate (post_migrate),
once every app's permissions exist.
"""

from django.db import migrations

ROLES = [
    "customer_service",
    "buyer",
    "procurement_manager",
    "warehouse",
    "production",
    "orchestration_manager",
]
PREFIXES = ["SO", "SUP", "REQ", "PO", "RCV", "SHP", "WO", "TO", "INV"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    DocumentCounter = apps.get_model("core", "DocumentCounter")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for prefix in PREFIXES:
        DocumentCounter.objects.get_or_create(prefix=prefix)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
