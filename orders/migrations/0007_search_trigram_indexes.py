# The list searches on PostgreSQL: trigram indexes (core/trigram.py); nothing on SQLite.

from django.db import migrations

from core.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_quotation_recent_index")]

    operations = [
        trigram_indexes("orders_order", "number", "customer_po"),
        trigram_indexes("orders_shipment", "number", "tracking_number"),
        trigram_indexes("orders_quotation", "number"),
    ]
