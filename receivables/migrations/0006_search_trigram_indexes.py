# The list searches on PostgreSQL: trigram indexes (core/trigram.py); nothing on SQLite.

from django.db import migrations

from core.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("receivables", "0005_promise_due_on")]

    operations = [
        trigram_indexes("receivables_invoice", "number"),
        trigram_indexes("receivables_payment", "number", "bank_reference"),
    ]
