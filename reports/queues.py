"""What reports puts on the home queues: the salespersons whose weekly report is missing."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import home

from .api import missing_queryset
from .models import last_due_week, week_label


def weekly_reports_missing_for(user, today: date) -> list[home.QueueItem]:
    week = last_due_week(timezone.now())
    label = week_label(week)

    def item(person) -> home.QueueItem:
        return home.QueueItem(
            label=str(person),
            detail=_("Weekly report %(week)s not submitted") % {"week": label},
            # An assistant can draft it (or open the draft); a manager sees the salesperson's reports.
            url=reverse("reports:create" if user.role == "assistant" else "reports:list")
            + "?"
            + urlencode({"salesperson": person.pk, "week": label}),
            badge=_("Missing"),
        )

    return home.first_items(
        missing_queryset(user, week),
        item,
        url=reverse("reports:list") + "?" + urlencode({"week": label}),
        more_label=_("All %(count)s missing weekly reports"),
    )


home.register(
    home.QueueSection(
        key="weekly_reports_missing",
        title=gettext_lazy("Weekly reports missing"),
        icon="journal-x",
        roles=("assistant", "manager"),
        items=weekly_reports_missing_for,
        order=90,
    )
)
