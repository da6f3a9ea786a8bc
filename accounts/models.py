"""People: users with a role, teams with their manager, and who serves whom (SPEC section 1)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="managed_teams",
        limit_choices_to={"role": "manager"},
        null=True,
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def salespersons(self) -> UserQuerySet:
        return self.filter(role=User.Role.SALESPERSON, is_active=True)

    def assistants(self) -> UserQuerySet:
        return self.filter(role=User.Role.ASSISTANT, is_active=True)

    def managers(self) -> UserQuerySet:
        return self.filter(role=User.Role.MANAGER, is_active=True)

    def in_jurisdiction_of(self, manager: User) -> UserQuerySet:
        """The salespersons whose records a manager sees: their teams', or all for the GM."""
        if manager.is_superuser or manager.is_gm:
            return self.filter(role=User.Role.SALESPERSON)
        if manager.role != User.Role.MANAGER:
            return self.none()
        return self.filter(Q(team__manager=manager, role=User.Role.SALESPERSON) | Q(pk=manager.pk))


class BackdeskUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    class Role(models.TextChoices):
        ASSISTANT = "assistant", _("Sales assistant")
        SALESPERSON = "salesperson", _("Salesperson")
        MANAGER = "manager", _("Sales manager")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    is_finance = models.BooleanField(
        _("finance"), default=False, help_text=_("Reads and confirms receivables, payments and expenses company-wide.")
    )
    is_gm = models.BooleanField(
        _("general manager"), default=False, help_text=_("A manager whose jurisdiction is the whole company.")
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        related_name="members",
        null=True,
        blank=True,
    )
    serves = models.ManyToManyField(
        "self",
        verbose_name=_("serves salespersons"),
        symmetrical=False,
        related_name="assistants",
        blank=True,
        limit_choices_to={"role": "salesperson"},
        help_text=_("For a sales assistant: the salespersons they work for."),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the emails Backdesk sends to this person."),
    )

    objects = BackdeskUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=[serves])

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["is_gm"], condition=Q(is_gm=True), name="one_general_manager"),
            models.CheckConstraint(condition=Q(is_gm=False) | Q(role="manager"), name="gm_is_a_manager"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.is_gm and self.role != self.Role.MANAGER:
            raise ValidationError({"is_gm": _("Only a manager can be the general manager.")})

    @property
    def is_assistant(self) -> bool:
        return self.role == self.Role.ASSISTANT

    @property
    def is_salesperson(self) -> bool:
        return self.role == self.Role.SALESPERSON

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def home_kind(self) -> str:
        """Which home page this person lands on."""
        if self.is_gm or self.is_manager or self.is_superuser:
            return "manager"
        if self.role:
            return self.role
        if self.is_finance:
            return "finance"
        return "none"
