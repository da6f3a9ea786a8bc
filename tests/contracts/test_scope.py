"""Who sees which contract: the data-sharing rules of seed 003 section 區別, one test each, and 保密."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import Contract
from customers.models import CompanyAssignment
from tests.contracts.factories import make_contract

ALL = ["gm", "manager1", "manager2", "sales1", "sales2", "sales3", "assistant1", "assistant2", "assistant3", "finance1"]


def seen_by(cast, contract) -> set[str]:
    return {who for who in ALL if Contract.objects.visible_to(getattr(cast, who)).filter(pk=contract.pk).exists()}


def test_rule_assistant_sees_contracts_they_made(cast):
    """區別 4: 業務助理可以瀏覽本人為業務員作的合同數據."""
    made = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1)
    # Even after the customer is taken away from them, the maker still sees their contract.
    CompanyAssignment.objects.filter(company=cast.customer_of_assistant1, assistant=cast.assistant1).delete()
    assert Contract.objects.visible_to(cast.assistant1).filter(pk=made.pk).exists()
    # A contract the salesperson made on a customer nobody assigned: no assistant sees it.
    own = make_contract(cast.sales1, cast.customer_unassigned, maker=cast.sales1)
    assert not {"assistant1", "assistant2"} & seen_by(cast, own)


def test_rule_salesperson_sees_all_their_contracts_whoever_made_them(cast):
    """區別 4: 業務員可以瀏覽業務員本人的所有合同數據 (本人或多個業務助理製作)."""
    contracts = [
        make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1),
        make_contract(cast.sales1, cast.customer_of_assistant2, maker=cast.assistant2),
        make_contract(cast.sales1, cast.customer_unassigned, maker=cast.sales1),
        make_contract(cast.sales1, cast.customer_shared, maker=cast.assistant2, confidential=True),
    ]
    other = make_contract(cast.sales2, cast.customer_of_sales2, maker=cast.assistant2)
    assert set(Contract.objects.visible_to(cast.sales1)) == set(contracts)
    assert set(Contract.objects.visible_to(cast.sales2)) == {other}


def test_rule_manager_sees_their_jurisdiction(cast):
    """區別 4: 業務經理可以瀏覽本人管轄範圍內的所有業務員的合同數據."""
    team_a = [
        make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, confidential=True),
        make_contract(cast.sales2, cast.customer_of_sales2),
    ]
    team_b = make_contract(cast.sales3, cast.customer_of_sales3)
    assert set(Contract.objects.visible_to(cast.manager1)) == set(team_a)
    assert set(Contract.objects.visible_to(cast.manager2)) == {team_b}
    assert set(Contract.objects.visible_to(cast.gm)) == {*team_a, team_b}
    assert not Contract.objects.visible_to(cast.finance1).exists()


def test_rule_salesperson_chosen_first(client, cast):
    """區別 6: 業務助理幫業務員製作外銷合同時, 必須先選擇此票合同的業務員."""
    client.force_login(cast.assistant2)
    page = client.get(reverse("contracts:create"))
    assert page.context["step"] == 1
    choices = {u.username for u in page.context["salesperson_form"].fields["salesperson"].queryset}
    assert choices == {"sales1", "sales2"}
    # A salesperson they do not serve: not found, whatever is posted.
    assert client.get(reverse("contracts:create") + f"?salesperson={cast.sales3.pk}").status_code == 404
    assert client.post(reverse("contracts:create"), {"salesperson": cast.sales3.pk}).status_code == 404
    with pytest.raises(services.ValidationError):
        services._check_parties(cast.assistant2, cast.sales3, cast.customer_of_sales3, None)


def test_rule_customer_and_factory_pickers_offer_only_assigned(client, cast):
    """區別 7: 業務助理只能選擇業務員分配給業務助理的客戶、工廠信息."""
    from customers.models import Company

    factory_mine = Company.objects.create(code="F-A1", name="工厂一", owner=cast.sales1, kind=Company.Kind.FACTORY)
    CompanyAssignment.objects.create(company=factory_mine, assistant=cast.assistant1, assigned_by=cast.sales1)
    factory_other = Company.objects.create(code="F-UN", name="工厂二", owner=cast.sales1, kind=Company.Kind.FACTORY)
    client.force_login(cast.assistant1)
    page = client.get(reverse("contracts:create") + f"?salesperson={cast.sales1.pk}")
    form = page.context["form"]
    assert set(form.fields["customer"].queryset) == {cast.customer_of_assistant1, cast.customer_shared}
    assert set(form.fields["factory"].queryset) == {factory_mine}
    # A forged id of a customer or factory not assigned to them is refused by the form...
    data = {
        "salesperson": cast.sales1.pk, "customer": cast.customer_of_assistant2.pk, "factory": factory_other.pk,
        "currency": "CNY", "valid_from": "2026-01-01", "valid_until": "2026-12-31", "payment_terms": "T/T",
        "delivery_terms": "FOB", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "货", "lines-0-quantity": "1", "lines-0-unit_price": "10",
    }  # fmt: skip
    response = client.post(reverse("contracts:create"), data)
    assert response.status_code == 200
    assert {"customer", "factory"} <= set(response.context["form"].errors)
    assert not Contract.objects.exists()
    # ... and by the service.
    with pytest.raises(services.ValidationError):
        services._check_parties(cast.assistant1, cast.sales1, cast.customer_of_assistant2, None)
    with pytest.raises(services.ValidationError):
        services._check_parties(cast.assistant1, cast.sales1, cast.customer_of_assistant1, factory_other)


def test_confidential_hidden_from_other_assistants(cast):
    """SPEC section 1: 保密 — only its salesperson, its maker and managers in jurisdiction."""
    secret = make_contract(cast.sales1, cast.customer_shared, maker=cast.assistant1, confidential=True)
    open_one = make_contract(cast.sales1, cast.customer_shared, maker=cast.assistant1)
    assert seen_by(cast, secret) == {"gm", "manager1", "sales1", "assistant1"}
    assert seen_by(cast, open_one) == {"gm", "manager1", "sales1", "assistant1", "assistant2"}
    # The salesperson's own confidential contract: none of the assistants.
    own = make_contract(cast.sales1, cast.customer_shared, maker=cast.sales1, confidential=True)
    assert seen_by(cast, own) == {"gm", "manager1", "sales1"}


def test_every_row_once(cast):
    # customer_shared is assigned to two assistants; no duplicate rows for anyone.
    make_contract(cast.sales1, cast.customer_shared, maker=cast.assistant1)
    for who in ALL:
        qs = Contract.objects.visible_to(getattr(cast, who))
        assert qs.count() == len(set(qs.values_list("pk", flat=True)))
