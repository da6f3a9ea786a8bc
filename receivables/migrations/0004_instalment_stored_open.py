"""Instalment.stored_open: the open amount (amount − allocations of payments not reversed), stored
so aging reads one column of the open instalments instead of summing every allocation; filled here
from the allocations, then kept by the payment services (InstalmentQuerySet.refresh_open_amounts)."""

from django.db import migrations, models
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Instalment = apps.get_model("receivables", "Instalment")
    Allocation = apps.get_model("receivables", "Allocation")
    paid = (
        Allocation.objects.exclude(payment__status="reversed")
        .filter(instalment=OuterRef("pk"))
        .values("instalment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    Instalment.objects.update(
        stored_open=F("amount") - Coalesce(Subquery(paid), Value(0, output_field=money), output_field=money)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0003_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="instalment",
            name="stored_open",
            field=models.DecimalField(
                decimal_places=2, default=0, editable=False, max_digits=14, verbose_name="open amount"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="instalment",
            index=models.Index(
                condition=models.Q(("stored_open__gt", 0)), fields=["invoice", "due_on"], name="instalment_still_open"
            ),
        ),
    ]
