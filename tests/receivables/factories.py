"""Helpers for receivables tests: an issued invoice in one call, payments, allocations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from orders.models import Order
from receivables.models import Instalment, Invoice, InvoiceLine, Payment
from receivables.services.invoices import invoice_check, invoice_create
from tests.orders.factories import make_order, make_product


def make_invoice(
    cast,
    *,
    salesperson=None,
    customer=None,
    amount: Decimal = Decimal("1000.00"),
    due_on: date | None = None,
    invoice_date: date | None = None,
    currency: str = "CNY",
    issued: bool = True,
    maker=None,
    checker=None,
    **kw,
) -> Invoice:
    """An invoice of one line worth ``amount`` (quantity 1) against a fresh confirmed order,
    issued through the services (double review) unless ``issued`` is False. ``due_on`` sets the
    net days from ``invoice_date``."""
    salesperson = salesperson or cast.sales1
    customer = customer or cast.customer_of_assistant1
    if invoice_date is None:
        invoice_date = min(date(2026, 6, 1), due_on - timedelta(days=30)) if due_on else date(2026, 6, 1)
    order = make_order(
        salesperson, customer, lines=[(make_product(), Decimal("1"), amount)],
        status=Order.Status.CONFIRMED, currency=currency,
    )  # fmt: skip
    net_days = (due_on - invoice_date).days if due_on else kw.pop("net_days", 30)
    line = order.lines.get()
    invoice = invoice_create(
        order=order, actor=maker or salesperson, invoice_date=invoice_date, quantities={line.pk: Decimal("1")},
        net_days=net_days, **kw,
    )  # fmt: skip
    if issued:
        invoice_check(invoice=invoice, actor=checker or cast.finance1)
    return Invoice.objects.with_open().get(pk=invoice.pk)


def instalment(invoice: Invoice) -> Instalment:
    return invoice.instalments.order_by("sequence").first()


__all__ = ["make_invoice", "instalment", "InvoiceLine", "Payment", "timedelta"]
