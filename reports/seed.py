"""Demo weekly reports: the last 8 weeks for each salesperson, some missing, one draft, some late,
opportunities in every stage (more of them per report with ctx.scale).

Deterministic (one draw from ctx.rng seeds a local generator) and idempotent (a week that has a
report for a salesperson is left alone); two bulk inserts.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.seed import SeedContext
from customers.models import Company

from .models import Opportunity, Stage, WeeklyReport, WeeklyReportEvent, last_due_week, week_deadline

WEEKS = 8
PROBABILITY = {Stage.LEAD: 10, Stage.QUALIFIED: 25, Stage.PROPOSAL: 50, Stage.NEGOTIATION: 75, Stage.WON: 100,
               Stage.LOST: 0}  # fmt: skip
DEALS = ["年度框架协议", "新品试产订单", "替换现有供应商", "展会后续跟进", "二期扩产项目", "出口订单 (FOB 上海)",
         "样品转量产", "季度备货"]  # fmt: skip
VISITS = ["拜访{n}家客户，其中{k}家为重点客户；电话跟进{c}次。", "走访华东区客户{n}家，参加行业展会一天。"]
ORDERS = ["本周新签订单{k}笔，预计下周再确认1笔。", "无新订单，两笔报价待客户回复。"]
PROBLEMS = ["部分客户反映交期偏长，需要工厂确认排产。", "一家客户回款逾期，已请助理发对账单。", ""]
PLANS = ["跟进本周报价，安排样品寄送。", "拜访两家潜在客户，准备年度合同续签。"]


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())
    salespersons = list(User.objects.salespersons().order_by("username"))
    if not salespersons:
        return
    now = timezone.now()
    last = last_due_week(now)
    weeks = [last - timedelta(days=7 * i) for i in range(WEEKS)]  # newest first
    this_week = last + timedelta(days=7)
    # A salesperson with any report in the window was seeded already: a second run adds nothing
    # (the weeks they "missed" stay missing).
    seeded = set(WeeklyReport.objects.filter(week__gte=weeks[-1]).values_list("salesperson_id", flat=True))
    customers = {
        sp.pk: list(Company.objects.customers().filter(owner=sp).order_by("pk").values_list("pk", flat=True)[:200])
        for sp in salespersons
    }
    per_report = min(4 + 2 * ctx.scale, 300)
    reports, lines_for = [], []
    for index, salesperson in enumerate(salespersons):
        if not customers[salesperson.pk] or salesperson.pk in seeded:
            continue
        for number, week in enumerate(weeks):
            # Every third salesperson misses the latest week and one older one; the others one week in five.
            missing = (index % 3 == 2 and number in (0, 4)) or (index % 3 != 2 and rng.random() < 0.08 and number)
            if missing:
                continue
            deadline = week_deadline(week)
            late = rng.random() < 0.15
            offset = timedelta(hours=rng.randint(1, 30)) if late else -timedelta(hours=rng.randint(2, 70))
            submitted_at = min(deadline + offset, now)
            late = submitted_at > deadline
            reports.append(_report(rng, salesperson, week, submitted_at, late))
            lines_for.append(per_report)
        if index % 3 == 1:  # a draft of this week
            reports.append(_report(rng, salesperson, this_week, None, False))
            lines_for.append(2)
    if not reports:
        ctx.say("reports: weekly reports exist, nothing to add")
        return
    WeeklyReport.objects.bulk_create(reports, batch_size=1000)
    stages = list(Stage.values)
    opportunities, events = [], []
    for report, count in zip(reports, lines_for, strict=True):
        pool = customers[report.salesperson_id]
        for n in range(count):
            stage = stages[n % len(stages)] if n < len(stages) else rng.choice(stages)
            currency = "USD" if rng.random() < 0.2 else "CNY"
            amount = Decimal(rng.randrange(5, 500) * (100 if currency == "CNY" else 20)).quantize(Decimal("0.01"))
            probability = max(0, min(100, PROBABILITY[stage] + rng.choice((-5, 0, 0, 5)) if stage not in (
                Stage.WON, Stage.LOST) else PROBABILITY[stage]))  # fmt: skip
            opportunities.append(
                Opportunity(
                    report=report,
                    customer_id=rng.choice(pool),
                    description=rng.choice(DEALS),
                    stage=stage,
                    amount=amount,
                    currency=currency,
                    probability=probability,
                )  # fmt: skip
            )
        created = timezone.make_aware(datetime.combine(report.week + timedelta(days=4), time(17, 0)))
        events.append(WeeklyReportEvent(report=report, action="created", actor=report.salesperson, at=created))
        if report.submitted_at:
            due = timezone.localtime(week_deadline(report.week))
            comment = f"Late: due {due:%Y-%m-%d %H:%M}" if report.is_late else ""
            events.append(WeeklyReportEvent(report=report, action="submitted", actor=report.salesperson,
                                            at=report.submitted_at, comment=comment))  # fmt: skip
    Opportunity.objects.bulk_create(opportunities, batch_size=5000)
    WeeklyReportEvent.objects.bulk_create(events, batch_size=5000)
    ctx.say(f"reports: {len(reports)} weekly reports, {len(opportunities)} opportunities")


def _report(rng, salesperson, week, submitted_at, late) -> WeeklyReport:
    n, k = rng.randint(3, 9), rng.randint(0, 3)
    return WeeklyReport(
        salesperson=salesperson,
        week=week,
        status=WeeklyReport.Status.SUBMITTED if submitted_at else WeeklyReport.Status.DRAFT,
        submitted_at=submitted_at,
        submitted_by=salesperson if submitted_at else None,
        is_late=late and submitted_at is not None,
        created_by=salesperson,
        visit_count=n,
        visits=rng.choice(VISITS).format(n=n, k=min(k + 1, n), c=rng.randint(5, 20)),
        orders=rng.choice(ORDERS).format(k=k),
        problems=rng.choice(PROBLEMS),
        next_week_plan=rng.choice(PLANS),
    )
