"""Demo receivables: invoices against the demo orders in every aging bucket, payments (full,
partial, one overpayment kept as credit, a few awaiting finance), a disputed customer, promises
to pay, exchange rates and the dunning policy.

About 700 invoices per scale, four in five still open: ``--scale 100`` gives ~70,000 invoices and
over 50,000 open ones. Rows go in with executemany in batches, COPY on PostgreSQL (orders.seed._insert); numbers are
reserved per year in one go. Deterministic (one draw from ctx.rng) and idempotent (only orders
without an invoice are invoiced, up to the scale's target).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.seed import SeedContext
from core.sequences import reserve_numbers
from orders.models import Order, OrderLine
from orders.seed import _insert

from .models import (
    Allocation,
    DunningPause,
    DunningPolicy,
    ExchangeRate,
    Instalment,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    Payment,
    PromiseToPay,
)

INVOICES_PER_SCALE = 700
DISPUTE = "质量争议：客户投诉第二批货色差，待质检报告 Quality dispute on the second lot"
CENT = Decimal("0.01")
RATES = {
    "USD": "7.180000",
    "EUR": "7.820000",
    "JPY": "0.048000",
    "HKD": "0.920000",
    "TWD": "0.224000",
    "GBP": "9.100000",
}
INVOICEABLE = [s for s in Order.Status.values if s not in ("received", "cancelled")]


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())
    DunningPolicy.current()
    for currency, rate in RATES.items():
        ExchangeRate.objects.get_or_create(
            currency=currency, valid_from=date(2025, 1, 1), defaults={"rate": Decimal(rate)}
        )
    target = INVOICES_PER_SCALE * ctx.scale
    existing = Invoice.objects.count()
    if existing >= target:
        ctx.say(f"receivables: {existing} invoices exist, nothing to add")
        return
    orders = list(
        Order.objects.filter(status__in=INVOICEABLE, invoices__isnull=True)
        .order_by("pk")
        .values("pk", "salesperson_id", "customer_id", "maker_id", "currency", "received_on")[: target - existing]
    )
    if not orders:
        ctx.say("receivables: no order to invoice")
        return
    _seed(ctx, rng, orders)


def _seed(ctx: SeedContext, rng: random.Random, orders: list[dict]) -> None:
    users = ctx.users
    finance = users.get("finance1")
    today = timezone.localdate()
    now = timezone.now()
    lines_by_order = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=[o["pk"] for o in orders]).values(
        "pk", "order_id", "quantity", "unit_price"
    ):
        lines_by_order[line["order_id"]].append(line)

    plans = []
    for order in orders:
        invoice_date = min(today, order["received_on"] + timedelta(days=rng.randint(3, 40)))
        age = (today - invoice_date).days
        r = rng.random()
        terms = Invoice.Terms.NET if r < 0.85 else Invoice.Terms.END_OF_MONTH if r < 0.95 else Invoice.Terms.INSTALMENTS
        net_days = rng.choice([30, 30, 45, 60, 90])
        # Older invoices are mostly paid, recent ones mostly open: every aging bucket gets its share.
        paid_share = 0.35 if age > 300 else 0.12
        p = rng.random()
        payment = "full" if p < paid_share else "partial" if p < paid_share + 0.08 else None
        draft = age < 5 and rng.random() < 0.3
        plans.append((order, invoice_date, terms, net_days, payment, draft))

    numbers: dict[int, list[str]] = {}
    by_year = defaultdict(int)
    for _o, invoice_date, *_rest in plans:
        by_year[invoice_date.year] += 1
    for year, count in by_year.items():
        numbers[year] = reserve_numbers("INV", count, year=year)

    invoices = []
    for order, invoice_date, terms, net_days, _payment, draft in plans:
        lines = lines_by_order[order["pk"]]
        total = sum(((line["quantity"] * line["unit_price"]).quantize(CENT) for line in lines), Decimal("0"))
        checker = finance if order["maker_id"] != finance.pk else users["gm"]
        invoices.append(
            Invoice(
                number=numbers[invoice_date.year].pop(0),
                order_id=order["pk"],
                salesperson_id=order["salesperson_id"],
                customer_id=order["customer_id"],
                currency=order["currency"],
                invoice_date=invoice_date,
                total=total,
                terms=terms,
                net_days=net_days,
                deposit_percent=Decimal("30") if terms == Invoice.Terms.INSTALMENTS else 0,
                balance_days=60 if terms == Invoice.Terms.INSTALMENTS else 0,
                status=Invoice.Status.DRAFT if draft else Invoice.Status.ISSUED,
                maker_id=order["maker_id"],
                checker_id=None if draft else checker.pk,
                checked_at=None if draft else now,
                note="",
                created_at=now,
            )
        )
    _insert(Invoice, invoices, ids=True)

    invoice_lines, instalments, events = [], [], []
    for invoice, (order, invoice_date, terms, net_days, _payment, draft) in zip(invoices, plans, strict=True):
        for line in lines_by_order[order["pk"]]:
            invoice_lines.append(
                InvoiceLine(
                    invoice_id=invoice.pk,
                    order_line_id=line["pk"],
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    amount=(line["quantity"] * line["unit_price"]).quantize(CENT),
                )
            )
        if terms == Invoice.Terms.INSTALMENTS:
            deposit = (invoice.total * Decimal("0.3")).quantize(CENT)
            instalments.append(
                Instalment(
                    invoice_id=invoice.pk,
                    sequence=1,
                    label="Deposit 30%",
                    amount=deposit,
                    trigger="invoice",
                    days=7,
                    due_on=invoice_date + timedelta(days=7),
                )
            )
            instalments.append(
                Instalment(
                    invoice_id=invoice.pk,
                    sequence=2,
                    label="Balance 60 days after shipment",
                    amount=invoice.total - deposit,
                    trigger="shipment",
                    days=60,
                    due_on=invoice_date + timedelta(days=60),
                )
            )
        elif terms == Invoice.Terms.END_OF_MONTH:
            month_end = (invoice_date.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            instalments.append(
                Instalment(
                    invoice_id=invoice.pk,
                    sequence=1,
                    label=f"Month end + {net_days} days",
                    amount=invoice.total,
                    trigger="eom",
                    days=net_days,
                    due_on=month_end + timedelta(days=net_days),
                )
            )
        else:
            instalments.append(
                Instalment(
                    invoice_id=invoice.pk,
                    sequence=1,
                    label=f"Net {net_days} days",
                    amount=invoice.total,
                    trigger="invoice",
                    days=net_days,
                    due_on=invoice_date + timedelta(days=net_days),
                )
            )
        events.append(
            InvoiceEvent(invoice_id=invoice.pk, action="prepared", actor_id=invoice.maker_id, at=now, comment="")
        )
        if not draft:
            events.append(
                InvoiceEvent(invoice_id=invoice.pk, action="checked", actor_id=invoice.checker_id, at=now, comment="")
            )
    _insert(InvoiceLine, invoice_lines)
    for instalment in instalments:
        instalment.stored_open = instalment.amount  # less the allocations below, once they are in
    _insert(Instalment, instalments, ids=True)
    _insert(InvoiceEvent, events)

    by_invoice = defaultdict(list)
    for instalment in instalments:
        by_invoice[instalment.invoice_id].append(instalment)
    paying = [(inv, plan) for inv, plan in zip(invoices, plans, strict=True) if plan[4] and not plan[5]]
    pay_numbers = reserve_numbers("RC", len(paying) + 1, year=today.year)
    payments, allocations = [], []
    for n, (invoice, (_order, invoice_date, _t, net_days, kind, _d)) in enumerate(paying):
        amount = (
            invoice.total
            if kind == "full"
            else (invoice.total * Decimal(rng.choice(["0.3", "0.5", "0.7"]))).quantize(CENT)
        )
        if amount <= 0:
            continue
        received = min(today, invoice_date + timedelta(days=rng.randint(5, net_days + 20)))
        confirmed = (today - received).days > 3 or rng.random() < 0.5
        payments.append(
            Payment(
                number=pay_numbers[n],
                customer_id=invoice.customer_id,
                salesperson_id=invoice.salesperson_id,
                currency=invoice.currency,
                amount=amount,
                received_on=received,
                method=Payment.Method.TT,
                bank_reference=f"TT{rng.randint(10**7, 10**8 - 1)}",
                recorded_by_id=finance.pk,
                status=Payment.Status.CONFIRMED if confirmed else Payment.Status.RECORDED,
                confirmed_by_id=finance.pk if confirmed else None,
                confirmed_at=now if confirmed else None,
                reversed_by_id=None,
                reversed_at=None,
                reversal_reason="",
                note="",
                created_at=now,
            )
        )
        payments[-1]._invoice = invoice
    _insert(Payment, payments, ids=True)
    for payment in payments:
        left = payment.amount
        for instalment in sorted(by_invoice[payment._invoice.pk], key=lambda i: i.sequence):
            share = min(left, instalment.amount)
            if share <= 0:
                break
            allocations.append(
                Allocation(
                    payment_id=payment.pk,
                    instalment_id=instalment.pk,
                    amount=share,
                    created_by_id=finance.pk,
                    created_at=now,
                )
            )
            left -= share
    _insert(Allocation, allocations)
    Instalment.objects.refresh_open_amounts()  # one UPDATE: every instalment less what was allocated

    _disputes_and_promises(ctx, rng, today)
    ctx.say(f"receivables: {len(invoices)} invoices, {len(payments)} payments")


def _disputes_and_promises(ctx: SeedContext, rng: random.Random, today: date) -> None:
    users = ctx.users
    sales1 = users["sales1"]
    if not DunningPause.objects.exists():
        disputed = Invoice.objects.filter(salesperson=sales1, status=Invoice.Status.ISSUED).order_by("pk").first()
        if disputed:
            DunningPause.objects.create(customer_id=disputed.customer_id, paused_by=sales1, reason=DISPUTE)
    if not PromiseToPay.objects.exists():
        overdue = list(
            Instalment.objects.open()
            .filter(due_on__lt=today, invoice__salesperson=sales1)
            .select_related("invoice")
            .order_by("due_on")[:12]
        )
        for n, instalment in enumerate(overdue):
            # half still pending (chasing paused), half broken (promised date passed, chasing resumed)
            promised = (
                today + timedelta(days=rng.randint(1, 10)) if n % 2 == 0 else today - timedelta(days=rng.randint(1, 5))
            )
            PromiseToPay.objects.create(
                invoice=instalment.invoice,
                promised_on=promised,
                amount=instalment.open_amount,
                note="电话沟通 phone call",
                recorded_by=users["assistant1"],
                recorded_at=timezone.now() - timedelta(days=7),
            )
    credit_customer = (
        Invoice.objects.filter(salesperson=sales1, status=Invoice.Status.ISSUED)
        .order_by("-pk")
        .values_list("customer_id", "currency")
        .first()
    )
    if credit_customer and not Payment.objects.filter(note="overpayment").exists():
        Payment.objects.create(
            number=reserve_numbers("RC", 1)[0],
            customer_id=credit_customer[0],
            salesperson=sales1,
            currency=credit_customer[1],
            amount=Decimal("888.00"),
            received_on=today - timedelta(days=2),
            bank_reference="TT-CREDIT-1",
            recorded_by=users["finance1"],
            note="overpayment",
        )
