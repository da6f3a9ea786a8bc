"""A test-only model with every feature the scope rules know: salesperson, customer,
maker and a confidential flag (the shape of a contract), plus a finance-read twin."""

from django.conf import settings
from django.db import models

from accounts.scope import scope_q


class ThingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            scope_q(user, salesperson="salesperson", customer="customer", maker="maker", confidential="confidential")
        )


class Thing(models.Model):
    title = models.CharField(max_length=50)
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Company", on_delete=models.CASCADE, related_name="+")
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True)
    confidential = models.BooleanField(default=False)

    objects = ThingQuerySet.as_manager()

    def __str__(self):
        return self.title


class LedgerQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer", finance=True))


class LedgerEntry(models.Model):
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Company", on_delete=models.CASCADE, related_name="+")

    objects = LedgerQuerySet.as_manager()
