"""The performance checklist and statistics: ordered, shipped, invoiced, paid, % fulfilled, open balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import performance
from contracts.models import Contract
from orders.models import Order, OrderLine, Shipment, ShipmentLine
from tests.contracts.factories import make_contract
from tests.orders.factories import make_order, make_product

S = Contract.Status


@pytest.fixture
def billing(monkeypatch):
    figures: dict[int, dict[str, Decimal]] = {}

    def fake(ids):
        return {pk: figures.get(pk, {"invoiced": Decimal("0.00"), "paid": Decimal("0.00")}) for pk in ids}

    # receivables.api.contract_billing is being written by the receivables engineer; the
    # checklist only relies on its documented shape.
    monkeypatch.setattr(performance, "contract_billing", fake)
    return figures


def ship(order: Order, quantities: dict[OrderLine, str], day: date, actor, checker) -> Shipment:
    shipment = Shipment.objects.create(
        order=order, number=f"SH-{order.pk}-{day:%m%d}", status=Shipment.Status.CHECKED, shipped_on=day,
        carrier="顺丰", prepared_by=actor, checked_by=checker,
    )  # fmt: skip
    for line, qty in quantities.items():
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=Decimal(qty))
        OrderLine.objects.filter(pk=line.pk).update(shipped_quantity=Decimal(qty))
    return shipment


@pytest.fixture
def setup(cast, billing):
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, status=S.SIGNED,
                             amount="1000.00", signed_on=date(2026, 2, 10))  # fmt: skip
    product = make_product()
    order = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 10, "40.00"), (product, 5, "20.00")],
                       status=Order.Status.CONFIRMED, contract=contract)  # fmt: skip
    cancelled = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 1, "999.00")],
                           status=Order.Status.CANCELLED, contract=contract)  # fmt: skip
    first, second = order.lines.order_by("pk")
    ship(order, {first: "4", second: "5"}, date(2026, 3, 5), cast.assistant1, cast.assistant2)
    billing[contract.pk] = {"invoiced": Decimal("260.00"), "paid": Decimal("100.50")}
    return contract, order, cancelled


def test_checklist_figures(setup):
    contract, _order, _cancelled = setup
    row = performance.attach_billing(list(performance.with_performance(Contract.objects.filter(pk=contract.pk))))[0]
    assert row.ordered == Decimal("500.00")  # 400 + 100; the cancelled order is left out
    assert row.shipped == Decimal("260.00")  # 4 × 40 + 5 × 20
    assert (row.invoiced, row.paid) == (Decimal("260.00"), Decimal("100.50"))
    assert row.percent_fulfilled == Decimal("26.0")
    assert row.open_balance == Decimal("899.50")


def test_checklist_page_and_filters(client, cast, setup):
    contract, _order, _cancelled = setup
    done = make_contract(cast.sales1, cast.customer_unassigned, status=S.SIGNED, amount="0.00")
    make_contract(cast.sales1, cast.customer_of_assistant1, status=S.DRAFT)  # drafts are not tracked
    client.force_login(cast.assistant1)
    page = client.get(reverse("contracts:performance"))
    assert {c.pk for c in page.context["contracts"]} == {
        contract.pk
    }  # `done` is on a customer not assigned to assistant1
    client.force_login(cast.sales1)
    rows = client.get(reverse("contracts:performance") + "?fulfilment=open").context["contracts"]
    assert [c.pk for c in rows] == [contract.pk]
    rows = client.get(reverse("contracts:performance") + "?fulfilment=done").context["contracts"]
    assert [c.pk for c in rows] == [done.pk]
    html = client.get(reverse("contracts:performance")).content.decode()
    assert "CNY\xa0899.50" in html and "26.0%" in html


def bill(cast, contract: Contract, invoiced: str, paid: str) -> None:
    """A real issued invoice against an order of the contract, and a confirmed payment allocated to it."""
    from receivables.api import contract_billing
    from receivables.services.payments import payment_allocate, payment_confirm, payment_record
    from tests.receivables.factories import make_invoice

    invoice = make_invoice(cast, salesperson=contract.salesperson, customer=contract.customer,
                           amount=Decimal(invoiced), currency=contract.currency)  # fmt: skip
    Order.objects.filter(pk=invoice.order_id).update(contract=contract)
    payment = payment_record(actor=cast.finance1, customer=contract.customer, amount=Decimal(paid),
                             currency=contract.currency, received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=payment, actor=cast.finance1, amounts={invoice.pk: Decimal(paid)})
    payment_confirm(payment=payment, actor=cast.finance1)
    unconfirmed = payment_record(actor=cast.finance1, customer=contract.customer, amount=Decimal("1.00"),
                                 currency=contract.currency, received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=unconfirmed, actor=cast.finance1, amounts={invoice.pk: Decimal("1.00")})
    assert contract_billing([contract.pk])[contract.pk] == {"invoiced": Decimal(invoiced), "paid": Decimal(paid)}


def test_statistics_per_period_and_salesperson(cast, setup):
    contract, _order, _cancelled = setup
    # Statistics read receivables in one aggregate (not the faked contract_billing): real records.
    bill(cast, contract, "260.00", "100.50")
    make_contract(cast.sales2, cast.customer_of_sales2, status=S.SIGNED, amount="300.00", signed_on=date(2026, 5, 1))
    make_contract(cast.sales2, cast.customer_of_sales2, status=S.SIGNED, amount="7.00", currency="USD",
                  signed_on=date(2026, 5, 2))  # fmt: skip
    stats = performance.performance_statistics(cast.manager1, kind="quarter", year=2026)
    q1, q2 = date(2026, 1, 1), date(2026, 4, 1)
    assert stats.by_period[q1]["signed"] == {"CNY": Decimal("1000.00")}
    assert stats.by_period[q1]["shipped"] == {"CNY": Decimal("260.00")}
    assert stats.by_period[q1]["invoiced"] == {"CNY": Decimal("260.00")}
    assert stats.by_period[q1]["paid"] == {"CNY": Decimal("100.50")}
    assert stats.by_period[q2]["signed"] == {"CNY": Decimal("300.00"), "USD": Decimal("7.00")}
    people = {str(p.username): d for p, d in stats.by_salesperson}
    assert people["sales1"]["signed"] == {"CNY": Decimal("1000.00")}
    assert people["sales2"]["signed"]["USD"] == Decimal("7.00")
    assert people["sales1"]["invoiced"] == {"CNY": Decimal("260.00")}
    assert people["sales1"]["paid"] == {"CNY": Decimal("100.50")}
    assert stats.totals["paid"] == {"CNY": Decimal("100.50")}
    assert stats.totals["signed"] == {"CNY": Decimal("1300.00"), "USD": Decimal("7.00")}
    assert stats.currencies == ["CNY", "USD"]
    chart = stats.chart()
    assert chart["labels"] == ["2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"]
    assert chart["datasets"][0]["data"] == [1000.0, 300.0, 0.0, 0.0]
    monthly = performance.performance_statistics(cast.manager1, kind="month", year=2026)
    assert monthly.by_period[date(2026, 3, 1)]["shipped"] == {"CNY": Decimal("260.00")}
    annual = performance.performance_statistics(cast.manager1, kind="year", year=2026)
    assert len(annual.periods) == 5 and annual.by_period[date(2026, 1, 1)]["signed"]["CNY"] == Decimal("1300.00")
    # manager2 sees none of team A's
    assert performance.performance_statistics(cast.manager2, kind="year", year=2026).totals["signed"] == {}


@pytest.mark.parametrize(
    ("kind", "key", "start"),
    [
        ("month", "2026-01", date(2026, 1, 1)),
        ("month", "2026-12", date(2026, 12, 1)),
        ("quarter", "2026-03", date(2026, 1, 1)),
        ("quarter", "2026-04", date(2026, 4, 1)),
        ("quarter", "2026-09", date(2026, 7, 1)),
        ("quarter", "2026-12", date(2026, 10, 1)),
        ("year", "2022", date(2022, 1, 1)),
    ],
)
def test_statistics_period_keys_fold_into_period_starts(kind, key, start):
    # The statistics group on the ISO date's first characters in SQL; each key folds into the
    # start of its period (quarters from their months) as period_starts lists them.
    assert performance.period_start(kind, key) == start
    assert start in performance.period_starts(kind, 2026 if kind != "year" else 2025)


def test_statistics_quarter_boundaries_and_years(cast, setup):
    # Contracts on either side of a quarter's edge and in an earlier year land in their own period.
    for signed_on, amount in ((date(2026, 6, 30), "11.00"), (date(2026, 7, 1), "13.00"), (date(2023, 12, 31), "17.00")):
        make_contract(cast.sales1, cast.customer_unassigned, status=S.SIGNED, amount=amount, signed_on=signed_on)
    quarters = performance.performance_statistics(cast.manager1, kind="quarter", year=2026)
    assert quarters.by_period[date(2026, 4, 1)]["signed"]["CNY"] == Decimal("11.00")
    assert quarters.by_period[date(2026, 7, 1)]["signed"]["CNY"] == Decimal("13.00")
    years = performance.performance_statistics(cast.manager1, kind="year", year=2026)
    assert years.by_period[date(2023, 1, 1)]["signed"] == {"CNY": Decimal("17.00")}
    assert years.by_period[date(2026, 1, 1)]["signed"] == {"CNY": Decimal("1024.00")}  # 1000 from setup


def test_statistics_page_and_excel(client, cast, setup):
    client.force_login(cast.manager1)
    page = client.get(reverse("contracts:statistics") + "?period=month&year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="contract-chart-data"' in html and "2026-03" in html
    response = client.get(reverse("contracts:statistics-export") + "?period=month&year=2026")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("contracts:statistics") + "?period=bogus&year=abc").status_code == 200
