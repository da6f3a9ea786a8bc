"""What other modules may ask of receivables (kept small and stable).

contracts/ uses ``contract_billing`` for the performance checklist (合同履行清单).
"""

from __future__ import annotations

from decimal import Decimal


def contract_billing(contract_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Invoiced and paid per contract, in the contract's currency.

    Returns ``{contract_id: {"invoiced": Decimal, "paid": Decimal}}`` for every id asked for,
    counting only invoices that passed double review and confirmed, not reversed, payment
    allocations; invoices are tied to a contract through their order (``Order.contract``).
    One query for each figure, whatever the number of contracts.
    """
    from django.db.models import Sum

    from .models import Allocation, Invoice, Payment

    ids = [int(pk) for pk in contract_ids]
    result = {pk: {"invoiced": Decimal("0.00"), "paid": Decimal("0.00")} for pk in ids}
    if not ids:
        return result
    invoiced = (
        Invoice.objects.filter(status=Invoice.Status.ISSUED, order__contract_id__in=ids)
        .values("order__contract_id")
        .annotate(total=Sum("total"))
        .order_by()
    )
    for row in invoiced:
        result[row["order__contract_id"]]["invoiced"] = row["total"]
    paid = (
        Allocation.objects.filter(
            payment__status=Payment.Status.CONFIRMED,
            instalment__invoice__status=Invoice.Status.ISSUED,
            instalment__invoice__order__contract_id__in=ids,
        )
        .values("instalment__invoice__order__contract_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in paid:
        result[row["instalment__invoice__order__contract_id"]]["paid"] = row["total"]
    return result
