"""Production follow-up: milestones, QC checklist, production notice PDF, the panel and the home queue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import home
from orders.models import AbnormalOrder, Milestone, Order, QualityCheck
from orders.queues import late_milestones_for, open_abnormal_for
from orders.services.production import (
    milestone_rows,
    milestones_save,
    production_panel_context,
    quality_check_create,
)
from tests.conftest import read_people
from tests.orders.factories import make_order, make_product

ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]
SEES_A1 = {"sales1", "assistant1", "manager1", "gm"}
SEES_S3 = {"sales3", "assistant3", "manager2", "gm"}
KINDS = list(Milestone.Kind.values)
CONFIRMED = Order.Status.CONFIRMED


def today() -> date:
    return timezone.localdate()


def order_of(cast, name="customer_of_assistant1", status=CONFIRMED, **kw) -> Order:
    customer = getattr(cast, name)
    return make_order(customer.owner, customer, status=status, **kw)


def plan_post(rows: dict[str, tuple]) -> dict[str, str]:
    """{kind: (planned, actual, note)} → the milestone form's POST data (other kinds empty)."""
    data = {}
    for kind in KINDS:
        planned, actual, note = rows.get(kind, (None, None, ""))
        data[f"{kind}_planned"] = planned.isoformat() if planned else ""
        data[f"{kind}_actual"] = actual.isoformat() if actual else ""
        data[f"{kind}_note"] = note
    return data


def qc_post(passed=None, **extra) -> dict[str, str]:
    passed = QualityCheck.ITEMS if passed is None else passed
    data = {"checked_on": today().isoformat(), "note": extra.pop("note", "")}
    data.update({item: "on" for item in passed})
    data.update(extra)
    return data


# Scope on every URL ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_order_urls_are_404_outside_scope(client, cast, who):
    mine, theirs = order_of(cast), order_of(cast, "customer_of_sales3")
    client.force_login(getattr(cast, who))
    for order, seers in [(mine, SEES_A1), (theirs, SEES_S3)]:
        for name in ["orders:milestones", "orders:qc-create", "orders:abnormal-create"]:
            response = client.get(reverse(name, args=[order.pk]))
            assert response.status_code == (200 if who in seers else 404), (name, order.customer.code)
        response = client.get(reverse("orders:production-notice", args=[order.pk]))
        assert response.status_code == (200 if who in seers else 404), ("pdf", order.customer.code)


def test_assistant_does_not_reach_an_order_of_a_customer_assigned_to_another_assistant(client, cast):
    order = order_of(cast, "customer_of_assistant2")
    client.force_login(cast.assistant1)
    for name in ["orders:milestones", "orders:qc-create", "orders:abnormal-create", "orders:production-notice"]:
        assert client.get(reverse(name, args=[order.pk])).status_code == 404, name
        assert client.post(reverse(name, args=[order.pk]), {}).status_code in (404, 405), name


def test_anonymous_is_sent_to_login(client, cast):
    order = order_of(cast)
    for name in ["orders:milestones", "orders:qc-create", "orders:abnormal-create", "orders:production-notice"]:
        response = client.get(reverse(name, args=[order.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_forged_posts_outside_scope_change_nothing(client, cast):
    order = order_of(cast, "customer_of_sales3")
    client.force_login(cast.assistant1)
    assert (
        client.post(reverse("orders:milestones", args=[order.pk]), plan_post({"qc": (today(), None, "")})).status_code
        == 404
    )
    assert client.post(reverse("orders:qc-create", args=[order.pk]), qc_post()).status_code == 404
    assert not Milestone.objects.exists() and not QualityCheck.objects.exists()
    with pytest.raises(ValidationError):
        milestones_save(order=order, actor=cast.assistant1, rows=[{"kind": "qc", "planned_on": today()}])
    with pytest.raises(ValidationError):
        quality_check_create(order=order, actor=cast.assistant1, checked_on=today(), results={})
    assert not Milestone.objects.exists() and not QualityCheck.objects.exists()


# Milestones -----------------------------------------------------------------------------------


def test_assistant_plans_and_updates_milestones(client, cast):
    order = order_of(cast)
    client.force_login(cast.assistant1)
    t = today()
    rows = {
        "materials_ordered": (t - timedelta(days=10), t - timedelta(days=9), "布料已下单"),
        "materials_arrived": (t - timedelta(days=3), None, "waiting for the dye house"),
        "production_started": (t + timedelta(days=2), None, ""),
    }
    response = client.post(reverse("orders:milestones", args=[order.pk]), plan_post(rows))
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/#production")
    saved = {m.kind: m for m in order.milestones.all()}
    assert set(saved) == set(rows)
    assert saved["materials_ordered"].actual_on == t - timedelta(days=9)
    assert saved["materials_ordered"].note == "布料已下单"

    # the form shows what is saved; clearing a row removes that milestone
    response = client.get(reverse("orders:milestones", args=[order.pk]))
    assert response.status_code == 200
    assert (t - timedelta(days=3)).isoformat() in response.content.decode()
    rows["materials_arrived"] = (t - timedelta(days=3), t, "")
    del rows["production_started"]
    client.post(reverse("orders:milestones", args=[order.pk]), plan_post(rows))
    saved = {m.kind: m for m in order.milestones.all()}
    assert set(saved) == {"materials_ordered", "materials_arrived"}
    assert saved["materials_arrived"].actual_on == t


def test_actual_date_in_the_future_is_refused_and_nothing_is_saved(client, cast):
    order = order_of(cast)
    client.force_login(cast.assistant1)
    t = today()
    response = client.post(
        reverse("orders:milestones", args=[order.pk]),
        plan_post({"materials_ordered": (t, t + timedelta(days=1), ""), "packed": (t + timedelta(days=20), None, "")}),
    )
    assert response.status_code == 200
    assert "The actual date cannot be in the future." in response.content.decode()
    assert response.context["form"]["materials_ordered_actual"].errors
    assert not Milestone.objects.exists()
    # what was typed is kept
    assert (t + timedelta(days=20)).isoformat() in response.content.decode()
    with pytest.raises(ValidationError) as error:
        milestones_save(
            order=order, actor=cast.assistant1, rows=[{"kind": "qc", "planned_on": t, "actual_on": t + timedelta(1)}]
        )
    assert "qc_actual" in error.value.error_dict


def test_actual_date_needs_a_planned_date(client, cast):
    order = order_of(cast)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:milestones", args=[order.pk]), plan_post({"qc": (None, today(), "")}))
    assert response.status_code == 200
    assert "Give the planned date of this milestone." in response.content.decode()
    assert not Milestone.objects.exists()


def test_planned_dates_out_of_sequence_are_a_warning_not_an_error(client, cast):
    order = order_of(cast)
    client.force_login(cast.assistant1)
    t = today()
    rows = {"materials_ordered": (t + timedelta(days=10), None, ""), "packed": (t + timedelta(days=5), None, "")}
    response = client.post(reverse("orders:milestones", args=[order.pk]), plan_post(rows), follow=True)
    assert order.milestones.count() == 2
    text = [str(m) for m in response.context["messages"]]
    assert any("Packed is planned before Materials ordered." in m for m in text), text


@pytest.mark.parametrize(
    "status, editable",
    [
        (Order.Status.RECEIVED, False),
        (Order.Status.CONFIRMED, True),
        (Order.Status.IN_PRODUCTION, True),
        (Order.Status.READY, True),
        (Order.Status.SHIPPED, False),
        (Order.Status.CANCELLED, False),
    ],
)
def test_milestones_only_while_confirmed_in_production_or_ready(client, cast, status, editable):
    order = order_of(cast, status=status)
    client.force_login(cast.assistant1)
    url = reverse("orders:milestones", args=[order.pk])
    response = client.get(url)
    assert response.status_code == (200 if editable else 302)
    response = client.post(url, plan_post({"qc": (today(), None, "")}))
    assert order.milestones.exists() == editable
    if not editable:
        assert response.status_code == 200
        assert "only while the order is confirmed" in response.content.decode()


def test_late_rule(cast):
    t = today()
    order = order_of(cast, status=Order.Status.IN_PRODUCTION)
    Milestone.objects.create(order=order, kind="materials_ordered", planned_on=t - timedelta(days=5), actual_on=t)
    Milestone.objects.create(order=order, kind="materials_arrived", planned_on=t - timedelta(days=4))
    Milestone.objects.create(order=order, kind="production_started", planned_on=t)
    rows = {r["kind"]: r for r in milestone_rows(order, t)}
    assert [r["late"] for r in rows.values()] == [False, True, False, False, False]
    assert rows["materials_arrived"]["days_late"] == 4
    assert rows["qc"]["milestone"] is None  # not planned: shown, never late
    order.status = Order.Status.CANCELLED
    assert not any(r["late"] for r in milestone_rows(order, t))


# QC checklist ---------------------------------------------------------------------------------


def test_passed_quality_check(client, cast):
    order = order_of(cast, status=Order.Status.IN_PRODUCTION)
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:qc-create", args=[order.pk]), qc_post(note="all good"))
    assert response.status_code == 302 and response["Location"].endswith("#production")
    check = QualityCheck.objects.get()
    assert check.passed and check.checked_by == cast.assistant1 and check.note == "all good"


def test_failed_quality_check_leads_to_an_abnormal_order_of_kind_quality(client, cast):
    order = order_of(cast, status=Order.Status.IN_PRODUCTION)
    client.force_login(cast.assistant1)
    passed = [i for i in QualityCheck.ITEMS if i not in ("colour_right", "size_accurate")]
    response = client.post(reverse("orders:qc-create", args=[order.pk]), qc_post(passed, open_abnormal="on"))
    check = QualityCheck.objects.get()
    assert not check.passed
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:abnormal-create", args=[order.pk]) + f"?kind=quality&qc={check.pk}"
    response = client.get(response["Location"])
    form = response.context["form"]
    assert form.initial["kind"] == "quality"
    assert "colour right" in form.initial["cause"] and "size accurate" in form.initial["cause"]
    assert form.initial["currency"] == order.currency


def test_failed_check_without_the_question_goes_back_to_the_order(client, cast):
    order = order_of(cast)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:qc-create", args=[order.pk]), qc_post([]))
    assert response["Location"].endswith("#production")
    assert not QualityCheck.objects.get().passed


def test_quality_check_rules(client, cast):
    order = order_of(cast, status=Order.Status.RECEIVED)
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:qc-create", args=[order.pk]), qc_post())
    assert response.status_code == 200 and "only while the order is confirmed" in response.content.decode()
    order = order_of(cast)
    future = (today() + timedelta(days=1)).isoformat()
    response = client.post(reverse("orders:qc-create", args=[order.pk]), qc_post(checked_on=future))
    assert response.status_code == 200 and "The check date cannot be in the future." in response.content.decode()
    assert not QualityCheck.objects.exists()


# Production notice PDF ------------------------------------------------------------------------


def test_production_notice_pdf_has_no_prices(client, cast):
    product = make_product(name="不锈钢保温杯", specification="500ml 304 不锈钢", list_price=Decimal("88.00"))
    order = order_of(cast, lines=[(product, Decimal("1200"), Decimal("23.45"))], confirmed_delivery=date(2026, 9, 30))
    Milestone.objects.create(order=order, kind="packed", planned_on=date(2026, 9, 20))
    client.force_login(cast.assistant1)
    response = client.get(reverse("orders:production-notice", args=[order.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 1000

    # the same template with the same context: numbers there, prices not
    from orders.services.production import QC_ZH, qc_item_labels

    html = render_to_string(
        "pdf/production_notice.html",
        {
            "order": order,
            "lines": list(order.lines.select_related("product")),
            "milestones": [{**r, "label_zh": "包装完成", "label_en": "Packed"} for r in milestone_rows(order, today())],
            "qc_items": [(i, QC_ZH[i], label) for i, label in qc_item_labels()],
            "today": today(),
        },
    )
    assert "生产通知单" in html and order.number in html and order.customer_po in html
    assert "500ml 304 不锈钢" in html and "1200" in html and "2026-09-30" in html and "2026-09-20" in html
    assert "颜色正确" in html and "工厂" in html
    assert "23.45" not in html and "88.00" not in html and str(order.total) not in html
    assert "—" in html  # no factory yet


# The panel on the order page -------------------------------------------------------------------


def test_panel_shows_late_badges_qc_and_abnormal(cast, django_assert_max_num_queries):
    t = today()
    order = order_of(cast, status=Order.Status.IN_PRODUCTION)
    Milestone.objects.create(order=order, kind="materials_arrived", planned_on=t - timedelta(days=3))
    Milestone.objects.create(order=order, kind="packed", planned_on=t + timedelta(days=3))
    QualityCheck.objects.create(order=order, checked_on=t, checked_by=cast.assistant1, material_correct=True)
    AbnormalOrder.objects.create(
        order=order, kind="quality", reported_on=t, reported_by=cast.assistant1, cause="色差", cost=Decimal("150.50")
    )
    with django_assert_max_num_queries(3):
        context = production_panel_context(order=order, user=cast.assistant1)
    html = render_to_string("orders/_panel_production.html", context)
    assert "3 days late" in html and "Edit milestones" in html and "Production notice PDF" in html
    assert "Failed" in html and "Record an abnormal order" in html and "色差" in html and "150.50" in html
    # with plain querysets (as the order page may pass them) the late badge still shows
    html = render_to_string(
        "orders/_panel_production.html",
        {
            "order": order,
            "milestones": Milestone.objects.filter(order=order),
            "quality_checks": QualityCheck.objects.filter(order=order),
            "abnormalities": AbnormalOrder.objects.filter(order=order),
            "today": t,
            "can_edit": True,
        },
    )
    assert "late-badge" in html and "Record abnormal order" in html
    assert "size accurate" in html and "material correct" not in html  # the failed items, listed by the template


# Home queue ------------------------------------------------------------------------------------


def test_late_milestones_queue_is_exactly_in_scope_and_only_late(cast):
    t = today()
    late = {}
    for name in ["customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned",
                 "customer_of_sales2", "customer_of_sales3"]:  # fmt: skip
        order = order_of(cast, name, status=Order.Status.IN_PRODUCTION)
        late[name] = order.number
        Milestone.objects.create(order=order, kind="materials_arrived", planned_on=t - timedelta(days=2))
        Milestone.objects.create(order=order, kind="materials_ordered", planned_on=t - timedelta(days=9), actual_on=t)
        Milestone.objects.create(order=order, kind="packed", planned_on=t)  # due today: not late yet
    closed = order_of(cast, status=Order.Status.CANCELLED)
    Milestone.objects.create(order=closed, kind="qc", planned_on=t - timedelta(days=30))
    expected = {
        "sales1": {"customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned"},
        "assistant1": {"customer_of_assistant1", "customer_shared"},
        "assistant2": {"customer_shared", "customer_of_assistant2", "customer_of_sales2"},
        "manager1": {"customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned",
                     "customer_of_sales2"},
        "manager2": {"customer_of_sales3"},
        "gm": set(late),
        "sales3": {"customer_of_sales3"},
        "assistant3": {"customer_of_sales3"},
        "finance1": set(),
    }  # fmt: skip
    for who, names in expected.items():
        items = late_milestones_for(getattr(cast, who), t)
        assert {item.label.split()[0] for item in items} == {late[n] for n in names}, who
        assert all(item.badge == "2 days late" for item in items), who
        assert all(item.url.endswith("#production") for item in items)


def test_late_milestones_queue_is_capped_and_flat(cast, django_assert_max_num_queries):
    t = today()
    for n in range(12):
        order = order_of(cast, status=Order.Status.IN_PRODUCTION)
        Milestone.objects.create(order=order, kind="qc", planned_on=t - timedelta(days=n + 1))
    read_people(cast.assistant1)
    with django_assert_max_num_queries(1):  # the rows and their total in one query
        items = late_milestones_for(cast.assistant1, t)
    assert len(items) == 11  # ten milestones and the link to all of them
    assert items[0].badge == "12 days late"  # the most overdue first
    assert "12" in items[-1].label and not items[-1].badge  # "12 late milestones in all"


def test_queue_sections_are_registered_for_the_right_roles(cast):
    assert set(home.SECTIONS["late_milestones"].roles) == {"assistant", "salesperson", "manager"}
    assert home.SECTIONS["open_abnormal"].roles == ("manager",)


def test_open_abnormal_queue_for_managers(cast):
    t = today()
    for name in ["customer_of_assistant1", "customer_of_sales3"]:
        order = order_of(cast, name)
        AbnormalOrder.objects.create(
            order=order, kind="quantity", reported_on=t - timedelta(days=1), reported_by=order.salesperson, cause="少货"
        )
        AbnormalOrder.objects.create(
            order=order, kind="other", reported_on=t - timedelta(days=5), reported_by=order.salesperson,
            cause="done", resolved_on=t,
        )  # fmt: skip
    assert len(open_abnormal_for(cast.manager1, t)) == 1
    assert len(open_abnormal_for(cast.manager2, t)) == 1
    assert len(open_abnormal_for(cast.gm, t)) == 2
    assert open_abnormal_for(cast.manager1, t)[0].badge == "open 1 day"


def test_home_page_shows_the_late_milestone(client, cast):
    order = order_of(cast, status=Order.Status.IN_PRODUCTION)
    Milestone.objects.create(order=order, kind="qc", planned_on=today() - timedelta(days=4))
    client.force_login(cast.assistant1)
    content = client.get("/").content.decode()
    assert "queue-late_milestones" in content and order.number in content and "4 days late" in content
