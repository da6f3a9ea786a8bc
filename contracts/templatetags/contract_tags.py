"""``{% order_contract_panel order %}``: the contract link and picker on the order page."""

from __future__ import annotations

from django import template

from contracts.forms import OrderContractForm
from contracts.models import Contract
from contracts.services import can_operate

register = template.Library()


@register.inclusion_tag("contracts/_order_contract.html", takes_context=True)
def order_contract_panel(context, order):
    user = context["request"].user
    # The linked contract is shown only when the user may see it (a confidential contract
    # of another assistant stays hidden even on an order they see).
    contract = Contract.objects.visible_to(user).filter(pk=order.contract_id).first() if order.contract_id else None
    form = None
    # Someone who cannot see the linked contract does not get the picker either: saving it
    # would silently unlink a contract they never saw.
    if can_operate(user) and (contract is not None or not order.contract_id):
        form = OrderContractForm(user=user, order=order, initial={"contract": order.contract_id})
    return {"order": order, "contract": contract, "form": form, "request": context["request"]}
