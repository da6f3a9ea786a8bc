"""Home queues: managers and the GM see what awaits their decision; makers see what came back."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import ApprovalPolicy, Contract
from contracts.queues import awaiting_approval_for, returned_for
from tests.contracts.factories import make_contract

S = Contract.Status


def labels(items) -> str:
    return " ".join(i.label for i in items)


def test_awaiting_approval_queues(cast):
    ApprovalPolicy.current()
    today = timezone.localdate()
    team_a = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, status=S.SUBMITTED)
    team_b = make_contract(cast.sales3, cast.customer_of_sales3, status=S.SUBMITTED)
    own = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.manager1, status=S.SUBMITTED)
    gm_step = make_contract(cast.sales2, cast.customer_of_sales2, status=S.MANAGER_APPROVED)
    m1 = labels(awaiting_approval_for(cast.manager1, today))
    assert team_a.number in m1 and own.number not in m1 and team_b.number not in m1 and gm_step.number not in m1
    assert team_b.number in labels(awaiting_approval_for(cast.manager2, today))
    gm = labels(awaiting_approval_for(cast.gm, today))
    # the GM: the GM step, and the manager step the team's manager cannot take (they made it)
    assert gm_step.number in gm and own.number in gm and team_a.number not in gm
    assert awaiting_approval_for(cast.sales1, today) == []


def test_returned_queue(cast):
    ApprovalPolicy.current()
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1)
    services.contract_submit(contract=contract, actor=cast.assistant1)
    services.contract_reject(contract=contract, actor=cast.manager1, comment="改价")
    today = timezone.localdate()
    assert contract.number in labels(returned_for(cast.assistant1, today))
    assert contract.number in labels(returned_for(cast.sales1, today))
    assert returned_for(cast.assistant2, today) == []


def test_home_page_shows_the_queue(client, cast):
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, status=S.SUBMITTED)
    client.force_login(cast.manager1)
    page = client.get(reverse("home")).content.decode()
    assert "Contracts awaiting your approval" in page and contract.number in page
