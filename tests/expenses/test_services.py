"""Expense claims, advances and budgets: the rules of seed 002 (篇三 1.2, 篇七 6) pinned down."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from expenses import services
from expenses.api import claimed_by_trip
from expenses.budgets import claim_budget_usage, usage_for
from expenses.jobs import budget_alerts
from expenses.models import Advance, Budget, Claim, ClaimLine

from .factories import approve_path, make_claim, receipt_pdf, yesterday

pytestmark = pytest.mark.django_db


def reused_numbers(claim):
    return sorted(ClaimLine.objects.filter(claim=claim).reused().values_list("receipt_number", flat=True))


# --- reused receipts (回笼票) ------------------------------------------------------------------


def test_same_receipt_number_and_issuer_on_another_persons_claim_of_another_year_is_flagged_on_both(cast):
    last_year = yesterday().replace(year=yesterday().year - 1, day=1)
    first = make_claim(
        cast.sales1, lines=[{"receipt_number": "No 0012 3456", "receipt_issuer": "Hotel Jinjiang", "date": last_year}]
    )
    second = make_claim(cast.sales3, lines=[{"receipt_number": "no00123456", "receipt_issuer": " hotel  JINJIANG "}])
    assert reused_numbers(first) == ["No 0012 3456"]
    assert reused_numbers(second) == ["no00123456"]
    assert Claim.objects.with_reuse().get(pk=first.pk).has_reused
    assert Claim.objects.with_reuse().get(pk=second.pk).has_reused


def test_same_number_from_a_different_issuer_is_not_reuse(cast):
    first = make_claim(cast.sales1, lines=[{"receipt_number": "88001", "receipt_issuer": "China Eastern"}])
    second = make_claim(cast.sales2, lines=[{"receipt_number": "88001", "receipt_issuer": "Air China"}])
    assert reused_numbers(first) == [] and reused_numbers(second) == []
    assert not Claim.objects.with_reuse().get(pk=first.pk).has_reused


def test_withdrawn_claim_does_not_count_as_use(cast):
    first = make_claim(cast.sales1, lines=[{"receipt_number": "W-1", "receipt_issuer": "Didi"}])
    second = make_claim(cast.sales1, lines=[{"receipt_number": "W-1", "receipt_issuer": "Didi"}])
    assert reused_numbers(second) == ["W-1"]
    services.claim_withdraw(claim=first, actor=cast.sales1)
    assert reused_numbers(second) == []


def test_reused_anywhere_finds_the_same_lines_as_reused(cast):
    """The list's filter asks every line at once (grouped), a claim asks its own lines (EXISTS):
    the two must agree on reuse across claims, within one claim, other issuers and withdrawn claims."""
    across = [make_claim(person, lines=[{"receipt_number": "A-1", "receipt_issuer": "Didi"}]) for person in
              (cast.sales1, cast.sales2)]  # fmt: skip
    within = make_claim(cast.sales1, lines=[{"receipt_number": "B-2", "receipt_issuer": "Shell"}] * 2)
    make_claim(cast.sales1, lines=[{"receipt_number": "C-3", "receipt_issuer": "Air China"}])
    make_claim(cast.sales2, lines=[{"receipt_number": "C-3", "receipt_issuer": "China Eastern"}])
    kept = make_claim(cast.sales1, lines=[{"receipt_number": "D-4", "receipt_issuer": "Hilton"}])
    withdrawn = make_claim(cast.sales2, lines=[{"receipt_number": "D-4", "receipt_issuer": "Hilton"}])
    services.claim_withdraw(claim=withdrawn, actor=cast.sales2)

    grouped = set(ClaimLine.objects.reused_anywhere().values_list("pk", flat=True))
    assert grouped == set(ClaimLine.objects.reused().values_list("pk", flat=True))
    expected = set(ClaimLine.objects.filter(claim__in=[*across, within]).values_list("pk", flat=True))
    assert grouped == expected and len(expected) == 4
    assert kept.lines.get().pk not in grouped


def test_reused_receipt_blocks_approval_until_the_manager_gives_a_reason(cast):
    make_claim(cast.sales2, lines=[{"receipt_number": "DUP-9", "receipt_issuer": "Shell"}], submit=True)
    claim = make_claim(cast.sales1, lines=[{"receipt_number": "dup-9", "receipt_issuer": "SHELL"}], submit=True)
    claim = approve_path(claim, cast, to="reviewed")
    with pytest.raises(ValidationError) as error:
        services.claim_approve(claim=claim, actor=cast.manager1)
    assert "override_reason" in error.value.message_dict
    assert "DUP-9".lower() in str(error.value).lower()
    claim = services.claim_approve(claim=claim, actor=cast.manager1, override_reason="Two fuel receipts, checked")
    assert claim.status == Claim.Status.APPROVED
    assert claim.override_reason == "Two fuel receipts, checked"
    assert "Two fuel receipts, checked" in claim.events.last().comment


# --- who reviews and approves -------------------------------------------------------------------


def test_only_an_assistant_serving_the_claimant_reviews(cast):
    claim = make_claim(cast.sales1, submit=True)
    assert claim.status == Claim.Status.SUBMITTED
    for outsider in (cast.sales1, cast.assistant3, cast.manager1, cast.finance1):
        with pytest.raises(ValidationError):
            services.claim_review(claim=claim, actor=outsider, receipts_ok=True, content_ok=True, amounts_ok=True)
    claim = services.claim_review(
        claim=claim, actor=cast.assistant1, receipts_ok=True, content_ok=True, amounts_ok=True
    )
    assert claim.status == Claim.Status.REVIEWED and claim.reviewed_by == cast.assistant1
    event = claim.events.get(action="reviewed")
    assert event.checklist == {"receipts_ok": True, "content_ok": True, "amounts_ok": True}


def test_review_needs_every_check_and_a_return_needs_a_comment(cast):
    claim = make_claim(cast.sales1, submit=True)
    with pytest.raises(ValidationError):
        services.claim_review(claim=claim, actor=cast.assistant1, receipts_ok=True, content_ok=False, amounts_ok=True)
    with pytest.raises(ValidationError):
        services.claim_return(claim=claim, actor=cast.assistant1, comment="  ")
    checklist = {"receipts_ok": True, "content_ok": False, "amounts_ok": True}
    claim = services.claim_return(
        claim=claim, actor=cast.assistant1, comment="Taxi twice the same day?", checklist=checklist
    )
    assert claim.status == Claim.Status.RETURNED
    assert claim.events.last().checklist == checklist
    # Back with the claimant: corrected and submitted again.
    claim = services.claim_submit(claim=claim, actor=cast.sales1)
    assert claim.status == Claim.Status.SUBMITTED


def test_a_salesperson_never_approves_their_own_claim_and_only_their_manager_does(cast):
    claim = approve_path(make_claim(cast.sales1, submit=True), cast, to="reviewed")
    for outsider in (cast.sales1, cast.manager2, cast.assistant1, cast.finance1):
        assert not services.can_approve(outsider, claim)
        with pytest.raises(ValidationError):
            services.claim_approve(claim=claim, actor=outsider)
    assert services.can_approve(cast.gm, claim)
    claim = services.claim_approve(claim=claim, actor=cast.manager1)
    assert claim.approved_by == cast.manager1


def test_a_managers_own_claim_goes_to_the_gm_without_first_review(cast):
    claim = make_claim(cast.manager1, submit=True)
    assert claim.status == Claim.Status.REVIEWED
    assert not services.can_approve(cast.manager1, claim)
    assert services.approver_of(cast.manager1) == cast.gm
    assert services.claim_approve(claim=claim, actor=cast.gm).status == Claim.Status.APPROVED


def test_an_assistants_own_claim_goes_to_their_team_manager(cast):
    claim = make_claim(cast.assistant1, submit=True)
    assert claim.status == Claim.Status.REVIEWED
    assert services.approver_of(cast.assistant1) == cast.manager1
    assert Claim.objects.visible_to(cast.manager1).filter(pk=claim.pk).exists()
    assert not Claim.objects.visible_to(cast.manager2).filter(pk=claim.pk).exists()
    services.claim_approve(claim=claim, actor=cast.manager1)


def test_an_assistant_files_only_for_the_salespersons_they_serve(cast):
    claim = make_claim(cast.sales1, actor=cast.assistant1)
    assert claim.created_by == cast.assistant1 and claim.claimant == cast.sales1
    with pytest.raises(ValidationError):
        services.claim_create(actor=cast.assistant1, claimant=cast.sales3, kind="sales", purpose="x")


def test_finance_pays_only_approved_claims_and_every_step_is_recorded(cast):
    claim = make_claim(cast.sales1, submit=True)
    with pytest.raises(ValidationError):
        services.claim_pay(claim=claim, actor=cast.finance1)
    claim = approve_path(claim, cast, to="approved")
    with pytest.raises(ValidationError):
        services.claim_pay(claim=claim, actor=cast.manager1)
    claim = services.claim_pay(claim=claim, actor=cast.finance1, reference="BANK-42")
    assert claim.status == Claim.Status.PAID
    actions = list(claim.events.values_list("action", "actor__username"))
    assert actions == [
        ("created", "sales1"),
        ("submitted", "sales1"),
        ("reviewed", "assistant2"),
        ("approved", "manager1"),
        ("paid", "finance1"),
    ]


def test_each_step_emails_the_next_person_in_their_language(cast, django_capture_on_commit_callbacks, monkeypatch):
    from django.template import loader
    from django.utils import translation

    rendered = []
    real = loader.render_to_string

    def spy(template, context=None, *args, **kwargs):
        if "recipient" in (context or {}):
            rendered.append((context["recipient"].username, translation.get_language()))
        return real(template, context, *args, **kwargs)

    monkeypatch.setattr(services, "render_to_string", spy)
    cast.assistant1.language = "zh-hans"
    cast.assistant1.save()
    cast.assistant2.language = "en"
    cast.assistant2.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_claim(cast.sales1, submit=True)
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["assistant1@backdesk.example", "assistant2@backdesk.example"]
    assert ("assistant1", "zh-hans") in rendered and ("assistant2", "en") in rendered
    mail.outbox.clear()
    claim = Claim.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_review(claim=claim, actor=cast.assistant1, receipts_ok=True, content_ok=True, amounts_ok=True)
    assert [m.to for m in mail.outbox] == [["manager1@backdesk.example"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_approve(claim=claim, actor=cast.manager1)
    assert [m.to for m in mail.outbox] == [["finance1@backdesk.example"]]


# --- bad input ---------------------------------------------------------------------------------


def test_a_line_dated_in_the_future_is_refused(cast):
    claim = make_claim(cast.sales1, lines=[])
    with pytest.raises(ValidationError) as error:
        services.line_add(
            claim=claim, actor=cast.sales1, date=timezone.localdate() + timedelta(days=1), category="meals",
            amount=Decimal("10"), currency="CNY", receipt_number="1", receipt_issuer="x",
        )  # fmt: skip
    assert "date" in error.value.message_dict


def test_receipt_number_required_except_for_travel_allowance(cast):
    claim = make_claim(cast.sales1, lines=[])
    with pytest.raises(ValidationError) as error:
        services.line_add(claim=claim, actor=cast.sales1, date=yesterday(), category="hotel", amount=Decimal("300"),
                          currency="CNY")  # fmt: skip
    assert "receipt_number" in error.value.message_dict
    line = services.line_add(claim=claim, actor=cast.sales1, date=yesterday(), category="allowance",
                             amount=Decimal("150"), currency="CNY")  # fmt: skip
    assert line.pk and not line.receipt_required


def test_receipt_must_be_an_image_or_pdf_within_10_mb(cast):
    claim = make_claim(cast.sales1, lines=[])
    base = {"claim": claim, "actor": cast.sales1, "date": yesterday(), "category": "meals", "amount": Decimal("5"),
            "currency": "CNY", "receipt_number": "A1", "receipt_issuer": "Cafe"}  # fmt: skip
    fake = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.line_add(**base, receipt_file=fake)
    assert "receipt_file" in error.value.message_dict
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(ValidationError) as error:
        services.line_add(**base, receipt_file=big)
    assert "10" in " ".join(error.value.message_dict["receipt_file"])
    line = services.line_add(**base, receipt_file=receipt_pdf("发票 0001.pdf"))
    assert line.receipt_type == "application/pdf"
    assert line.receipt_name == "发票 0001.pdf"
    # Stored under a random name, not the uploaded one.
    assert "发票" not in line.receipt_file.name and line.receipt_file.name.endswith(".pdf")


def test_submit_refuses_an_empty_claim(cast):
    claim = make_claim(cast.sales1, lines=[])
    with pytest.raises(ValidationError):
        services.claim_submit(claim=claim, actor=cast.sales1)


# --- budgets -----------------------------------------------------------------------------------


def budget(cast, amount, *, category="", team=False):
    year = yesterday().year
    if team:
        return Budget.objects.create(team=cast.sales1.team, year=year, category=category, amount=Decimal(amount))
    return Budget.objects.create(salesperson=cast.sales1, year=year, category=category, amount=Decimal(amount))


def test_budget_usage_counts_paid_approved_and_pending_but_not_drafts_or_returned(cast):
    b = budget(cast, "10000.00")
    approve_path(make_claim(cast.sales1, lines=[{"amount": Decimal("100.10")}], submit=True), cast, to="paid")
    approve_path(make_claim(cast.sales1, lines=[{"amount": Decimal("200.20")}], submit=True), cast, to="approved")
    make_claim(cast.sales1, lines=[{"amount": Decimal("300.30")}], submit=True)
    approve_path(make_claim(cast.sales1, lines=[{"amount": Decimal("400.40")}], submit=True), cast, to="reviewed")
    make_claim(cast.sales1, lines=[{"amount": Decimal("5000.00")}])  # draft
    returned = make_claim(cast.sales1, lines=[{"amount": Decimal("6000.00")}], submit=True)
    services.claim_return(claim=returned, actor=cast.assistant1, comment="no")
    make_claim(cast.sales3, lines=[{"amount": Decimal("7000.00")}], submit=True)  # someone else
    (usage,) = usage_for([b])
    assert (usage.paid, usage.approved, usage.pending) == (Decimal("100.10"), Decimal("200.20"), Decimal("700.70"))
    assert usage.used == Decimal("1001.00")


def test_budget_warning_at_exactly_80_percent(cast):
    b = budget(cast, "1000.00", category="meals")
    make_claim(cast.sales1, lines=[{"amount": Decimal("799.99")}], submit=True)
    (usage,) = usage_for([b])
    assert usage.level == "ok" and usage.crossed == []
    make_claim(cast.sales1, lines=[{"amount": Decimal("0.01")}], submit=True)
    (usage,) = usage_for([b])
    assert usage.percent == 80 and usage.level == "warning" and usage.crossed == [80]


def test_budget_at_exactly_100_percent_needs_an_override_to_approve(cast):
    budget(cast, "1000.00", category="meals")
    budget(cast, "999999.00", team=True)  # the team budget is far from its limit
    under = approve_path(
        make_claim(cast.sales1, lines=[{"amount": Decimal("999.99")}], submit=True), cast, to="reviewed"
    )
    assert [u.level for u in claim_budget_usage(under) if u.budget.salesperson_id] == ["warning"]
    # 999.99 of 1000.00: approvable without a reason.
    assert services.approval_blockers(under) == []
    services.claim_approve(claim=under, actor=cast.manager1)
    last_cent = approve_path(
        make_claim(cast.sales1, lines=[{"amount": Decimal("0.01")}], submit=True), cast, to="reviewed"
    )
    usages = {u.budget.salesperson_id: u for u in claim_budget_usage(last_cent)}
    assert usages[cast.sales1.pk].percent == 100 and usages[cast.sales1.pk].level == "over"
    with pytest.raises(ValidationError) as error:
        services.claim_approve(claim=last_cent, actor=cast.manager1)
    assert "override_reason" in error.value.message_dict
    claim = services.claim_approve(claim=last_cent, actor=cast.manager1, override_reason="Key customer dinner")
    assert claim.status == Claim.Status.APPROVED and "Budget" in claim.events.last().comment


def test_team_budget_counts_every_member_of_the_team(cast):
    b = budget(cast, "1000.00", team=True)
    make_claim(cast.sales1, lines=[{"amount": Decimal("300.00")}], submit=True)
    make_claim(cast.sales2, lines=[{"amount": Decimal("500.00")}], submit=True)
    make_claim(cast.sales3, lines=[{"amount": Decimal("900.00")}], submit=True)  # team B
    (usage,) = usage_for([b])
    assert usage.used == Decimal("800.00") and usage.level == "warning"


def test_budget_alert_job_sends_once_per_threshold(cast):
    budget(cast, "1000.00")
    day = timezone.localdate()
    make_claim(cast.sales1, lines=[{"amount": Decimal("500.00")}], submit=True)
    assert budget_alerts(day=day)["sent"] == 0
    make_claim(cast.sales1, lines=[{"amount": Decimal("300.00")}], submit=True)
    mail.outbox.clear()
    assert budget_alerts(day=day)["sent"] == 2  # sales1 and manager1, 80%
    assert sorted(m.to[0] for m in mail.outbox) == ["manager1@backdesk.example", "sales1@backdesk.example"]
    assert all("80" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    summary = budget_alerts(day=day + timedelta(days=1))
    assert summary["sent"] == 0 and summary["already_sent"] == 2 and mail.outbox == []
    make_claim(cast.sales1, lines=[{"amount": Decimal("200.00")}], submit=True)
    assert budget_alerts(day=day)["sent"] == 2  # 100% now; 80% not again
    assert len(mail.outbox) == 2
    assert budget_alerts(day=day)["sent"] == 0


def test_budget_alert_command_runs_the_job(cast):
    from django.core.management import call_command

    from core.models import JobRun

    call_command("run_budget_alerts", "--date", "2026-03-01")
    run = JobRun.objects.get(job="budget_alerts")
    assert run.status == JobRun.Status.OK and run.result["day"] == "2026-03-01"


# --- advances ----------------------------------------------------------------------------------


def paid_advance(cast, amount: str, person=None) -> Advance:
    person = person or cast.sales1
    advance = services.advance_request(
        actor=person, person=person, purpose="Trip", amount=Decimal(amount), currency="CNY"
    )
    advance = services.advance_approve(advance=advance, actor=services.approver_of(person))
    return services.advance_pay(advance=advance, actor=cast.finance1)


def test_advance_flow_and_who_may_act(cast):
    advance = services.advance_request(actor=cast.sales1, person=cast.sales1, purpose="Fair", amount=Decimal("800"),
                                       currency="CNY")  # fmt: skip
    for outsider in (cast.sales1, cast.manager2, cast.assistant1):
        with pytest.raises(ValidationError):
            services.advance_approve(advance=advance, actor=outsider)
    with pytest.raises(ValidationError):
        services.advance_pay(advance=advance, actor=cast.finance1)  # not approved yet
    advance = services.advance_approve(advance=advance, actor=cast.manager1)
    advance = services.advance_pay(advance=advance, actor=cast.finance1)
    assert advance.status == Advance.Status.PAID and advance.outstanding == Decimal("800.00")
    with pytest.raises(ValidationError):
        services.advance_reject(advance=advance, actor=cast.manager1, comment="late")


def test_advance_settled_against_a_smaller_claim_then_repaid_to_the_cent(cast):
    advance = paid_advance(cast, "1000.00")
    claim = make_claim(cast.sales1, lines=[{"amount": Decimal("333.33")}, {"amount": Decimal("317.02")}], submit=True)
    claim = approve_path(claim, cast, to="approved")
    settlement = services.advance_settle(advance=advance, claim=claim, actor=cast.finance1)
    assert settlement.amount == Decimal("650.35")
    advance.refresh_from_db()
    assert advance.outstanding == Decimal("349.65") and advance.status == Advance.Status.PAID
    assert services.claim_payable(claim) == [
        {"currency": "CNY", "total": Decimal("650.35"), "settled": Decimal("650.35"), "payable": Decimal("0.00")}
    ]
    with pytest.raises(ValidationError):
        services.advance_repay(advance=advance, actor=cast.finance1, amount=Decimal("349.66"))
    services.advance_repay(advance=advance, actor=cast.finance1, amount=Decimal("349.65"))
    advance.refresh_from_db()
    assert advance.outstanding == Decimal("0.00") and advance.status == Advance.Status.SETTLED
    assert advance.settled_amount == advance.amount


def test_claim_larger_than_the_advance_pays_the_difference(cast):
    advance = paid_advance(cast, "1000.00")
    claim = approve_path(make_claim(cast.sales1, lines=[{"amount": Decimal("1234.56")}], submit=True), cast)
    services.advance_settle(advance=advance, claim=claim, actor=cast.finance1)
    assert services.claim_payable(claim)[0]["payable"] == Decimal("234.56")
    advance.refresh_from_db()
    assert advance.status == Advance.Status.SETTLED
    claim = services.claim_pay(claim=claim, actor=cast.finance1)
    assert "234.56" in claim.events.last().comment


def test_partial_settlement_and_outstanding_per_person(cast):
    first = paid_advance(cast, "500.00")
    paid_advance(cast, "250.50")
    paid_advance(cast, "99.99", person=cast.sales3)
    claim = approve_path(make_claim(cast.sales1, lines=[{"amount": Decimal("400.00")}], submit=True), cast)
    services.advance_settle(advance=first, claim=claim, actor=cast.finance1, amount=Decimal("120.25"))
    rows = {r["person__username"]: r["outstanding"] for r in services.outstanding_by_person(Advance.objects.all())}
    assert rows == {"sales1": Decimal("630.25"), "sales3": Decimal("99.99")}
    rows = services.outstanding_by_person(Advance.objects.visible_to(cast.manager1))
    assert [r["person__username"] for r in rows] == ["sales1"]


def test_settlement_refuses_another_persons_claim_and_non_finance(cast):
    advance = paid_advance(cast, "100.00")
    other = approve_path(make_claim(cast.sales2, lines=[{"amount": Decimal("50")}], submit=True), cast)
    with pytest.raises(ValidationError):
        services.advance_settle(advance=advance, claim=other, actor=cast.finance1)
    own = approve_path(make_claim(cast.sales1, lines=[{"amount": Decimal("50")}], submit=True), cast)
    with pytest.raises(ValidationError):
        services.advance_settle(advance=advance, claim=own, actor=cast.manager1)


# --- api ---------------------------------------------------------------------------------------


def test_claimed_by_trip_sums_submitted_claims_per_currency(cast):
    from travel.models import Trip

    def trip(number):
        return Trip.objects.create(number=number, traveller=cast.sales1, created_by=cast.sales1, purpose="Visit",
                                   destination="Suzhou", start_on=date(2026, 1, 5), end_on=date(2026, 1, 7))  # fmt: skip

    t1, t2, t3 = trip("TR-1"), trip("TR-2"), trip("TR-3")
    make_claim(cast.sales1, trip=t1, lines=[{"amount": Decimal("100.10")}, {"amount": Decimal("5.00"), "currency": "USD"}],
               submit=True)  # fmt: skip
    make_claim(cast.sales1, trip=t1, lines=[{"amount": Decimal("0.90")}], submit=True)
    make_claim(cast.sales1, trip=t1, lines=[{"amount": Decimal("999")}])  # draft: not claimed yet
    withdrawn = make_claim(cast.sales1, trip=t2, lines=[{"amount": Decimal("50")}])
    services.claim_withdraw(claim=withdrawn, actor=cast.sales1)
    assert claimed_by_trip([t1.pk, t2.pk, t3.pk]) == {
        t1.pk: {"CNY": Decimal("101.00"), "USD": Decimal("5.00")},
        t2.pk: {},
        t3.pk: {},
    }
    assert claimed_by_trip([]) == {}
    with pytest.raises(ValidationError):
        make_claim(cast.sales3, trip=t3)  # another traveller's trip
