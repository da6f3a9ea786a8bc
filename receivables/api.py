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
    Placeholder until receivables lands: everything is zero.
    """
    return {pk: {"invoiced": Decimal("0.00"), "paid": Decimal("0.00")} for pk in contract_ids}
