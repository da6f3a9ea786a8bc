"""Lists that walk deep pages by key (core.pagination.DeferredJoinPaginator): page after page
they hold every row the user may see exactly once, in the list's own order, with the figures the
list annotates (a payment's allocated amount), and nothing out of scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import Contract
from contracts.views import ContractListView
from core.pagination import DeferredJoinPaginator
from customers.models import Company
from customers.views.companies import CompanyListView
from receivables.services.payments import payment_record
from receivables.views.payments import PaymentListView
from tests.contracts.factories import make_contract

PER_PAGE = 3


def _companies(cast):
    for n in range(7):
        Company.objects.create(code=f"T-D{n}", name=f"深页客户 {n}", owner=cast.sales1)
    Company.objects.create(code="T-DX", name="别人的客户", owner=cast.sales3)


def _contracts(cast):
    for n in range(7):
        make_contract(cast.sales1, cast.customer_unassigned, amount=f"{100 + n}.00", status=Contract.Status.SIGNED)
    make_contract(cast.sales3, cast.customer_of_sales3)


def _payments(cast):
    for n in range(7):
        payment_record(
            actor=cast.finance1, customer=cast.customer_unassigned, amount=Decimal(10 + n), currency="CNY",
            received_on=date(2026, 6, 1) + timedelta(days=n % 3),
        )  # fmt: skip
    payment_record(actor=cast.finance1, customer=cast.customer_of_sales3, amount=Decimal(1), currency="CNY",
                   received_on=date(2026, 6, 1))  # fmt: skip


CASES = [
    (CompanyListView, "customers:list", _companies, ["", "name", "-code"]),
    (ContractListView, "contracts:list", _contracts, ["", "amount", "-number"]),
    (PaymentListView, "receivables:payment-list", _payments, [""]),
]


@pytest.mark.parametrize("view, url_name, make, sorts", CASES, ids=[c[1] for c in CASES])
def test_deep_pages_hold_every_visible_row_once_in_order(client, cast, monkeypatch, view, url_name, make, sorts):
    assert view.paginator_class is DeferredJoinPaginator
    monkeypatch.setattr(view, "paginate_by", PER_PAGE)
    make(cast)
    client.force_login(cast.sales1)
    for sort in sorts:
        params = {"sort": sort} if sort else {}
        first = client.get(reverse(url_name), params)
        expected = list(first.context["paginator"].object_list.values_list("pk", flat=True))
        assert len(expected) > 2 * PER_PAGE
        seen = []
        for page in range(1, first.context["paginator"].num_pages + 1):
            rows = client.get(reverse(url_name), {**params, "page": page}).context["page_obj"].object_list
            seen += [row.pk for row in rows]
        assert seen == expected, sort
    model = first.context["paginator"].object_list.model
    visible = set(model.objects.visible_to(cast.sales1).values_list("pk", flat=True))
    assert set(seen) <= visible and len(seen) == len(set(seen))
