"""Customer and factory files (客户档案): every other module points at a Company."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import scope_q


class CompanyQuerySet(models.QuerySet):
    def visible_to(self, user) -> CompanyQuerySet:
        return self.filter(scope_q(user, salesperson="owner", customer="pk"))

    def customers(self) -> CompanyQuerySet:
        return self.filter(kind=Company.Kind.CUSTOMER)

    def factories(self) -> CompanyQuerySet:
        return self.filter(kind=Company.Kind.FACTORY)


class Company(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        FACTORY = "factory", _("Factory")

    class Grade(models.TextChoices):
        KEY = "key", _("Key")
        NORMAL = "normal", _("Normal")
        POTENTIAL = "potential", _("Potential")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOMER)
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("legal name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    region = models.CharField(_("country / region"), max_length=60, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, default=Grade.NORMAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_companies",
        limit_choices_to={"role": "salesperson"},
    )
    assistants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned assistants"),
        through="CompanyAssignment",
        through_fields=("company", "assistant"),
        related_name="assigned_companies",
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CompanyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [models.Index(fields=["owner", "kind"])]

    def __str__(self) -> str:
        return f"{self.code} {self.short_name or self.name}"


class CompanyAssignment(models.Model):
    """The owner made this assistant a user (客户使用人) of the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="assignments")
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="company_assignments",
        limit_choices_to={"role": "assistant"},
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["company", "assistant"], name="unique_company_assistant")]
        indexes = [models.Index(fields=["assistant", "company"])]

    def __str__(self) -> str:
        return f"{self.company} → {self.assistant}"
