"""What receivables puts on the home queues (core.home), imported by ReceivablesConfig.ready()."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.scope import scope_q
from core import home

from . import reports
from .models import Instalment, Invoice, Payment, PromiseToPay, open_pause_exists


def _money(amount, currency: str) -> str:
    return f"{currency} {amount:,.2f}"


def overdue_instalments(user, today: date):
    return (
        Instalment.objects.visible_to(user, join_assignment=False)  # with the pause and promise: many joins
        .still_open()
        .filter(due_on__lt=today)
        .alias(paused=open_pause_exists("invoice__customer"))
        .filter(paused=False)
        .exclude(invoice__promises__promised_on__gte=today)
    )


def invoices_to_chase_for(user, today: date) -> list[home.QueueItem]:
    queryset = overdue_instalments(user, today).select_related("invoice__customer").order_by("due_on", "pk")

    def item(instalment: Instalment) -> home.QueueItem:
        invoice = instalment.invoice
        days = (today - instalment.due_on).days
        return home.QueueItem(
            label=f"{invoice.number} {invoice.customer.display_name}",
            detail=_("Open %(amount)s, due %(date)s")
            % {
                "amount": _money(instalment.open_amount, invoice.currency),
                "date": formats.date_format(instalment.due_on, "SHORT_DATE_FORMAT"),
            },  # fmt: skip
            url=invoice.get_absolute_url(),
            badge=ngettext("%(count)d day overdue", "%(count)d days overdue", days) % {"count": days},
        )

    return home.first_items(
        queryset,
        item,
        url=reverse("receivables:list") + "?overdue=1",
        more_label=_("All %(count)s overdue instalments"),
    )


def _overdue_by_customer(user, today: date) -> list[dict]:
    """Overdue open amounts per customer and currency (the aging query, overdue rows only), kept on
    the request's user object so the two manager sections share one query."""
    cached = getattr(user, "_receivables_overdue", None)
    if cached is not None and cached[0] == today:
        return cached[1]
    rows = reports.aging(Instalment.objects.visible_to(user), today, by="customer", overdue_only=True)
    user._receivables_overdue = (today, rows)
    return rows


def overdue_total_for(user, today: date) -> list[home.QueueItem]:
    base = settings.BASE_CURRENCY
    total = sum((row["total_base"] for row in _overdue_by_customer(user, today) if row["total_base"] is not None), 0)
    if not total:
        return []
    return [
        home.QueueItem(
            label=_("Overdue receivables"),
            detail=_("in %(currency)s at stored exchange rates") % {"currency": base},
            url=reverse("receivables:aging"),
            badge=_money(total, base),
        )
    ]


def top_overdue_customers_for(user, today: date) -> list[home.QueueItem]:
    base = settings.BASE_CURRENCY
    per_customer: dict[int, list] = {}
    for row in _overdue_by_customer(user, today):
        key = row["invoice__customer_id"]
        entry = per_customer.setdefault(key, [f"{row['invoice__customer__code']} {row['invoice__customer__name']}", 0])
        entry[1] += row["total_base"] or 0
    top = sorted(per_customer.items(), key=lambda item: -item[1][1])[:10]
    return [
        home.QueueItem(label=label, url=reverse("receivables:customer", args=[pk]), badge=_money(total, base))
        for pk, (label, total) in top
    ]


def payments_to_confirm_for(user, today: date) -> list[home.QueueItem]:
    queryset = Payment.objects.visible_to(user).filter(status=Payment.Status.RECORDED).select_related("customer")

    def item(p: Payment) -> home.QueueItem:
        return home.QueueItem(
            label=f"{p.number} {p.customer.display_name}",
            detail=formats.date_format(p.received_on, "SHORT_DATE_FORMAT"),
            url=p.get_absolute_url(),
            badge=_money(p.amount, p.currency),
        )

    return home.first_items(
        queryset.order_by("received_on", "pk"),
        item,
        url=reverse("receivables:payment-list") + "?status=recorded",
        more_label=_("All %(count)s payments to confirm"),
    )


def invoices_to_review_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        Invoice.objects.visible_to(user)
        .filter(status=Invoice.Status.DRAFT)
        .exclude(maker=user)
        .select_related("customer", "maker")
    )

    def item(i: Invoice) -> home.QueueItem:
        return home.QueueItem(
            label=f"{i.number} {i.customer.display_name}",
            detail=_("prepared by %(name)s") % {"name": i.maker},
            url=i.get_absolute_url(),
            badge=_money(i.total, i.currency),
        )

    return home.first_items(
        queryset.order_by("created_at", "pk"),
        item,
        url=reverse("receivables:list") + "?status=draft",
        more_label=_("All %(count)s invoices to review"),
    )


def promises_due_for(user, today: date) -> list[home.QueueItem]:
    """Promises to pay falling due today: call the customer if the money does not arrive."""
    # The scope as a join, not "invoice in (the user's invoices)": the database starts from today's
    # promises (indexed) instead of listing every invoice the user may see first.
    promises = (
        PromiseToPay.objects.filter(
            scope_q(user, salesperson="invoice__salesperson", customer="invoice__customer", finance=True),
            promised_on=today,
            invoice__status=Invoice.Status.ISSUED,
        )
        .select_related("invoice__customer")
        .order_by("invoice__number", "pk")[: home.MAX_ITEMS]
    )
    return [
        home.QueueItem(
            label=f"{p.invoice.number} {p.invoice.customer.display_name}",
            detail=_("promised %(amount)s") % {"amount": _money(p.amount, p.invoice.currency)},
            url=p.invoice.get_absolute_url(),
            badge=_("Today"),
        )
        for p in promises
    ]


for section in (
    home.QueueSection(key="invoices_to_chase", title=gettext_lazy("Invoices to chase today"), icon="cash-coin",
                      roles=("assistant", "salesperson"), items=invoices_to_chase_for, order=20),
    home.QueueSection(key="promises_due", title=gettext_lazy("Promises to pay due today"), icon="calendar-check",
                      roles=("assistant", "salesperson"), items=promises_due_for, order=25),
    home.QueueSection(key="overdue_total", title=gettext_lazy("Overdue total"), icon="exclamation-triangle",
                      roles=("manager",), items=overdue_total_for, order=20),
    home.QueueSection(key="top_overdue_customers", title=gettext_lazy("Top 10 overdue customers"), icon="people",
                      roles=("manager",), items=top_overdue_customers_for, order=25),
    home.QueueSection(key="payments_to_confirm", title=gettext_lazy("Payments to confirm"), icon="bank",
                      roles=("finance",), items=payments_to_confirm_for, order=20),
    home.QueueSection(key="invoices_to_review", title=gettext_lazy("Invoices to review"), icon="receipt",
                      roles=("assistant", "salesperson", "finance"), items=invoices_to_review_for, order=30),
):  # fmt: skip
    home.register(section)
