"""Writes of weekly reports: draft (salesperson or an assistant serving them), edit, submit.

Every change is recorded on the report's timeline (WeeklyReportEvent). A submitted report is
final; a submission after the Monday 10:30 deadline is marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scope import visible_salespersons
from customers.models import Company

from .models import Opportunity, WeeklyReport, WeeklyReportEvent, week_label, week_start

REPORT_FIELDS = ("visit_count", "visits", "orders", "problems", "next_week_plan")


@dataclass
class OpportunityData:
    customer: Company
    description: str
    stage: str
    amount: Decimal
    currency: str
    probability: int


def writable_salespersons(actor: User):
    """For whom ``actor`` may draft a report: themselves, or the salespersons an assistant serves."""
    if actor.role == User.Role.SALESPERSON:
        return User.objects.filter(pk=actor.pk)
    if actor.role == User.Role.ASSISTANT:
        return visible_salespersons(actor).filter(is_active=True)
    return User.objects.none()


def can_edit(report: WeeklyReport, actor: User) -> bool:
    return not report.is_submitted and writable_salespersons(actor).filter(pk=report.salesperson_id).exists()


def can_submit(report: WeeklyReport, actor: User) -> bool:
    return not report.is_submitted and actor.pk == report.salesperson_id


def default_week(today: date) -> date:
    """From Thursday on a salesperson usually writes this week's report; earlier, last week's."""
    this_week = week_start(today)
    return this_week if today.weekday() >= 3 else this_week - timedelta(days=7)


def _check_opportunities(salesperson: User, actor: User, opportunities: list[OpportunityData]) -> None:
    allowed = set(Company.objects.visible_to(actor).filter(owner=salesperson).values_list("pk", flat=True))
    for line in opportunities:
        if line.customer.pk not in allowed:
            raise ValidationError(_("%(customer)s is not a customer of %(salesperson)s that you may see.") % {
                "customer": line.customer, "salesperson": salesperson})  # fmt: skip
        if not 0 <= line.probability <= 100:
            raise ValidationError(_("The probability must be between 0 and 100%."))
        if line.amount < 0:
            raise ValidationError(_("The amount cannot be negative."))


def _save_lines(report: WeeklyReport, opportunities: list[OpportunityData], replace: list[int]) -> None:
    Opportunity.objects.filter(report=report, pk__in=replace).delete()
    Opportunity.objects.bulk_create(
        Opportunity(report=report, **{k: getattr(line, k) for k in OpportunityData.__dataclass_fields__})
        for line in opportunities
    )


@transaction.atomic
def weekly_report_create(
    *, salesperson: User, week: date, actor: User, opportunities: list[OpportunityData] = (), **fields
) -> WeeklyReport:
    if not writable_salespersons(actor).filter(pk=salesperson.pk).exists():
        raise ValidationError({"salesperson": _("You cannot write a weekly report for this salesperson.")})
    week = week_start(week)
    if week > week_start(timezone.localdate()):
        raise ValidationError({"week": _("A weekly report cannot be written for a future week.")})
    if WeeklyReport.objects.filter(salesperson=salesperson, week=week).exists():
        raise ValidationError({"week": _("%(salesperson)s already has a report for %(week)s.") % {
            "salesperson": salesperson, "week": week_label(week)}})  # fmt: skip
    opportunities = list(opportunities)
    _check_opportunities(salesperson, actor, opportunities)
    report = WeeklyReport(salesperson=salesperson, week=week, created_by=actor)
    for name in REPORT_FIELDS:
        setattr(report, name, fields.get(name) if name == "visit_count" else (fields.get(name) or "").strip())
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:  # two drafts of the same week at the same moment
        raise ValidationError({"week": _("This week's report exists already.")}) from error
    _save_lines(report, opportunities, [])
    WeeklyReportEvent.objects.create(report=report, action=WeeklyReportEvent.Action.CREATED, actor=actor)
    return report


@transaction.atomic
def weekly_report_update(
    *, report: WeeklyReport, actor: User, opportunities: list[OpportunityData], replace: list[int], **fields
) -> WeeklyReport:
    """Save the text and replace the opportunity lines ``replace`` (the ones the actor may see and
    edited) with ``opportunities``; lines the actor cannot see stay as they are."""
    report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    if not can_edit(report, actor):
        raise ValidationError(_("This weekly report can no longer be edited."))
    _check_opportunities(report.salesperson, actor, opportunities)
    for name in REPORT_FIELDS:
        setattr(report, name, fields.get(name) if name == "visit_count" else (fields.get(name) or "").strip())
    report.save()
    visible = set(Opportunity.objects.visible_to(actor).filter(report=report).values_list("pk", flat=True))
    _save_lines(report, opportunities, [pk for pk in replace if pk in visible])
    WeeklyReportEvent.objects.create(report=report, action=WeeklyReportEvent.Action.UPDATED, actor=actor)
    return report


@transaction.atomic
def weekly_report_submit(*, report: WeeklyReport, actor: User) -> WeeklyReport:
    report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
    if report.is_submitted:
        raise ValidationError(_("This weekly report was submitted already."))
    if actor.pk != report.salesperson_id:
        raise ValidationError(_("Only %(salesperson)s can submit their weekly report.") % {
            "salesperson": report.salesperson})  # fmt: skip
    now = timezone.now()
    report.status = WeeklyReport.Status.SUBMITTED
    report.submitted_at, report.submitted_by = now, actor
    report.is_late = now > report.deadline
    report.save(update_fields=["status", "submitted_at", "submitted_by", "is_late", "updated_at"])
    WeeklyReportEvent.objects.create(
        report=report,
        action=WeeklyReportEvent.Action.SUBMITTED,
        actor=actor,
        at=now,
        comment=_("Late: due %(deadline)s")
        % {"deadline": timezone.localtime(report.deadline).strftime("%Y-%m-%d %H:%M")}
        if report.is_late
        else "",
    )
    return report
