"""Filters shared by the lists the dashboard links to: a date range and a team.

``add_range_fields(form, user)`` adds ``date_from`` / ``date_to`` (inclusive dates, shown in the
list's filter bar) and ``team`` (a hidden field the dashboard's drill-down sets; its chip above
the table says it is in force) to a filter form; ``clean_range`` rejects a range whose end is
before its start; ``apply_range`` / ``apply_team`` narrow a queryset. The team is the
salespersons of that team the user may see (``visible_salespersons``), exactly as the
dashboard counts them, so a figure and its list agree; a team outside the user's jurisdiction
is not a valid choice and is ignored.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Team
from accounts.scope import visible_salespersons


def add_range_fields(form: forms.Form, user, *, team: bool = True, label: str | None = None) -> None:
    css = "form-control form-control-sm"
    form.fields["date_from"] = forms.DateField(
        label=label or pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": css}),
    )
    form.fields["date_to"] = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": css}),
    )
    if team:
        # Hidden: no query to draw it; validating a given id costs one.
        form.fields["team"] = forms.ModelChoiceField(
            label=_("Team"),
            required=False,
            queryset=Team.objects.filter(pk__in=visible_salespersons(user).values("team_id")),
            widget=forms.HiddenInput,
        )


def clean_range(form: forms.Form) -> None:
    data = form.cleaned_data
    if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
        form.add_error("date_to", _("The end of the period is before its start."))


def apply_range(queryset: QuerySet, data: dict, field: str) -> QuerySet:
    if data.get("date_from"):
        queryset = queryset.filter(**{f"{field}__gte": data["date_from"]})
    if data.get("date_to"):
        queryset = queryset.filter(**{f"{field}__lte": data["date_to"]})
    return queryset


def apply_team(queryset: QuerySet, data: dict, path: str, user) -> QuerySet:
    if data.get("team"):
        people = visible_salespersons(user).filter(team=data["team"]).values("pk")
        queryset = queryset.filter(**{f"{path}__in": people})
    return queryset


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def range_chip(value) -> str:
    """How a date or team filter reads in the chips above a list."""
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Team):
        return value.name
    return str(value)
