"""Samples pages: 404 outside scope on every URL, forms, actions, queues, Excel, query counts."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import JobRun
from samples.jobs import sample_feedback_due
from samples.models import SampleItem, SampleLoan, SampleRequest
from samples.queues import decisions_for, feedback_due_for, loans_overdue_for, to_dispatch_for
from samples.tasks import sample_feedback_due_task
from tests.orders.factories import make_order, make_product
from tests.samples.factories import make_sample

Status = SampleRequest.Status
ROLES = ["gm", "manager1", "manager2", "sales1", "sales2", "sales3", "assistant1", "assistant2", "assistant3",
         "finance1"]  # fmt: skip
# Who sees a sample of sales1 for customer_of_assistant1.
SEES_A1 = {"gm", "manager1", "sales1", "assistant1"}


def code_for(who: str) -> int:
    return 200 if who in SEES_A1 else 404


# Role tests for every URL -------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_detail_scope(client, cast, who):
    sample = make_sample(cast, Status.APPROVED)
    client.force_login(getattr(cast, who))
    assert client.get(sample.get_absolute_url()).status_code == code_for(who)


@pytest.mark.parametrize("who", ROLES)
def test_edit_scope(client, cast, who):
    sample = make_sample(cast, Status.APPROVED)
    client.force_login(getattr(cast, who))
    expected = code_for(who) if who != "finance1" else 404
    assert client.get(reverse("samples:edit", args=[sample.pk])).status_code == expected
    response = client.post(reverse("samples:edit", args=[sample.pk]), {"purpose": "Changed"})
    assert response.status_code == (302 if expected == 200 else 404)
    sample.refresh_from_db()
    assert (sample.purpose == "Changed") == (expected == 200)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(
    "url_name, status",
    [
        ("samples:dispatch", Status.APPROVED),
        ("samples:feedback", Status.DISPATCHED),
        ("samples:convert", Status.DISPATCHED),
    ],
)
def test_form_pages_scope(client, cast, who, url_name, status):
    sample = make_sample(cast, status)
    client.force_login(getattr(cast, who))
    response = client.get(reverse(url_name, args=[sample.pk]))
    assert response.status_code == (200 if who in SEES_A1 else 404)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(
    "url_name, status, data",
    [
        ("samples:decide", Status.DECISION, {"decision": "approve"}),
        ("samples:cancel", Status.APPROVED, {}),
        ("samples:check", Status.PREPARED, {"action": "check"}),
        ("samples:link-order", Status.DISPATCHED, {"order": ""}),
    ],
)
def test_action_posts_scope(client, cast, who, url_name, status, data):
    sample = make_sample(cast, status, preparer=cast.assistant1)
    before = sample.status
    client.force_login(getattr(cast, who))
    response = client.post(reverse(url_name, args=[sample.pk]), data)
    assert response.status_code == (302 if who in SEES_A1 else 404)
    if who not in SEES_A1:
        sample.refresh_from_db()
        assert sample.status == before


def test_htmx_fragment_is_scoped(client, cast):
    mine = make_sample(cast, Status.APPROVED)
    other = make_sample(cast, Status.APPROVED, customer=cast.customer_of_sales3)
    client.force_login(cast.assistant1)
    response = client.get(reverse("samples:list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert mine.number in body and other.number not in body


@pytest.mark.parametrize("who", ROLES)
def test_loan_return_scope(client, cast, who):
    item = SampleItem.objects.create(code="SM-1", name="Demo unit")
    loan = SampleLoan.objects.create(item=item, salesperson=cast.sales1, customer=cast.customer_of_assistant1,
                                     lent_on=timezone.localdate(), due_back=timezone.localdate(), lent_by=cast.sales1)  # fmt: skip
    client.force_login(getattr(cast, who))
    response = client.post(reverse("samples:loan-return", args=[loan.pk]), {"returned_on": timezone.localdate()})
    assert response.status_code == (302 if who in SEES_A1 else 404)
    loan.refresh_from_db()
    assert (loan.returned_on is not None) == (who in SEES_A1)


@pytest.mark.parametrize("who", ROLES)
def test_list_pages_answer_every_role(client, cast, who):
    make_sample(cast, Status.DISPATCHED)
    client.force_login(getattr(cast, who))
    for name in ("samples:conversion", "samples:couriers", "samples:loan-list", "samples:item-list"):
        assert client.get(reverse(name)).status_code == 200, name
    # Finance reads the courier charges, not the requests: the lists send them there.
    for name in ("samples:list", "samples:follow-ups"):
        response = client.get(reverse(name))
        assert response.status_code == (302 if who == "finance1" else 200)


# The request form -------------------------------------------------------------------------


def post_request(client, salesperson, customer, product, **extra):
    data = {
        "salesperson": salesperson.pk, "customer": customer.pk, "purpose": "Colour approval", "currency": "CNY",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "50",
        "lines-0-product": product.pk, "lines-0-quantity": "3",
    }  # fmt: skip
    data.update(extra)
    return client.post(reverse("samples:create"), data)


def test_assistant_chooses_the_salesperson_first(client, cast):
    client.force_login(cast.assistant2)
    response = client.get(reverse("samples:create"))
    assert response.context["step"] == 1
    choices = {c.pk for c in response.context["salesperson_form"].fields["salesperson"].queryset}
    assert choices == {cast.sales1.pk, cast.sales2.pk}
    response = client.get(reverse("samples:create") + f"?salesperson={cast.sales1.pk}")
    customers = set(response.context["form"].fields["customer"].queryset)
    assert customers == {cast.customer_shared, cast.customer_of_assistant2}


def test_assistant_cannot_request_for_a_customer_not_assigned(client, cast):
    client.force_login(cast.assistant1)
    response = post_request(client, cast.sales1, cast.customer_of_assistant2, make_product())
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert response.context["form"]["purpose"].value() == "Colour approval"  # typed values kept
    assert not SampleRequest.objects.exists()


def test_assistant_cannot_request_for_a_salesperson_not_served(client, cast):
    client.force_login(cast.assistant1)
    response = post_request(client, cast.sales2, cast.customer_of_sales2, make_product())
    assert response.status_code == 404
    assert not SampleRequest.objects.exists()


def test_request_form_creates_an_approved_sample(client, cast):
    client.force_login(cast.assistant1)
    response = post_request(client, cast.sales1, cast.customer_of_assistant1, make_product())
    sample = SampleRequest.objects.get()
    assert response.url == sample.get_absolute_url()
    assert (sample.status, sample.maker, sample.number[:3]) == (Status.APPROVED, cast.assistant1, "SP-")


def test_request_form_exception_goes_to_manager(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.sales1)
    with django_capture_on_commit_callbacks(execute=True):
        post_request(client, cast.sales1, cast.customer_of_assistant1, make_product(), courier_fee="prepaid")
    sample = SampleRequest.objects.get()
    assert sample.status == Status.DECISION
    assert mail.outbox[0].to == [cast.manager1.email]


def test_request_form_without_lines_is_an_error(client, cast):
    client.force_login(cast.sales1)
    response = post_request(client, cast.sales1, cast.customer_of_assistant1, make_product(), **{"lines-0-product": "",
                                                                                                "lines-0-quantity": ""})  # fmt: skip
    assert response.status_code == 200 and not SampleRequest.objects.exists()


# Header actions and the decision page -------------------------------------------------------


def actions_of(client, sample) -> dict:
    context = client.get(sample.get_absolute_url()).context
    return {k: context[k] for k in ("can_decide", "can_edit", "can_prepare", "can_check", "can_withdraw",
                                     "can_feedback", "can_convert")}  # fmt: skip


def test_header_shows_only_the_actions_allowed_now(client, cast):
    sample = make_sample(cast, Status.DECISION)
    client.force_login(cast.manager1)
    actions = actions_of(client, sample)
    assert actions["can_decide"] and not actions["can_prepare"]
    client.force_login(cast.assistant1)
    actions = actions_of(client, sample)
    assert not actions["can_decide"] and actions["can_edit"] and not actions["can_prepare"]
    prepared = make_sample(cast, Status.PREPARED, preparer=cast.assistant1)
    assert actions_of(client, prepared) == {"can_decide": False, "can_edit": False, "can_prepare": False,
                                            "can_check": False, "can_withdraw": True, "can_feedback": False,
                                            "can_convert": False}  # fmt: skip
    client.force_login(cast.sales1)
    assert actions_of(client, prepared)["can_check"]


def test_decision_post_changes_terms(client, cast):
    sample = make_sample(cast, Status.DECISION)
    client.force_login(cast.manager1)
    client.post(reverse("samples:decide", args=[sample.pk]), {"decision": "change", "charge": "charged",
                "amount": "88", "currency": "CNY", "courier_fee": "collect", "comment": "OK at cost"})  # fmt: skip
    sample.refresh_from_db()
    assert (sample.status, sample.amount) == (Status.APPROVED, Decimal("88.00"))


def test_decision_by_another_manager_changes_nothing(client, cast):
    sample = make_sample(cast, Status.DECISION)
    client.force_login(cast.manager2)
    assert client.post(reverse("samples:decide", args=[sample.pk]), {"decision": "approve"}).status_code == 404


def test_dispatch_and_check_pages(client, cast, django_capture_on_commit_callbacks):
    sample = make_sample(cast, Status.APPROVED)
    client.force_login(cast.assistant1)
    response = client.post(reverse("samples:dispatch", args=[sample.pk]), {
        "courier": "SF Express", "tracking_number": "SF1", "sent_on": timezone.localdate().isoformat(),
        "cost": "18.00", "cost_currency": "CNY"})  # fmt: skip
    assert response.status_code == 302
    sample.refresh_from_db()
    assert sample.status == Status.PREPARED
    client.post(reverse("samples:check", args=[sample.pk]), {"action": "check"})
    sample.refresh_from_db()
    assert sample.status == Status.PREPARED  # the preparer's own check is refused
    client.force_login(cast.sales1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("samples:check", args=[sample.pk]), {"action": "check", "comment": "ok"})
    sample.refresh_from_db()
    assert (sample.status, sample.checked_by) == (Status.DISPATCHED, cast.sales1)
    assert len(mail.outbox) == 1 and "SF1" in mail.outbox[0].body


def test_dispatch_form_errors_keep_values(client, cast):
    sample = make_sample(cast, Status.APPROVED)
    client.force_login(cast.assistant1)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(reverse("samples:dispatch", args=[sample.pk]), {
        "courier": "SF Express", "tracking_number": "SF1", "sent_on": future, "cost": "18", "cost_currency": "CNY"})  # fmt: skip
    assert response.status_code == 200 and "sent_on" in response.context["form"].errors
    assert response.context["form"]["courier"].value() == "SF Express"


def test_feedback_and_convert_pages(client, cast):
    sample = make_sample(cast, Status.DISPATCHED)
    client.force_login(cast.assistant1)
    client.post(reverse("samples:feedback", args=[sample.pk]), {
        "feedback_on": timezone.localdate().isoformat(), "likelihood": "high", "opinion": "Good hand feel"})  # fmt: skip
    sample.refresh_from_db()
    assert sample.status == Status.FEEDBACK
    line = sample.lines.get()
    response = client.post(reverse("samples:convert", args=[sample.pk]), {
        "customer_po": "PO-77", "currency": "CNY", "received_on": timezone.localdate().isoformat(),
        f"qty_{line.pk}": "100", f"price_{line.pk}": "9"})  # fmt: skip
    assert response.status_code == 302
    sample.refresh_from_db()
    assert sample.status == Status.CONVERTED and sample.order.customer_po == "PO-77"
    assert sample.order.total == Decimal("900.00")


def test_link_existing_order(client, cast):
    sample = make_sample(cast, Status.DISPATCHED)
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    client.force_login(cast.assistant1)
    client.post(reverse("samples:link-order", args=[sample.pk]), {"order": order.pk})
    sample.refresh_from_db()
    assert sample.order == order


# Queues and the daily job -------------------------------------------------------------------


def test_manager_queue_lists_their_decisions_only(cast):
    sample = make_sample(cast, Status.DECISION)
    assert [i.url for i in decisions_for(cast.manager1, timezone.localdate())] == [sample.get_absolute_url()]
    assert decisions_for(cast.manager2, timezone.localdate()) == []
    assert len(decisions_for(cast.gm, timezone.localdate())) == 1


def test_to_dispatch_queue_skips_own_prepared(cast):
    approved = make_sample(cast, Status.APPROVED)
    prepared = make_sample(cast, Status.PREPARED, preparer=cast.assistant1)
    today = timezone.localdate()
    assert {i.url for i in to_dispatch_for(cast.assistant1, today)} == {approved.get_absolute_url()}
    assert {i.url for i in to_dispatch_for(cast.sales1, today)} == {
        approved.get_absolute_url(), prepared.get_absolute_url(),
    }  # fmt: skip
    assert to_dispatch_for(cast.assistant2, today) == []


@time_machine.travel(date(2026, 5, 11), tick=False)
def test_feedback_queue_and_daily_job_send_once_per_day(cast):
    sample = make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 5, 4))  # follow up on 11 May
    early = make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 5, 8))  # 15 May
    assert [i.url for i in feedback_due_for(cast.assistant1, date(2026, 5, 11))] == [
        reverse("samples:feedback", args=[sample.pk])
    ]
    assert feedback_due_for(cast.assistant1, date(2026, 5, 10)) == []
    assert feedback_due_for(cast.assistant2, date(2026, 5, 11)) == []
    assert sample_feedback_due(day=date(2026, 5, 11))["sent"] == 1
    assert sample_feedback_due(day=date(2026, 5, 11)) == {
        "day": "2026-05-11", "due": 1, "sent": 0, "already_sent": 1, "no_email": 0,
    }  # fmt: skip
    call_command("run_sample_feedback", "--date", "2026-05-11")
    sample_feedback_due_task.delay("2026-05-11")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cast.sales1.email]
    assert sample.number in mail.outbox[0].subject
    # The next day: one more reminder for each sample still without feedback.
    assert sample_feedback_due(day=date(2026, 5, 12))["sent"] == 1
    assert sample_feedback_due(day=date(2026, 5, 15))["sent"] == 2
    assert early.pk
    assert JobRun.objects.filter(job="sample_feedback_due", status="ok").count() == 2
    # Feedback recorded: no more reminders.
    from samples.services import feedback_record

    feedback_record(sample=sample, actor=cast.assistant1, opinion="ok", likelihood="low")
    assert sample_feedback_due(day=date(2026, 5, 16))["due"] == 1


def test_overdue_loans_on_queue_and_list(client, cast):
    today = timezone.localdate()
    item = SampleItem.objects.create(code="SM-9", name="Sample machine")
    SampleLoan.objects.create(item=item, salesperson=cast.sales1, customer=cast.customer_of_assistant1,
                              lent_on=today - timedelta(days=20), due_back=today - timedelta(days=3),
                              lent_by=cast.sales1)  # fmt: skip
    assert [i.badge for i in loans_overdue_for(cast.assistant1, today)] == ["3 days overdue"]
    assert loans_overdue_for(cast.assistant2, today) == []
    client.force_login(cast.assistant1)
    page = client.get(reverse("samples:loan-list") + "?state=overdue")
    assert len(page.context["loans"]) == 1
    assert f'href="{cast.customer_of_assistant1.get_absolute_url()}"' in page.content.decode()  # borrower's file


def test_loan_form_lends_and_refuses_a_second_loan(client, cast):
    item = SampleItem.objects.create(code="SM-2", name="Demo unit")
    client.force_login(cast.assistant1)
    data = {"item": item.pk, "salesperson": cast.sales1.pk, "customer": cast.customer_of_assistant1.pk,
            "lent_on": timezone.localdate().isoformat(),
            "due_back": (timezone.localdate() + timedelta(days=14)).isoformat()}  # fmt: skip
    assert client.post(reverse("samples:loan-create"), data).status_code == 302
    response = client.post(reverse("samples:loan-create"), data)
    assert response.status_code == 200 and "item" in response.context["form"].errors
    assert SampleLoan.objects.count() == 1


# Courier reconciliation --------------------------------------------------------------------


@time_machine.travel(date(2026, 6, 10), tick=False)
def test_courier_reconciliation_page_and_excel(client, cast):
    make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 5, 3))
    make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 5, 20), customer=cast.customer_of_sales3, checker=cast.gm)
    make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 6, 1))  # another month
    make_sample(cast, Status.PREPARED, sent_on=date(2026, 5, 4))  # not checked: not on the statement
    client.force_login(cast.finance1)
    response = client.get(reverse("samples:couriers"))  # default: last month
    assert response.context["month"] == date(2026, 5, 1)
    assert [(r["courier"], r["parcels"], r["total"]) for r in response.context["summary"]] == [
        ("SF Express", 2, Decimal("46.00"))
    ]
    extra = make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 5, 21))
    SampleRequest.objects.filter(pk=extra.pk).update(courier="EMS", cost=Decimal("9.50"))
    response = client.get(reverse("samples:couriers"))
    # The month's total per currency, to tie out with the couriers' statements.
    assert response.context["totals"] == [{"currency": "CNY", "parcels": 3, "total": Decimal("55.50")}]
    assert 'data-total="CNY"' in response.content.decode() and "CNY\xa055.50" in response.content.decode()
    xlsx = client.get(reverse("samples:couriers-export") + "?month=2026-05")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    summary, parcels = book.worksheets
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    assert rows[1:] == [["EMS", 1, "CNY", 9.5], ["SF Express", 2, "CNY", 46], ["Total", 3, "CNY", 55.5]]
    assert parcels.max_row == 4
    # An assistant sees only their own customers' parcels.
    client.force_login(cast.assistant1)
    response = client.get(reverse("samples:couriers") + "?month=2026-05")
    assert sorted(r["parcels"] for r in response.context["summary"]) == [1, 1]


@time_machine.travel(date(2026, 6, 10), tick=False)
def test_courier_reconciliation_shows_the_first_parcels_and_says_the_excel_has_all(client, cast, monkeypatch):
    from samples import views

    for day in (3, 4, 5):
        make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 5, day))
    monkeypatch.setattr(views, "PARCELS_SHOWN", 2)
    client.force_login(cast.finance1)
    response = client.get(reverse("samples:couriers"))
    assert len(response.context["parcels"]) == 2 and response.context["parcel_count"] == 3
    assert "first 2 shown; the Excel has all" in response.content.decode()
    xlsx = client.get(reverse("samples:couriers-export") + "?month=2026-05")
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets[1].max_row == 4


# Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["assistant1", "sales1", "manager1"])
def test_list_query_count_does_not_grow(client, cast, who, django_assert_max_num_queries):
    product = make_product()
    make_sample(cast, Status.DISPATCHED, product=product)
    client.force_login(getattr(cast, who))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("samples:list"))
    for _ in range(15):
        make_sample(cast, Status.DISPATCHED, product=product)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("samples:list"))
    assert len(response.context["samples"]) == 16
    assert len(many) == len(few)
    with django_assert_max_num_queries(12):
        client.get(reverse("samples:list"))


def test_other_list_pages_query_counts_flat(client, cast):
    product = make_product()
    make_sample(cast, Status.DISPATCHED, product=product, sent_on=timezone.localdate() - timedelta(days=10))
    item = SampleItem.objects.create(code="SM-3", name="Unit")
    SampleLoan.objects.create(item=item, salesperson=cast.sales1, borrower="王强", lent_on=timezone.localdate(),
                              due_back=timezone.localdate(), lent_by=cast.sales1)  # fmt: skip
    client.force_login(cast.sales1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = [reverse(n) for n in ("samples:follow-ups", "samples:loan-list", "samples:item-list",
                                 "samples:couriers", "samples:conversion")]  # fmt: skip
    before = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        before[url] = len(ctx)
    for n in range(10):
        make_sample(cast, Status.DISPATCHED, product=product, sent_on=timezone.localdate() - timedelta(days=10))
        other = SampleItem.objects.create(code=f"SM-X{n}", name="Unit")
        SampleLoan.objects.create(item=other, salesperson=cast.sales1, borrower="王强", lent_on=timezone.localdate(),
                                  due_back=timezone.localdate(), lent_by=cast.sales1)  # fmt: skip
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        assert len(ctx) == before[url], url


@pytest.mark.parametrize("who", ROLES)
def test_register_and_loan_forms_by_role(client, cast, who):
    client.force_login(getattr(cast, who))
    works = who != "finance1"
    assert client.get(reverse("samples:item-create")).status_code == (200 if works else 404)
    assert client.get(reverse("samples:loan-create")).status_code == (200 if works else 404)
    response = client.get(reverse("samples:create"))
    assert response.status_code == (200 if works else 404)


def test_item_create_adds_to_the_register(client, cast):
    client.force_login(cast.assistant1)
    response = client.post(reverse("samples:item-create"), {"code": "SM-77", "name": "Demo headlamp"})
    assert response.status_code == 302
    assert SampleItem.objects.get().name == "Demo headlamp"
    assert "SM-77" in client.get(reverse("samples:item-list")).content.decode()


def test_loan_to_a_customer_not_assigned_is_refused(client, cast):
    item = SampleItem.objects.create(code="SM-4", name="Demo unit")
    client.force_login(cast.assistant1)
    data = {"item": item.pk, "salesperson": cast.sales1.pk, "customer": cast.customer_of_assistant2.pk,
            "lent_on": timezone.localdate().isoformat(), "due_back": timezone.localdate().isoformat()}  # fmt: skip
    response = client.post(reverse("samples:loan-create"), data)
    assert response.status_code == 200 and "customer" in response.context["form"].errors
    assert not SampleLoan.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_excel_downloads_hold_only_what_the_user_sees(client, cast, who):
    make_sample(cast, Status.DISPATCHED, sent_on=timezone.localdate().replace(day=1))
    make_sample(cast, Status.DISPATCHED, sent_on=timezone.localdate().replace(day=1), customer=cast.customer_of_sales3,
                checker=cast.gm)  # fmt: skip
    user = getattr(cast, who)
    client.force_login(user)
    visible = SampleRequest.objects.visible_to(user).count()
    response = client.get(reverse("samples:export"))
    if who == "finance1":
        assert response.status_code == 404
    else:
        rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows())
        assert len(rows) - 1 == visible
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(reverse("samples:couriers-export") + f"?month={month}")
    parcels = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[1]
    expected = 2 if who in ("gm", "finance1") else visible
    assert parcels.max_row - 1 == expected


def test_purpose_is_not_labelled_as_a_trip_purpose_in_chinese(client, cast):
    # "Purpose" alone is travel's 出差事由; a sample's purpose has its own context (用途).
    sample = make_sample(cast, Status.APPROVED)
    cast.sales1.language = "zh-hans"
    cast.sales1.save(update_fields=["language"])
    client.force_login(cast.sales1)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(sample.get_absolute_url()).content.decode()
    assert "样品" in page  # the page is in Chinese
    assert "出差事由" not in page


def test_conversion_date_range_is_not_labelled_destination_in_chinese(client, cast):
    # "to" alone is travel's 目的地 (a trip's destination); the date range has its own context.
    client.force_login(cast.sales1)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("samples:conversion")).content.decode()
    assert "转化率" in page and "目的地" not in page
