"""Home queues: invoices to chase (assistant), overdue total and top customers (manager, base
currency), payments to confirm and invoices to review (finance)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from receivables import queues
from receivables.models import ExchangeRate
from receivables.services.chasing import pause_customer
from receivables.services.payments import payment_record

from .factories import make_invoice

TODAY = date(2026, 7, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2026, 7, 15), tick=False):
        yield


def test_assistant_sees_overdue_invoices_of_assigned_customers_only(cast):
    mine = make_invoice(cast, customer=cast.customer_of_assistant1, due_on=date(2026, 7, 1))
    other = make_invoice(cast, customer=cast.customer_of_assistant2, due_on=date(2026, 7, 1))
    make_invoice(cast, customer=cast.customer_of_assistant1, due_on=date(2026, 7, 30))  # not due
    items = queues.invoices_to_chase_for(cast.assistant1, TODAY)
    assert [i.label.split()[0] for i in items] == [mine.number]
    assert items[0].badge == "14 days overdue"
    assert other.number in queues.invoices_to_chase_for(cast.assistant2, TODAY)[0].label
    pause_customer(customer=cast.customer_of_assistant1, actor=cast.sales1, reason="dispute")
    assert queues.invoices_to_chase_for(cast.assistant1, TODAY) == []


def test_manager_totals_in_base_currency_and_top_customers(cast):
    make_invoice(cast, customer=cast.customer_of_assistant1, amount=Decimal("1000.00"), due_on=date(2026, 7, 1))
    make_invoice(cast, customer=cast.customer_shared, amount=Decimal("100.00"), due_on=date(2026, 7, 1), currency="USD")
    make_invoice(
        cast, salesperson=cast.sales3, customer=cast.customer_of_sales3, amount=Decimal("5.00"), due_on=date(2026, 7, 1)
    )
    ExchangeRate.objects.create(currency="USD", valid_from=date(2026, 1, 1), rate=Decimal("7.2"))
    total = queues.overdue_total_for(cast.manager1, TODAY)
    assert total[0].badge == "CNY 1,720.00"  # team A only: 1000 + 100 × 7.2
    top = queues.top_overdue_customers_for(cast.manager1, TODAY)
    assert [i.label.split()[0] for i in top] == ["T-A1", "T-SH"]
    assert queues.overdue_total_for(cast.gm, TODAY)[0].badge == "CNY 1,725.00"


def test_finance_queues(cast):
    draft = make_invoice(cast, issued=False, maker=cast.sales1)
    payment = payment_record(actor=cast.assistant1, customer=cast.customer_of_assistant1, amount=Decimal("10"), currency="CNY",
                             received_on=TODAY)  # fmt: skip
    assert [i.url for i in queues.payments_to_confirm_for(cast.finance1, TODAY)] == [payment.get_absolute_url()]
    assert [i.url for i in queues.invoices_to_review_for(cast.finance1, TODAY)] == [draft.get_absolute_url()]
    assert queues.invoices_to_review_for(cast.sales1, TODAY) == []  # the maker is not asked to check their own


@pytest.mark.parametrize("who", ["assistant1", "manager1", "finance1", "sales1"])
def test_home_pages_render_the_sections(client, cast, who):
    make_invoice(cast, due_on=date(2026, 7, 1))
    client.force_login(getattr(cast, who))
    assert client.get(reverse("home")).status_code == 200
