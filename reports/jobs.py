"""Scheduled jobs of reports (SPEC section 3): weekly report reminder and overdue notice, monthly pack.

The weekly jobs are about the week before ``day``'s week (run on Monday, that is last week):
09:00 a reminder to each salesperson who has not submitted it, 10:30 an overdue notice to the
salesperson, their assistants and their team's manager. Each goes out at most once per
salesperson and week (core.notify.send_once), however often the job runs.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from core.notify import send_once

from .models import WeeklyReport, week_deadline, week_label, week_start

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _missing(week: date):
    submitted = WeeklyReport.objects.submitted().filter(week=week).values("salesperson_id")
    return (
        User.objects.salespersons()
        .exclude(pk__in=submitted)
        .select_related("team__manager")
        .prefetch_related("assistants")
        .order_by("pk")
    )


def _render(recipient: User, template: str, context: dict) -> tuple[str, str]:
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"reports/email/{template}_subject.txt", context)
        body = render_to_string(f"reports/email/{template}.txt", context)
    return " ".join(subject.split()), body


def _run(kind: str, day: date, recipients) -> dict:
    week = week_start(day) - timedelta(days=7)
    label = week_label(week)
    summary = {"week": label, "missing": 0, "sent": 0, "already_sent": 0, "no_email": 0}
    failures = []
    for salesperson in _missing(week):
        summary["missing"] += 1
        to = [u.email for u in recipients(salesperson) if u.email and u.is_active]
        if not to:
            summary["no_email"] += 1
            continue
        context = {
            "salesperson": salesperson,
            "week_label": label,
            "week": week,
            "week_end": week + timedelta(days=6),
            "deadline": week_deadline(week),
            "url": _absolute(reverse("reports:create") + f"?salesperson={salesperson.pk}&week={label}"),
        }
        subject, body = _render(salesperson, kind, context)
        message = EmailMessage(subject=subject, body=body, to=to[:1], cc=to[1:])
        try:
            sent = send_once(f"weekly-report-{kind}:{salesperson.pk}:{label}", message)
        except Exception as error:  # one bad address must not stop the others
            logger.exception("weekly report %s to %s failed", kind, salesperson.pk)
            failures.append(error)
            continue
        summary["sent" if sent else "already_sent"] += 1
    if failures:
        raise failures[0]
    return summary


def weekly_report_reminders(*, day: date) -> dict:
    """Monday 09:00: remind each salesperson who has not submitted last week's report."""
    return _run("reminder", day, lambda salesperson: [salesperson])


def overdue_recipients(salesperson: User) -> list[User]:
    people = [salesperson, *salesperson.assistants.all()]
    if salesperson.team_id and salesperson.team.manager_id:
        people.append(salesperson.team.manager)
    seen, out = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            out.append(person)
    return out


def weekly_report_overdue(*, day: date) -> dict:
    """Monday 10:30: last week's report is overdue; the salesperson, their assistants and manager hear of it."""
    return _run("overdue", day, overdue_recipients)
