"""The approval workflow: every allowed and refused move, self-approval, the GM threshold, emails."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts import services
from contracts.models import ApprovalPolicy, Contract, ContractEvent, CurrencyThreshold
from tests.contracts.factories import PDF_BYTES, make_contract

S = Contract.Status


def scan(name="signed.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def policy(db):
    policy = ApprovalPolicy.current()
    policy.gm_threshold = Decimal("100000.00")
    policy.gm_always = False
    policy.save()
    return policy


def draft(cast, amount="1000.00", **kw):
    kw.setdefault("maker", cast.assistant1)
    return make_contract(cast.sales1, cast.customer_of_assistant1, amount=amount, **kw)


def test_create_numbers_and_totals(cast):
    contract = services.contract_create(
        actor=cast.assistant1, salesperson=cast.sales1, customer=cast.customer_of_assistant1,
        lines=[{"description": "LED 面板灯", "quantity": Decimal("3"), "unit": "pcs", "unit_price": Decimal("12.35")},
               {"description": "LED 筒灯", "quantity": Decimal("2.5"), "unit": "m", "unit_price": Decimal("4.10")}],
        currency="CNY", payment_terms="T/T", delivery_terms="FOB", valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    assert contract.number.startswith(f"HT-{timezone.localdate().year}-")
    assert contract.amount == Decimal("47.30")
    assert contract.status == S.DRAFT and contract.maker == cast.assistant1
    assert list(contract.events.values_list("action", flat=True)) == ["created"]


def test_create_refuses_bad_dates_and_no_lines(cast):
    base = dict(
        actor=cast.sales1, salesperson=cast.sales1, customer=cast.customer_unassigned, currency="CNY",
        payment_terms="T/T", delivery_terms="FOB",
    )  # fmt: skip
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.contract_create(**base, lines=[], valid_from=today, valid_until=today)
    with pytest.raises(ValidationError) as error:
        services.contract_create(
            **base, lines=[{"description": "x", "quantity": 1, "unit_price": 1}], valid_from=today,
            valid_until=today - timedelta(days=1),
        )  # fmt: skip
    assert "valid_until" in error.value.error_dict


def test_full_path_without_gm(cast, policy, django_capture_on_commit_callbacks):
    contract = draft(cast, amount="100000.00")  # equal to the threshold: no GM step
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(contract=contract, actor=cast.assistant1)
    assert [m.to for m in mail.outbox] == [[cast.manager1.email]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.contract_approve(contract=contract, actor=cast.manager1, comment="OK")
    assert contract.status == S.APPROVED and not contract.needs_gm
    # maker and salesperson hear it is approved
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.assistant1.email, cast.sales1.email])
    contract = services.contract_sign(contract=contract, actor=cast.assistant1, scan=scan())
    assert contract.status == S.SIGNED and contract.register_number.startswith("HTDJ-")
    assert contract.attachments.get().kind == "signed_scan"
    contract = services.contract_archive(contract=contract, actor=cast.sales1, archive_location="财务部 3号柜")
    assert contract.status == S.ARCHIVED and contract.archive_location == "财务部 3号柜"
    actions = list(ContractEvent.objects.filter(contract=contract).values_list("action", "actor__username"))
    assert actions == [
        ("created", "assistant1"), ("submitted", "assistant1"), ("manager_approved", "manager1"),
        ("signed", "assistant1"), ("archived", "sales1"),
    ]  # fmt: skip


def test_gm_step_one_cent_above_threshold(cast, policy, django_capture_on_commit_callbacks):
    contract = draft(cast, amount="100000.01")
    services.contract_submit(contract=contract, actor=cast.assistant1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.contract_approve(contract=contract, actor=cast.manager1)
    assert contract.status == S.MANAGER_APPROVED and contract.needs_gm
    assert [m.to for m in mail.outbox] == [[cast.gm.email]]
    assert "HT-" in mail.outbox[0].subject
    with pytest.raises(ValidationError):  # the manager cannot do the GM step
        services.contract_approve(contract=contract, actor=cast.manager1)
    contract = services.contract_approve(contract=contract, actor=cast.gm)
    assert contract.status == S.APPROVED


def test_gm_always(cast, policy):
    policy.gm_always = True
    policy.save()
    contract = draft(cast, amount="1.00")
    services.contract_submit(contract=contract, actor=cast.assistant1)
    contract = services.contract_approve(contract=contract, actor=cast.manager1)
    assert contract.status == S.MANAGER_APPROVED


def test_threshold_per_currency(cast, policy):
    usd = draft(cast, amount="20000.00", currency="USD")
    assert policy.needs_gm(amount=usd.amount, currency="USD")  # no USD threshold: the safe side
    CurrencyThreshold.objects.create(policy=policy, currency="USD", amount=Decimal("20000.00"))
    assert not policy.needs_gm(amount=Decimal("20000.00"), currency="USD")
    assert policy.needs_gm(amount=Decimal("20000.01"), currency="USD")


def test_self_approval_refused(cast, policy):
    # manager1 makes a contract for sales1 (their team): they cannot approve it.
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.manager1)
    services.contract_submit(contract=contract, actor=cast.manager1)
    with pytest.raises(ValidationError) as error:
        services.contract_approve(contract=contract, actor=cast.manager1)
    assert error.value.code == "self_approval"
    # the GM is told instead, and may approve
    contract.refresh_from_db()
    assert services.next_approvers(contract) == [cast.gm]
    assert services.contract_approve(contract=contract, actor=cast.gm).status == S.APPROVED


def test_gm_cannot_approve_own(cast, policy):
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.gm, amount="999999.00")
    services.contract_submit(contract=contract, actor=cast.gm)
    contract = services.contract_approve(contract=contract, actor=cast.manager1)
    assert contract.status == S.MANAGER_APPROVED
    with pytest.raises(ValidationError):
        services.contract_approve(contract=contract, actor=cast.gm)


@pytest.mark.parametrize("who", ["assistant1", "sales1", "manager2", "assistant2", "finance1"])
def test_others_cannot_approve(cast, policy, who):
    contract = draft(cast)
    services.contract_submit(contract=contract, actor=cast.assistant1)
    with pytest.raises(ValidationError):
        services.contract_approve(contract=contract, actor=getattr(cast, who))
    contract.refresh_from_db()
    assert contract.status == S.SUBMITTED


def test_reject_needs_comment_and_returns_to_draft(cast, policy, django_capture_on_commit_callbacks):
    contract = draft(cast)
    services.contract_submit(contract=contract, actor=cast.assistant1)
    with pytest.raises(ValidationError) as error:
        services.contract_reject(contract=contract, actor=cast.manager1, comment="  ")
    assert "comment" in error.value.error_dict
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.contract_reject(contract=contract, actor=cast.manager1, comment="单价太低")
    assert contract.status == S.DRAFT and contract.returned
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.assistant1.email, cast.sales1.email])
    assert "单价太低" in mail.outbox[0].body
    event = contract.events.last()
    assert (event.action, event.actor, event.comment) == ("rejected", cast.manager1, "单价太低")
    # submitted again: no longer "returned"
    contract = services.contract_submit(contract=contract, actor=cast.assistant1)
    assert not contract.returned


def test_reject_at_gm_step(cast, policy):
    contract = draft(cast, amount="200000.00")
    services.contract_submit(contract=contract, actor=cast.assistant1)
    services.contract_approve(contract=contract, actor=cast.manager1)
    with pytest.raises(ValidationError):
        services.contract_reject(contract=contract, actor=cast.manager1, comment="no")
    contract = services.contract_reject(contract=contract, actor=cast.gm, comment="价格需重新谈")
    assert contract.status == S.DRAFT


@pytest.mark.parametrize(
    "status, action",
    [
        (S.DRAFT, "approve"), (S.DRAFT, "reject"), (S.DRAFT, "sign"), (S.DRAFT, "archive"), (S.DRAFT, "amend"),
        (S.SUBMITTED, "submit"), (S.SUBMITTED, "sign"), (S.SUBMITTED, "archive"), (S.SUBMITTED, "edit"),
        (S.MANAGER_APPROVED, "submit"), (S.MANAGER_APPROVED, "sign"), (S.MANAGER_APPROVED, "edit"),
        (S.APPROVED, "submit"), (S.APPROVED, "approve"), (S.APPROVED, "reject"), (S.APPROVED, "archive"),
        (S.APPROVED, "edit"),
        (S.SIGNED, "submit"), (S.SIGNED, "approve"), (S.SIGNED, "sign"), (S.SIGNED, "edit"),
        (S.ARCHIVED, "submit"), (S.ARCHIVED, "approve"), (S.ARCHIVED, "reject"), (S.ARCHIVED, "sign"),
        (S.ARCHIVED, "archive"), (S.ARCHIVED, "edit"),
    ],
)  # fmt: skip
def test_refused_moves(cast, policy, status, action):
    contract = draft(cast, status=status)
    actor = cast.gm
    calls = {
        "submit": lambda: services.contract_submit(contract=contract, actor=actor),
        "approve": lambda: services.contract_approve(contract=contract, actor=actor),
        "reject": lambda: services.contract_reject(contract=contract, actor=actor, comment="x"),
        "sign": lambda: services.contract_sign(contract=contract, actor=actor, scan=scan()),
        "archive": lambda: services.contract_archive(contract=contract, actor=actor, archive_location="A1"),
        "amend": lambda: services.amendment_create(contract=contract, actor=actor, changes="x", reason="y"),
        "edit": lambda: services.contract_update(contract=contract, actor=actor, notes="x"),
    }
    with pytest.raises(ValidationError):
        calls[action]()
    contract.refresh_from_db()
    assert contract.status == status


def test_sign_needs_scan_and_refuses_a_text_file(cast, policy):
    contract = draft(cast, status=S.APPROVED)
    with pytest.raises(ValidationError):
        services.contract_sign(contract=contract, actor=cast.assistant1, scan=None)
    bad = SimpleUploadedFile("signed.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.contract_sign(contract=contract, actor=cast.assistant1, scan=bad)
    contract.refresh_from_db()
    assert contract.status == S.APPROVED and contract.register_number is None


def test_archive_needs_location(cast):
    contract = draft(cast, status=S.SIGNED)
    with pytest.raises(ValidationError):
        services.contract_archive(contract=contract, actor=cast.sales1, archive_location=" ")


def test_edit_draft_updates_lines_and_amount(cast):
    contract = draft(cast)
    contract = services.contract_update(
        contract=contract, actor=cast.assistant1, notes="改过",
        lines=[{"description": "新", "quantity": Decimal("2"), "unit": "set", "unit_price": Decimal("7.50")}],
    )  # fmt: skip
    assert contract.amount == Decimal("15.00") and contract.lines.count() == 1
    assert contract.events.last().action == "edited"


def test_out_of_scope_actor_is_refused(cast, policy):
    contract = draft(cast)
    with pytest.raises(ValidationError):
        services.contract_submit(contract=contract, actor=cast.assistant3)


def test_amendment_numbers_and_notifies(cast, django_capture_on_commit_callbacks):
    contract = draft(cast, status=S.SIGNED)
    ContractEvent.objects.create(contract=contract, action="manager_approved", actor=cast.manager1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.amendment_create(
            contract=contract, actor=cast.sales1, changes="交期改为 12 月 20 日", reason="客户要求"
        )
    second = services.amendment_create(contract=contract, actor=cast.sales1, changes="数量 +100", reason="追加")
    assert (first.number, second.number) == (1, 2)
    contract.refresh_from_db()
    assert contract.amendment_count == 2
    # maker assistant1, approving manager1; the actor (sales1) is not mailed; assistant2 is not
    # assigned to this customer so cannot see it and is not told.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.assistant1.email, cast.manager1.email])


def test_amendment_tells_assistants_who_see_it(cast):
    contract = make_contract(cast.sales1, cast.customer_shared, maker=cast.sales1, status=S.SIGNED)
    people = {u.username for u in services.amendment_recipients(contract)}
    assert people == {"sales1", "assistant1", "assistant2"}
    contract.confidential = True
    contract.save()
    assert {u.username for u in services.amendment_recipients(contract)} == {"sales1"}


def test_email_in_recipient_language(cast, policy, django_capture_on_commit_callbacks):
    cast.manager1.language = "zh-hans"
    cast.manager1.save()
    contract = draft(cast)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(contract=contract, actor=cast.assistant1)
    cast.manager1.language = "en"
    cast.manager1.save()
    contract2 = draft(cast)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(contract=contract2, actor=cast.assistant1)
    zh, en = mail.outbox[0], mail.outbox[1]
    # (the new sentences are translated once the lead compiles locale/pending; "Customer" is already)
    assert "Customer: T-A1" in en.body and "客户: T-A1" not in en.body
    assert "客户: T-A1" in zh.body and "业务员: " in zh.body


def test_notice_sent_once(cast, policy, django_capture_on_commit_callbacks):
    from contracts.emails import notify_event

    contract = draft(cast)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(contract=contract, actor=cast.assistant1)
    event = contract.events.last()
    assert notify_event(contract_id=contract.pk, event_id=event.pk) == 0
    assert len(mail.outbox) == 1


def test_order_link_rules(cast):
    from orders.models import Order
    from tests.orders.factories import make_order

    order = make_order(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1)
    approved = draft(cast, status=S.APPROVED)
    other_customer = make_contract(cast.sales1, cast.customer_shared, status=S.APPROVED)
    in_draft = draft(cast)
    services.order_link_contract(order=order, contract=approved, actor=cast.assistant1)
    assert Order.objects.get(pk=order.pk).contract == approved
    for bad in (other_customer, in_draft):
        with pytest.raises(ValidationError):
            services.order_link_contract(order=order, contract=bad, actor=cast.assistant1)
    services.order_link_contract(order=order, contract=None, actor=cast.assistant1)
    assert Order.objects.get(pk=order.pk).contract is None
