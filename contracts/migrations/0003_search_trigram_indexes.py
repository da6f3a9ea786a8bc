# The list searches on PostgreSQL: trigram indexes (core/trigram.py); nothing on SQLite.

from django.db import migrations

from core.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_contract_list_order")]

    operations = [
        trigram_indexes("contracts_contract", "number", "register_number", "title"),
    ]
