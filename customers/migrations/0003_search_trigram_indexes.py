# The list searches on PostgreSQL: trigram indexes (core/trigram.py); nothing on SQLite.

from django.db import migrations

from core.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_companydocument_complaint_contact_and_more")]

    operations = [
        trigram_indexes("customers_company", "code", "name", "name_en", "short_name"),
    ]
