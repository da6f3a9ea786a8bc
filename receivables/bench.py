"""Pages and exports of receivables for manage.py bench (core/bench.py).

run_dunning is measured on its own (receivables/management/commands/bench_dunning.py): it is a
job, not a page.
"""

from django.urls import reverse

from core.bench import COMPUTED, Page, _deep, _detail


def _statement(user):
    """The statement of the customer with the most invoices the user can see (500+ at --scale 100)."""
    from django.db.models import Count

    from receivables.models import Invoice

    row = Invoice.objects.visible_to(user).values("customer_id").annotate(n=Count("pk")).order_by("-n").first()
    if row is None:
        return None
    return reverse("receivables:statement", args=[row["customer_id"]]) + "?start=2020-01-01&end=2030-12-31&currency=CNY"


def _statement_pdf(user):
    url = _statement(user)
    return url.replace("/statement/?", "/statement.pdf?") if url else None


def _customer(user):
    """The receivables page of the customer with the most invoices the user can see."""
    url = _statement(user)
    return url.split("statement/")[0] if url else None


PAGES = [
    Page("receivables: invoices", lambda user: reverse("receivables:list")),
    Page("receivables: invoices, deep page", _deep("receivables:list", "receivables.Invoice")),
    Page("receivables: invoices, overdue", lambda user: reverse("receivables:list") + "?overdue=1"),
    Page("receivables: invoices, search", lambda user: reverse("receivables:list") + "?q=INV-2026-0001"),
    Page("receivables: invoice detail", _detail("receivables:detail", "receivables.Invoice")),
    Page("receivables: payments", lambda user: reverse("receivables:payment-list")),
    Page("receivables: payments, deep page", _deep("receivables:payment-list", "receivables.Payment")),
    Page("receivables: payment detail", _detail("receivables:payment-detail", "receivables.Payment")),
    Page("receivables: customer account", _customer),
    Page("receivables: aging by customer", lambda user: reverse("receivables:aging")),
    Page(
        "receivables: aging by customer, computed (not kept)",
        lambda user: reverse("receivables:aging"),
        settings=COMPUTED,
    ),
    Page("receivables: aging by salesperson", lambda user: reverse("receivables:aging") + "?by=salesperson"),
    Page("receivables: reminders sent", lambda user: reverse("receivables:reminder-list")),
    Page("receivables: month-end reconciliation", lambda user: reverse("receivables:reconciliation")),
    Page("receivables: statement, biggest customer", _statement),
    Page("receivables: statement PDF, biggest customer", _statement_pdf, target_ms=8000, repeat=3),
]
EXPORTS = [
    ("receivables: Excel of all invoices", "gm", "receivables:export"),
    ("receivables: Excel of all payments", "gm", "receivables:payment-export"),
    ("receivables: aging Excel", "gm", "receivables:aging-export"),
    ("receivables: reconciliation Excel", "gm", "receivables:reconciliation-export"),
]
