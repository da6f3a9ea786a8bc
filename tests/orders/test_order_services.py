"""Order services: who may file for whom, intake checks, the status flow, shipments, edits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderLine, Quotation, QuotationLine, Shipment
from orders.services.orders import (
    order_acknowledge_flags,
    order_apply_shipment,
    order_create,
    order_intake_check,
    order_transition,
    order_update,
)
from tests.orders.factories import make_order, make_product

S = Order.Status
D = Decimal


@pytest.fixture
def product(db):
    return make_product(list_price=D("12.50"), currency="CNY")


def create(cast, actor=None, *, salesperson=None, customer=None, po="PO-1", lines=None, **kw):
    product = kw.pop("product", None) or make_product(list_price=D("12.50"))
    return order_create(
        actor=actor or cast.sales1,
        salesperson=salesperson or cast.sales1,
        customer=customer or cast.customer_of_assistant1,
        customer_po=po,
        currency=kw.pop("currency", "CNY"),
        lines=lines if lines is not None else [{"product": product, "quantity": D("100"), "unit_price": D("12.50")}],
        **kw,
    )


# Filing ---------------------------------------------------------------------------------


def test_create_numbers_lines_total_and_event(cast, product):
    order = create(
        cast,
        cast.assistant1,
        lines=[
            {"product": product, "quantity": D("3"), "unit_price": D("12.50")},
            {"product": make_product(list_price=D("0.10")), "quantity": D("7.5"), "unit_price": D("0.10")},
        ],
    )
    assert order.number.startswith(f"SO-{timezone.localdate().year}-")
    assert order.status == S.RECEIVED and order.maker == cast.assistant1
    amounts = list(order.lines.values_list("amount", flat=True))
    assert amounts == [D("37.50"), D("0.75")]
    order.refresh_from_db()
    assert order.total == D("38.25")
    assert order.intake_flags == []
    event = order.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", S.RECEIVED, cast.assistant1)


@pytest.mark.parametrize(
    "who, salesperson, customer, ok",
    [
        ("sales1", "sales1", "customer_of_assistant1", True),
        ("sales1", "sales2", "customer_of_sales2", False),  # not their salesperson
        ("manager1", "sales2", "customer_of_sales2", True),
        ("manager1", "sales3", "customer_of_sales3", False),  # outside jurisdiction
        ("gm", "sales3", "customer_of_sales3", True),
        ("assistant1", "sales1", "customer_of_assistant1", True),
        ("assistant1", "sales1", "customer_shared", True),
        ("assistant1", "sales1", "customer_of_assistant2", False),  # not assigned to them
        ("assistant1", "sales1", "customer_unassigned", False),
        ("assistant1", "sales2", "customer_of_sales2", False),  # does not serve sales2
        ("assistant2", "sales2", "customer_of_sales2", True),
        ("sales1", "sales1", "customer_of_sales2", False),  # somebody else's customer
        ("finance1", "sales1", "customer_of_assistant1", False),
    ],
)
def test_create_permissions(cast, who, salesperson, customer, ok):
    args = {"salesperson": getattr(cast, salesperson), "customer": getattr(cast, customer)}
    if ok:
        assert create(cast, getattr(cast, who), **args).pk
    else:
        with pytest.raises(ValidationError):
            create(cast, getattr(cast, who), **args)
        assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_customer_must_belong_to_the_salesperson(cast):
    # A customer the manager sees, but of another salesperson than the one chosen.
    with pytest.raises(ValidationError) as exc:
        create(cast, cast.manager1, salesperson=cast.sales2, customer=cast.customer_of_assistant1)
    assert "customer" in exc.value.message_dict


def test_duplicate_po_is_a_clear_error(cast):
    first = create(cast, po="PO-77")
    with pytest.raises(ValidationError) as exc:
        create(cast, po=" PO-77 ")
    assert first.number in exc.value.message_dict["customer_po"][0]
    assert Order.objects.count() == 1
    # The same PO from another customer is allowed, but flagged.
    other = create(cast, customer=cast.customer_shared, po="PO-77")
    assert [f["kind"] for f in other.intake_flags] == ["po_duplicate"]


def test_needs_lines_and_sane_numbers(cast, product):
    with pytest.raises(ValidationError) as exc:
        create(cast, lines=[])
    assert "lines" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create(cast, lines=[{"product": product, "quantity": D("0"), "unit_price": D("-1")}])
    assert len(exc.value.message_dict["lines"]) == 2
    assert not Order.objects.exists()


def test_received_in_the_future_is_refused(cast):
    with pytest.raises(ValidationError):
        create(cast, received_on=timezone.localdate() + timedelta(days=1))


# Intake checks ---------------------------------------------------------------------------


def quotation(cast, lines, currency="CNY"):
    q = Quotation.objects.create(
        number=f"QT-T-{Quotation.objects.count() + 1}",
        salesperson=cast.sales1,
        customer=cast.customer_of_assistant1,
        maker=cast.sales1,
        currency=currency,
        status=Quotation.Status.ACCEPTED,
    )
    for product, qty, price, discount in lines:
        line = QuotationLine(quotation=q, product=product, quantity=qty, unit_price=price, discount_percent=discount)
        line.compute_amount()
        line.save()
    return q


def test_intake_against_quotation_flags_price_and_quantity(cast):
    a, b, c = make_product(list_price=D("10")), make_product(list_price=D("20")), make_product(list_price=D("5"))
    q = quotation(cast, [(a, D("100"), D("10.00"), D("10")), (b, D("50"), D("20.00"), D("0"))])
    order = create(
        cast,
        quotation=q,
        lines=[
            {"product": a, "quantity": D("100"), "unit_price": D("9.00")},  # net price after 10% off: matches
            {"product": b, "quantity": D("60"), "unit_price": D("19.50")},  # both differ
            {"product": c, "quantity": D("1"), "unit_price": D("5.00")},  # not quoted, list price matches
        ],
    )
    kinds = [(f["kind"], f["line"]) for f in order.intake_flags]
    lines = list(order.lines.all())
    assert kinds == [("price", lines[1].pk), ("quantity", lines[1].pk), ("not_quoted", lines[2].pk)]
    assert "19.50" in order.intake_flags[0]["message"] and "20.00" in order.intake_flags[0]["message"]
    assert "60" in order.intake_flags[1]["message"] and "50" in order.intake_flags[1]["message"]
    assert (lines[0].reference_price, lines[0].reference_quantity) == (D("9.00"), D("100"))
    assert lines[2].reference_price == D("5.00") and lines[2].reference_quantity is None


def test_intake_against_list_price_and_currency(cast):
    cny, usd = make_product(list_price=D("8.00")), make_product(list_price=D("3.00"), currency="USD")
    order = create(
        cast,
        lines=[
            {"product": cny, "quantity": D("10"), "unit_price": D("7.20")},
            {"product": usd, "quantity": D("10"), "unit_price": D("21.00")},
        ],
    )
    assert [f["kind"] for f in order.intake_flags] == ["price", "currency"]
    assert "7.20" in order.intake_flags[0]["message"] and "8.00" in order.intake_flags[0]["message"]
    assert order.lines.last().reference_price is None


def test_quotation_in_other_currency_is_flagged(cast):
    a = make_product(list_price=D("10"))
    q = quotation(cast, [(a, D("10"), D("10"), D("0"))], currency="USD")
    order = create(cast, quotation=q, lines=[{"product": a, "quantity": D("10"), "unit_price": D("70")}])
    assert [f["kind"] for f in order.intake_flags] == ["currency"]


def test_confirm_blocked_until_flags_acknowledged(cast):
    order = create(
        cast,
        confirmed_delivery=timezone.localdate() + timedelta(days=30),
        lines=[{"product": make_product(list_price=D("10")), "quantity": D("1"), "unit_price": D("9")}],
    )
    assert order.intake_flags
    with pytest.raises(ValidationError, match="acknowledge"):
        order_transition(order=order, to_status=S.CONFIRMED, actor=cast.sales1)
    order_acknowledge_flags(order=order, actor=cast.assistant1)
    order.refresh_from_db()
    assert order.flags_acknowledged_by == cast.assistant1 and order.flags_acknowledged_at
    order_transition(order=order, to_status=S.CONFIRMED, actor=cast.sales1)
    order.refresh_from_db()
    assert order.status == S.CONFIRMED


def test_changed_flags_clear_the_acknowledgement(cast):
    product = make_product(list_price=D("10"))
    order = create(cast, lines=[{"product": product, "quantity": D("1"), "unit_price": D("9")}])
    order_acknowledge_flags(order=order, actor=cast.sales1)
    order.refresh_from_db()
    order_intake_check(order)  # same differences: the acknowledgement stands
    order.refresh_from_db()
    assert order.flags_acknowledged_at is not None
    line = order.lines.get()
    order_update(
        order=order,
        actor=cast.sales1,
        lines=[{"id": line.pk, "product": product, "quantity": D("1"), "unit_price": D("8")}],
    )
    order.refresh_from_db()
    assert order.flags_acknowledged_at is None and order.flags_acknowledged_by is None
    assert "8.00" in order.intake_flags[0]["message"]


def test_acknowledge_refused_without_flags_or_scope(cast):
    order = create(cast)
    with pytest.raises(ValidationError):
        order_acknowledge_flags(order=order, actor=cast.sales1)
    with pytest.raises(ValidationError):
        order_acknowledge_flags(order=order, actor=cast.assistant3)


# Status flow ----------------------------------------------------------------------------

ALL_PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize("current, target", ALL_PAIRS)
def test_every_transition_allowed_or_refused(cast, current, target):
    order = make_order(
        cast.sales1,
        cast.customer_of_assistant1,
        status=current,
        confirmed_delivery=timezone.localdate() + timedelta(days=20),
    )
    allowed = target in Order.TRANSITIONS[current]
    if allowed:
        order_transition(order=order, to_status=target, actor=cast.assistant1, comment="because")
        order.refresh_from_db()
        assert order.status == target
        event = order.events.last()
        assert (event.from_status, event.to_status, event.actor, event.comment) == (
            current,
            target,
            cast.assistant1,
            "because",
        )
        if target == S.CLOSED:
            assert order.closed_on == timezone.localdate()
    else:
        events = order.events.count()
        with pytest.raises(ValidationError) as exc:
            order_transition(order=order, to_status=target, actor=cast.assistant1, comment="because")
        message = exc.value.messages[0]
        assert str(S(current).label) in message and str(S(target).label) in message
        order.refresh_from_db()
        assert order.status == current and order.events.count() == events


def test_confirm_requires_confirmed_delivery(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    with pytest.raises(ValidationError, match="confirmed delivery"):
        order_transition(order=order, to_status=S.CONFIRMED, actor=cast.sales1)
    order_update(order=order, actor=cast.sales1, confirmed_delivery=timezone.localdate() + timedelta(days=9))
    assert order_transition(order=order, to_status=S.CONFIRMED, actor=cast.sales1).status == S.CONFIRMED


def test_cancel_needs_a_reason_and_no_shipments(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=S.IN_PRODUCTION)
    with pytest.raises(ValidationError, match="why"):
        order_transition(order=order, to_status=S.CANCELLED, actor=cast.sales1)
    Shipment.objects.create(
        order=order, number="SH-T-1", shipped_on=timezone.localdate(), carrier="SF", prepared_by=cast.assistant1
    )
    with pytest.raises(ValidationError, match="shipments"):
        order_transition(order=order, to_status=S.CANCELLED, actor=cast.sales1, comment="customer withdrew")
    order.refresh_from_db()
    assert order.status == S.IN_PRODUCTION


def test_transition_outside_scope_refused(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, confirmed_delivery=timezone.localdate())
    for who in ("assistant2", "sales2", "manager2", "assistant3"):
        with pytest.raises(ValidationError):
            order_transition(order=order, to_status=S.CONFIRMED, actor=getattr(cast, who))
    order.refresh_from_db()
    assert order.status == S.RECEIVED


# Shipments -------------------------------------------------------------------------------


def test_apply_shipment_partly_then_fully(cast):
    p1, p2 = make_product(), make_product()
    order = make_order(
        cast.sales1, cast.customer_of_assistant1, lines=[(p1, 10, 1), (p2, 5, 1)], status=S.IN_PRODUCTION
    )
    l1, l2 = order.lines.all()
    OrderLine.objects.filter(pk=l1.pk).update(shipped_quantity=10)
    order_apply_shipment(order=order, actor=cast.assistant1, comment="SH-1")
    order.refresh_from_db()
    assert order.status == S.PARTLY_SHIPPED
    OrderLine.objects.filter(pk=l2.pk).update(shipped_quantity=5)
    order_apply_shipment(order=order, actor=cast.assistant1, comment="SH-2")
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert list(order.events.values_list("from_status", "to_status", "comment"))[-2:] == [
        (S.IN_PRODUCTION, S.PARTLY_SHIPPED, "SH-1"),
        (S.PARTLY_SHIPPED, S.SHIPPED, "SH-2"),
    ]
    assert order_transition(order=order, to_status=S.CLOSED, actor=cast.sales1).status == S.CLOSED


@pytest.mark.parametrize("status", [S.RECEIVED, S.CANCELLED, S.CLOSED])
def test_apply_shipment_refused_when_not_shippable(cast, status):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=status)
    with pytest.raises(ValidationError):
        order_apply_shipment(order=order, actor=cast.sales1)


# Edits ------------------------------------------------------------------------------------


def test_update_header_and_lines(cast):
    product = make_product(list_price=D("2"))
    order = create(cast, lines=[{"product": product, "quantity": D("10"), "unit_price": D("2")}])
    line = order.lines.get()
    extra = make_product(list_price=D("3"))
    order_update(
        order=order,
        actor=cast.assistant1,
        customer_po="PO-1B",
        incoterm="FOB",
        lines=[
            {"id": line.pk, "product": product, "quantity": D("20"), "unit_price": D("2")},
            {"product": extra, "quantity": D("1"), "unit_price": D("3")},
        ],
    )
    order.refresh_from_db()
    assert (order.customer_po, order.incoterm, order.total) == ("PO-1B", "FOB", D("43.00"))
    assert order.lines.get(pk=line.pk).quantity == D("20")
    # Removing a line
    order_update(
        order=order, actor=cast.sales1, lines=[{"id": line.pk, "product": product, "quantity": 1, "unit_price": 2}]
    )
    order.refresh_from_db()
    assert order.lines.count() == 1 and order.total == D("2.00")


def test_update_rules(cast):
    order = make_order(
        cast.sales1, cast.customer_of_assistant1, status=S.CONFIRMED, confirmed_delivery=timezone.localdate()
    )
    product = order.lines.get().product
    with pytest.raises(ValidationError, match="confirmed order"):
        order_update(order=order, actor=cast.sales1, lines=[{"product": product, "quantity": 1, "unit_price": 1}])
    with pytest.raises(ValidationError):
        order_update(order=order, actor=cast.sales1, confirmed_delivery=None)
    with pytest.raises(ValidationError):
        order_update(order=order, actor=cast.sales1, currency="USD")
    order_update(order=order, actor=cast.sales1, notes="call before delivery")
    other = make_order(cast.sales1, cast.customer_of_assistant1, customer_po="PO-X")
    with pytest.raises(ValidationError) as exc:
        order_update(order=order, actor=cast.sales1, customer_po="PO-X")
    assert other.number in exc.value.message_dict["customer_po"][0]
    order_transition(order=order, to_status=S.IN_PRODUCTION, actor=cast.sales1)
    with pytest.raises(ValidationError, match="no longer be edited"):
        order_update(order=order, actor=cast.sales1, notes="x")
    with pytest.raises(ValidationError):
        order_update(order=other, actor=cast.assistant2, notes="not mine")
    assert OrderEvent.objects.filter(order=order).count() == 3


def test_incoterm_normalised_or_refused(cast):
    assert create(cast, incoterm="fob Shanghai").incoterm == "FOB"
    with pytest.raises(ValidationError) as exc:
        create(cast, po="PO-2", incoterm="XYZ")
    assert "incoterm" in exc.value.message_dict
