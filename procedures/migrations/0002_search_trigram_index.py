"""Trigram index for the catalogue search on PostgreSQL (SQLite scans a few thousand rows)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS procedure_search_text_trgm "
    "ON procedures_procedure USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS procedure_search_text_trgm"]


def _run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_catalogue")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
