"""The database cache table (settings.CACHES), created with the schema so no deployment step
can be forgotten."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name('b2b_cache')}")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_api_token_expiry")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
