from __future__ import annotations

from datetime import date
from decimal import Decimal

from reports.models import Opportunity, WeeklyReport


def make_report(salesperson, week: date, *, submitted: bool = True, lines=(), late: bool = False, **fields):
    """A report straight in the database (services are tested on their own)."""
    from django.utils import timezone

    report = WeeklyReport.objects.create(
        salesperson=salesperson,
        week=week,
        created_by=salesperson,
        status=WeeklyReport.Status.SUBMITTED if submitted else WeeklyReport.Status.DRAFT,
        submitted_at=timezone.now() if submitted else None,
        submitted_by=salesperson if submitted else None,
        is_late=late,
        **fields,
    )
    for customer, stage, amount, probability, *currency in lines:
        Opportunity.objects.create(
            report=report,
            customer=customer,
            description=f"{stage} {amount}",
            stage=stage,
            amount=Decimal(amount),
            currency=currency[0] if currency else "CNY",
            probability=probability,
        )
    return report
