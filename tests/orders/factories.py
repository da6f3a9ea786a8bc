"""Shared helpers for the orders tests (imported by every orders engineer's tests).

Plain functions rather than factory_boy classes: an order is only consistent when its lines,
amounts and total are written together, which these helpers do.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils import timezone

from core.sequences import next_number
from orders.models import Order, OrderEvent, OrderLine, Product

_sku = itertools.count(1)


def make_product(**kw) -> Product:
    n = next(_sku)
    defaults = {
        "sku": f"TP-{n:05d}",
        "name": f"测试产品{n}",
        "name_en": f"Test product {n}",
        "unit": Product.Unit.PCS,
        "list_price": Decimal("10.00"),
        "currency": "CNY",
    }
    defaults.update(kw)
    while Product.objects.filter(sku=defaults["sku"]).exists():
        defaults["sku"] = f"TP-{next(_sku):05d}"
    return Product.objects.create(**defaults)


def make_order(
    salesperson,
    customer,
    lines=None,
    status: str = Order.Status.RECEIVED,
    maker=None,
    **kw,
) -> Order:
    """An order with ``lines`` = [(product, qty, price), ...] (a product is made when none is given).

    Amounts and the total are computed; one OrderEvent ("" → received, and → ``status`` when it differs)
    is recorded. Lines of a shipped or closed order are fully shipped. Extra keyword arguments are Order fields (currency, customer_po, received_on, ...).
    """
    if lines is None:
        lines = [(make_product(), Decimal("10"), Decimal("5.00"))]
    fields = {
        "number": next_number("SO"),
        "customer_po": kw.pop("customer_po", None) or f"PO-{next(_sku):06d}",
        "currency": "CNY",
        "received_on": timezone.localdate(),
    }
    fields.update(kw)
    maker = maker or salesperson
    order = Order.objects.create(salesperson=salesperson, customer=customer, maker=maker, status=status, **fields)
    total = Decimal("0.00")
    objs = []
    for product, qty, price in lines:
        line = OrderLine(order=order, product=product, quantity=Decimal(str(qty)), unit_price=Decimal(str(price)))
        if status in (Order.Status.SHIPPED, Order.Status.CLOSED):
            line.shipped_quantity = line.quantity  # consistent with the status; no Shipment rows are made
        total += line.compute_amount()
        objs.append(line)
    OrderLine.objects.bulk_create(objs)
    order.total = total
    if status == Order.Status.CLOSED and not order.closed_on:
        order.closed_on = timezone.localdate()
    order.save(update_fields=["total", "closed_on"])
    OrderEvent.objects.create(order=order, from_status="", to_status=Order.Status.RECEIVED, actor=maker)
    if status != Order.Status.RECEIVED:
        OrderEvent.objects.create(order=order, from_status=Order.Status.RECEIVED, to_status=status, actor=maker)
    return order
