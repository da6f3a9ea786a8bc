"""Demo data (deterministic, idempotent, every state) and the admin (policy singleton, read-only contracts)."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from contracts.models import Amendment, ApprovalPolicy, Contract
from core.seed import SeedContext


@pytest.fixture
def seeded(db):
    from accounts import seed as accounts_seed
    from contracts import seed as contracts_seed
    from customers import seed as customers_seed
    from orders import seed as orders_seed

    ctx = SeedContext(scale=1, rng=random.Random(7))
    for module in (accounts_seed, customers_seed, orders_seed, contracts_seed):
        module.seed(ctx)
    return ctx, contracts_seed


def test_seed_every_state_and_idempotent(seeded):
    ctx, contracts_seed = seeded
    assert Contract.objects.count() == 200
    assert set(Contract.objects.values_list("status", flat=True)) == set(Contract.Status.values)
    assert Contract.objects.filter(confidential=True).exists()
    assert Amendment.objects.exists() and Contract.objects.filter(amendment_count__gt=0).exists()
    linked = Contract.objects.filter(orders__isnull=False).distinct()
    assert linked.exists() and not linked.exclude(status__in=Contract.LINKABLE).exists()
    # a linked order has the contract's salesperson and customer
    for contract in linked[:20]:
        order = contract.orders.first()
        assert (order.salesperson_id, order.customer_id) == (contract.salesperson_id, contract.customer_id)
    signed = Contract.objects.filter(status__in=["signed", "archived"])
    assert not signed.filter(register_number__isnull=True).exists()
    contracts_seed.seed(ctx)
    assert Contract.objects.count() == 200


def test_admin_pages(client, cast):
    from accounts.models import User

    admin = User.objects.get(username="admin")
    client.force_login(admin)
    policy = ApprovalPolicy.current()
    assert client.get(reverse("admin:contracts_approvalpolicy_change", args=[policy.pk])).status_code == 200
    assert client.get(reverse("admin:contracts_contract_changelist")).status_code == 200
    response = client.post(
        reverse("admin:contracts_approvalpolicy_change", args=[policy.pk]),
        {
            "gm_always": "on", "gm_threshold": "250000.00",
            "currency_thresholds-TOTAL_FORMS": "1", "currency_thresholds-INITIAL_FORMS": "0",
            "currency_thresholds-0-currency": "USD", "currency_thresholds-0-amount": "35000.00",
        },
    )  # fmt: skip
    assert response.status_code == 302
    policy = ApprovalPolicy.current()
    assert policy.gm_always and policy.threshold_for("USD") is None
    policy.gm_always = False
    policy.save()
    assert str(policy.threshold_for("USD")) == "35000.00"
    assert ApprovalPolicy.objects.count() == 1
