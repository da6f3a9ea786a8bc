"""Invoices (double review, quantities against the order, due dates, instalments tied to the
shipment), payments (allocation limits, credit, confirm, reverse) and contract_billing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orders.models import Order
from orders.services.shipments import shipment_check, shipment_prepare
from receivables.api import contract_billing
from receivables.models import Allocation, Instalment, Invoice, InvoiceEvent, Payment
from receivables.services.invoices import invoice_cancel, invoice_check, invoice_create
from receivables.services.payments import payment_allocate, payment_confirm, payment_record, payment_reverse
from tests.orders.factories import make_order, make_product

from .factories import make_invoice

D = Decimal


@pytest.fixture
def order(cast):
    return make_order(
        cast.sales1, cast.customer_of_assistant1,
        lines=[(make_product(), D("10"), D("12.50")), (make_product(), D("4"), D("100.00"))],
        status=Order.Status.CONFIRMED,
    )  # fmt: skip


def qty(order, *values):
    return {line.pk: D(v) for line, v in zip(order.lines.order_by("pk"), values, strict=True)}


def test_invoice_takes_prices_from_the_order_and_counts_only_after_a_second_person_checks(cast, order):
    invoice = invoice_create(
        order=order, actor=cast.assistant1, invoice_date=date(2026, 6, 1), quantities=qty(order, "4", "1")
    )
    assert invoice.total == D("150.00")  # 4 × 12.50 + 1 × 100
    assert invoice.status == Invoice.Status.DRAFT
    assert not Instalment.objects.open().filter(invoice=invoice).exists()  # not counted yet
    with pytest.raises(ValidationError) as error:
        invoice_check(invoice=invoice, actor=cast.assistant1)
    assert error.value.code == "same_person"
    with pytest.raises(ValidationError):
        invoice_check(invoice=invoice, actor=cast.sales3)  # outside scope
    invoice_check(invoice=invoice, actor=cast.sales1)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.checker) == (Invoice.Status.ISSUED, cast.sales1)
    assert Instalment.objects.open().get(invoice=invoice).due_on == date(2026, 7, 1)
    assert list(InvoiceEvent.objects.filter(invoice=invoice).values_list("action", flat=True)) == [
        "prepared",
        "checked",
    ]


def test_database_refuses_checker_equal_to_maker(cast):
    invoice = make_invoice(cast, issued=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(checker=invoice.maker)


def test_an_invoice_never_exceeds_what_was_ordered(cast, order):
    invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 6, 1), quantities=qty(order, "8", "4"))
    with pytest.raises(ValidationError) as error:
        invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 6, 2), quantities=qty(order, "3", "0"))
    line = order.lines.order_by("pk").first()
    assert "Only 2 of this line" in error.value.message_dict[f"qty_{line.pk}"][0]
    # a cancelled invoice frees its quantity
    first = Invoice.objects.get(order=order)
    invoice_cancel(invoice=first, actor=cast.sales1, reason="wrong quantities")
    invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 6, 2), quantities=qty(order, "10", "4"))


def test_an_unconfirmed_order_cannot_be_invoiced(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.RECEIVED)
    with pytest.raises(ValidationError) as error:
        invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 6, 1), quantities=qty(order, "1"))
    assert error.value.code == "status"


def test_assistant_cannot_invoice_a_customer_not_assigned_to_them(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant2, status=Order.Status.CONFIRMED)
    with pytest.raises(ValidationError) as error:
        invoice_create(order=order, actor=cast.assistant1, invoice_date=date(2026, 6, 1), quantities=qty(order, "1"))
    assert error.value.code == "scope"


def test_end_of_month_terms(cast, order):
    invoice = invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 2, 10), quantities=qty(order, "1", "0"),
                             terms=Invoice.Terms.END_OF_MONTH, net_days=30)  # fmt: skip
    assert invoice.instalments.get().due_on == date(2026, 3, 30)  # Feb 28 + 30


def test_deposit_and_balance_due_after_the_shipment_is_checked(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(make_product(), D("10"), D("100.00"))],
                       status=Order.Status.IN_PRODUCTION)  # fmt: skip
    invoice = invoice_create(
        order=order, actor=cast.sales1, invoice_date=date(2026, 6, 1), quantities=qty(order, "10"),
        terms=Invoice.Terms.INSTALMENTS, net_days=7, deposit_percent=D("30"), balance_days=60,
    )  # fmt: skip
    deposit, balance = invoice.instalments.order_by("sequence")
    assert (deposit.amount, deposit.due_on) == (D("300.00"), date(2026, 6, 8))
    assert (balance.amount, balance.due_on) == (D("700.00"), None)  # not shipped yet
    with time_machine.travel(date(2026, 7, 3)):
        shipment = shipment_prepare(order=order, actor=cast.assistant1, shipped_on=date(2026, 7, 2), carrier="COSCO",
                                    quantities=qty(order, "10"), tracking_number="BL-1")  # fmt: skip
        shipment_check(shipment=shipment, actor=cast.sales1)
    balance.refresh_from_db()
    assert balance.due_on == date(2026, 8, 31)  # B/L 07-02 + 60 days
    assert InvoiceEvent.objects.filter(invoice=invoice, action="due_date_set").exists()


def test_allocation_never_exceeds_the_invoice_or_the_payment_and_the_rest_is_credit(cast):
    a = make_invoice(cast, amount=D("1000.00"))
    b = make_invoice(cast, amount=D("500.00"))
    payment = payment_record(actor=cast.finance1, customer=a.customer, amount=D("1700.00"), currency="CNY",
                             received_on=date(2026, 6, 1), bank_reference="CMB-778")  # fmt: skip
    with pytest.raises(ValidationError) as error:  # more than the invoice has open
        payment_allocate(payment=payment, actor=cast.finance1, amounts={a.pk: D("1000.01")})
    assert f"alloc_{a.pk}" in error.value.message_dict
    payment_allocate(payment=payment, actor=cast.finance1, amounts={a.pk: D("1000"), b.pk: D("400")})
    payment = Payment.objects.with_allocated().get(pk=payment.pk)
    assert (payment.allocated, payment.unallocated) == (D("1400.00"), D("300.00"))
    with pytest.raises(ValidationError) as error:  # b has only 100 open
        payment_allocate(payment=payment, actor=cast.finance1, amounts={b.pk: D("100.01")})
    assert f"alloc_{b.pk}" in error.value.message_dict
    payment_allocate(payment=payment, actor=cast.finance1, amounts={b.pk: D("100")})
    assert Invoice.objects.with_open().filter(pk__in=[a.pk, b.pk], open_amount=0).count() == 2
    # 200 stays on the payment: the customer's credit, for the next invoice
    c = make_invoice(cast, amount=D("300.00"))
    with pytest.raises(ValidationError) as error:  # more than the payment has left
        payment_allocate(payment=payment, actor=cast.finance1, amounts={c.pk: D("200.01")})
    assert error.value.code == "payment_exceeded"
    payment_allocate(payment=payment, actor=cast.finance1, amounts={c.pk: D("200")})
    assert Payment.objects.with_allocated().get(pk=payment.pk).unallocated == D("0.00")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a zero allocation
        Allocation.objects.create(payment=payment, instalment=c.instalments.get(), amount=0, created_by=cast.finance1)


def test_allocation_spreads_over_instalments_in_due_date_order(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(make_product(), D("10"), D("100.00"))],
                       status=Order.Status.CONFIRMED)  # fmt: skip
    invoice = invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 6, 1), quantities=qty(order, "10"),
                             terms=Invoice.Terms.INSTALMENTS, net_days=0, deposit_percent=D("30"), balance_days=30)  # fmt: skip
    invoice_check(invoice=invoice, actor=cast.assistant1)
    payment = payment_record(actor=cast.assistant1, customer=invoice.customer, amount=D("400"), currency="CNY",
                             received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=payment, actor=cast.assistant1, amounts={invoice.pk: D("400")})
    shares = list(Allocation.objects.order_by("instalment__sequence").values_list("instalment__sequence", "amount"))
    assert shares == [(1, D("300.00")), (2, D("100.00"))]


def test_allocation_refuses_other_customer_or_currency(cast):
    other = make_invoice(cast, customer=cast.customer_shared)
    usd = make_invoice(cast, currency="USD")
    payment = payment_record(actor=cast.finance1, customer=cast.customer_of_assistant1, amount=D("100"), currency="CNY",
                             received_on=date(2026, 6, 1))  # fmt: skip
    with pytest.raises(ValidationError) as error:
        payment_allocate(payment=payment, actor=cast.finance1, amounts={other.pk: D("10"), usd.pk: D("10")})
    assert set(error.value.message_dict) == {f"alloc_{other.pk}", f"alloc_{usd.pk}"}


def test_confirm_is_finance_only_and_reversal_keeps_history(cast):
    invoice = make_invoice(cast)
    payment = payment_record(actor=cast.assistant1, customer=invoice.customer, amount=D("1000"), currency="CNY",
                             received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=payment, actor=cast.assistant1, amounts={invoice.pk: D("1000")})
    with pytest.raises(ValidationError):
        payment_confirm(payment=payment, actor=cast.sales1)
    payment_confirm(payment=payment, actor=cast.finance1)
    assert Invoice.objects.with_open().get(pk=invoice.pk).open_amount == 0
    with pytest.raises(ValidationError):
        payment_reverse(payment=payment, actor=cast.finance1, reason="  ")
    payment_reverse(payment=payment, actor=cast.finance1, reason="退票 cheque bounced")
    assert Invoice.objects.with_open().get(pk=invoice.pk).open_amount == D("1000.00")  # open again
    assert Allocation.objects.filter(payment=payment).count() == 1  # history kept
    assert list(InvoiceEvent.objects.filter(payment=payment).values_list("action", flat=True)) == [
        "recorded", "allocated", "confirmed", "reversed",
    ]  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(reversal_reason="")


def test_an_invoice_with_payments_cannot_be_cancelled(cast):
    invoice = make_invoice(cast)
    payment = payment_record(actor=cast.finance1, customer=invoice.customer, amount=D("10"), currency="CNY",
                             received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=payment, actor=cast.finance1, amounts={invoice.pk: D("10")})
    with pytest.raises(ValidationError) as error:
        invoice_cancel(invoice=invoice, actor=cast.sales1, reason="x")
    assert error.value.code == "paid"


def test_contract_billing_counts_issued_invoices_and_confirmed_payments(cast):
    from tests.contracts.factories import make_contract

    contract = make_contract(cast.sales1, cast.customer_of_assistant1)
    invoice = make_invoice(cast, amount=D("800.00"))
    Order.objects.filter(pk=invoice.order_id).update(contract=contract)
    draft = make_invoice(cast, amount=D("300.00"), issued=False)
    Order.objects.filter(pk=draft.order_id).update(contract=contract)
    confirmed = payment_record(actor=cast.finance1, customer=invoice.customer, amount=D("500"), currency="CNY",
                               received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=confirmed, actor=cast.finance1, amounts={invoice.pk: D("500")})
    payment_confirm(payment=confirmed, actor=cast.finance1)
    unconfirmed = payment_record(actor=cast.finance1, customer=invoice.customer, amount=D("100"), currency="CNY",
                                 received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=unconfirmed, actor=cast.finance1, amounts={invoice.pk: D("100")})
    assert contract_billing([contract.pk, 999999]) == {
        contract.pk: {"invoiced": D("800.00"), "paid": D("500.00")},
        999999: {"invoiced": D("0.00"), "paid": D("0.00")},
    }


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_allocations_never_overpay_an_invoice_on_postgresql(cast):
    import threading

    from django.db import connections

    from tests.conftest import require_postgresql

    require_postgresql()
    invoice = make_invoice(cast, amount=D("1000.00"))
    payments = [
        payment_record(
            actor=cast.finance1,
            customer=invoice.customer,
            amount=D("600"),
            currency="CNY",
            received_on=date(2026, 6, 1),
        )  # fmt: skip
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def allocate(payment):
        try:
            barrier.wait()
            payment_allocate(payment=payment, actor=cast.finance1, amounts={invoice.pk: D("600")})
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(p,)) for p in payments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Invoice.objects.with_open().get(pk=invoice.pk).open_amount == D("400.00")


def _stored_and_derived():
    """Every instalment's stored open amount next to the one derived from its allocations."""
    return {i.pk: (i.stored_open, i.open_amount) for i in Instalment.objects.with_open()}


def assert_stored_open_is_derived():
    pairs = _stored_and_derived()
    assert pairs and all(stored == derived for stored, derived in pairs.values()), pairs


def test_stored_open_amount_stays_equal_to_the_derived_one_through_payments_reversals_and_credit(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(make_product(), D("10"), D("100.00"))],
                       status=Order.Status.CONFIRMED)  # fmt: skip
    split = invoice_create(order=order, actor=cast.sales1, invoice_date=date(2026, 6, 1), quantities=qty(order, "10"),
                           terms=Invoice.Terms.INSTALMENTS, net_days=0, deposit_percent=D("30"), balance_days=30)  # fmt: skip
    invoice_check(invoice=split, actor=cast.assistant1)
    plain = make_invoice(cast, amount=D("500.00"))
    assert_stored_open_is_derived()  # new instalments: all open
    assert sorted(i.stored_open for i in Instalment.objects.filter(invoice=split)) == [D("300.00"), D("700.00")]

    first = payment_record(actor=cast.finance1, customer=plain.customer, amount=D("900"), currency="CNY",
                           received_on=date(2026, 6, 1))  # fmt: skip
    payment_allocate(payment=first, actor=cast.finance1, amounts={split.pk: D("400"), plain.pk: D("200")})
    assert_stored_open_is_derived()  # partly paid, over two instalments
    assert sorted(i.stored_open for i in Instalment.objects.filter(invoice=split)) == [D("0.00"), D("600.00")]
    payment_confirm(payment=first, actor=cast.finance1)
    second = payment_record(actor=cast.finance1, customer=plain.customer, amount=D("300"), currency="CNY",
                            received_on=date(2026, 6, 2))  # fmt: skip
    payment_allocate(payment=second, actor=cast.finance1, amounts={plain.pk: D("300")})  # settles it
    assert Instalment.objects.get(invoice=plain).stored_open == D("0.00")
    payment_allocate(payment=first, actor=cast.finance1, amounts={split.pk: D("300")})  # credit left on the payment
    assert_stored_open_is_derived()

    payment_reverse(payment=first, actor=cast.finance1, reason="退票 cheque bounced")
    assert_stored_open_is_derived()  # what the reversed payment paid is open again
    assert sorted(i.stored_open for i in Instalment.objects.filter(invoice=split)) == [D("300.00"), D("700.00")]
    assert Instalment.objects.get(invoice=plain).stored_open == D("200.00")  # the second payment still counts
    third = payment_record(actor=cast.finance1, customer=plain.customer, amount=D("1000"), currency="CNY",
                           received_on=date(2026, 6, 3))  # fmt: skip
    payment_allocate(payment=third, actor=cast.finance1, amounts={split.pk: D("1000")})
    assert_stored_open_is_derived()
    assert not Instalment.objects.filter(invoice=split, stored_open__gt=0).exists()
