"""The daily budget-alert job (SPEC section 3): a budget crossing 80% or 100% is told once per threshold."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from core.notify import send_once

from .budgets import usage_for
from .models import Budget

logger = logging.getLogger(__name__)


def budget_recipients(budget: Budget) -> list:
    """The salesperson and their manager for a person's budget; the team's manager for a team's."""
    people = []
    if budget.salesperson_id:
        people.append(budget.salesperson)
        team = budget.salesperson.team
        if team is not None and team.manager is not None:
            people.append(team.manager)
    elif budget.team.manager is not None:
        people.append(budget.team.manager)
    return [p for p in people if p.is_active and p.email]


def budget_alerts(*, day: date) -> dict:
    """Email each budget of ``day``'s year that has reached 80% or 100% of its amount, once per threshold
    and recipient (the send_once key), however often the job runs."""
    budgets = Budget.objects.filter(year=day.year).select_related(
        "salesperson", "salesperson__team__manager", "team__manager"
    )
    summary = {"day": day.isoformat(), "budgets": 0, "warning": 0, "over": 0, "sent": 0, "already_sent": 0}
    failures = []
    for usage in usage_for(budgets):
        summary["budgets"] += 1
        if not usage.crossed:
            continue
        summary["over" if usage.level == "over" else "warning"] += 1
        for threshold in usage.crossed:
            for recipient in budget_recipients(usage.budget):
                key = f"expense-budget:{usage.budget.pk}:{threshold}:{recipient.pk}"
                try:
                    sent = send_once(key, _message(recipient, usage, threshold))
                except Exception as error:  # one bad address must not stop the other alerts
                    logger.exception("budget alert to %s failed", recipient.pk)
                    failures.append(error)
                    continue
                summary["sent" if sent else "already_sent"] += 1
    if failures:
        raise failures[0]
    return summary


def _message(recipient, usage, threshold: int) -> EmailMessage:
    from django.urls import reverse

    from .services import _absolute

    context = {
        "recipient": recipient,
        "usage": usage,
        "budget": usage.budget,
        "threshold": threshold,
        "url": _absolute(reverse("expenses:budgets") + f"?year={usage.budget.year}"),
    }
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = render_to_string("expenses/email/budget_alert_subject.txt", context)
        body = render_to_string("expenses/email/budget_alert.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email])
