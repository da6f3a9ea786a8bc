"""Trigram indexes for the list searches, on PostgreSQL.

Django's ``icontains`` compares ``UPPER(column::text) LIKE UPPER('%text%')``. A B-tree cannot
answer a pattern that starts with a wildcard, so every search used to read the whole table. A GIN
index of that same expression with pg_trgm's operator class answers any pattern of three
characters or more (Chinese included) from the index. Shorter patterns, and SQLite, read the
table as before: the results are the same either way.

The indexes are written as rows are (``fastupdate = off``): GIN's default pending list keeps new
entries unindexed until a vacuum, and every search reads the list through. After the scale-100 seed
that made the invoice search 145 ms instead of 56.

A search across tables only reaches these indexes when each table is searched on its own
(``customer_id__in=Company.objects.search(text)``), not through an OR over joined tables.
"""

from __future__ import annotations

from django.db import migrations


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def trigram_indexes(table: str, *columns: str) -> migrations.RunPython:
    """A migration operation: the indexes on PostgreSQL, nothing elsewhere."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension since PostgreSQL 13
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops) WITH (fastupdate = off)'
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(table, column)}"')

    return migrations.RunPython(forwards, backwards)
