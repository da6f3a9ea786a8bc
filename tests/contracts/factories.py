"""Contracts for tests: written directly (lines, amount, status and its events together)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.models import Contract, ContractEvent, ContractLine
from core.sequences import next_number

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_contract(salesperson, customer, *, maker=None, status=Contract.Status.DRAFT, amount="1000.00", lines=None,
                  **kw) -> Contract:  # fmt: skip
    """A contract with one line of ``amount`` (or ``lines`` = [(description, qty, price), ...])."""
    today = timezone.localdate()
    fields = {
        "number": next_number("HT"),
        "currency": "CNY",
        "payment_terms": "30% T/T 预付, 70% 见提单副本付款",
        "delivery_terms": "FOB 上海",
        "valid_from": today,
        "valid_until": today + timedelta(days=365),
    }
    fields.update(kw)
    if status in (Contract.Status.SIGNED, Contract.Status.ARCHIVED):
        fields.setdefault("signed_on", today)
        fields.setdefault("register_number", next_number("HTDJ"))
    if status in Contract.AWAITING_APPROVAL:
        fields.setdefault("submitted_at", timezone.now())
    contract = Contract.objects.create(
        salesperson=salesperson, customer=customer, maker=maker or salesperson, status=status, **fields
    )
    lines = lines or [("测试产品 Test goods", Decimal("1"), Decimal(amount))]
    total = Decimal("0.00")
    for description, qty, price in lines:
        line = ContractLine.objects.create(
            contract=contract, description=description, quantity=Decimal(str(qty)), unit="pcs",
            unit_price=Decimal(str(price)), amount=(Decimal(str(qty)) * Decimal(str(price))).quantize(Decimal("0.01")),
        )  # fmt: skip
        total += line.amount
    contract.amount = total
    contract.save(update_fields=["amount"])
    ContractEvent.objects.create(contract=contract, action="created", to_status="draft", actor=contract.maker)
    return contract
