"""Company files: scope per role on every URL, ownership, assignment, transfer, bad input."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import Company, CompanyAssignment, Contact, OwnershipChange

ROLES = [
    "gm",
    "manager1",
    "manager2",
    "sales1",
    "sales2",
    "sales3",
    "assistant1",
    "assistant2",
    "assistant3",
    "finance1",
]

# Who sees cast.customer_of_assistant1 (sales1's company assigned to assistant1 only).
SEES_A1 = {"gm", "manager1", "sales1", "assistant1"}


def excel_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def company_urls(company: Company) -> list[str]:
    return [
        reverse("customers:detail", args=[company.pk]),
        reverse("customers:edit", args=[company.pk]),
        reverse("customers:contact-create", args=[company.pk]),
    ]


@pytest.mark.parametrize("who", ROLES)
def test_company_pages_answer_404_outside_scope(client, cast, who):
    client.force_login(getattr(cast, who))
    expected = 200 if who in SEES_A1 else 404
    for url in company_urls(cast.customer_of_assistant1):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("who", ROLES)
def test_company_post_actions_answer_404_outside_scope(client, cast, who):
    client.force_login(getattr(cast, who))
    company = cast.customer_of_sales3
    if who in {"gm", "manager2", "sales3", "assistant3"}:
        return
    before = CompanyAssignment.objects.count()
    for url, data in [
        (reverse("customers:assign", args=[company.pk]), {"assistant": cast.assistant3.pk}),
        (reverse("customers:unassign", args=[company.pk, cast.assistant3.pk]), {}),
        (reverse("customers:transfer", args=[company.pk]), {"new_owner": cast.sales1.pk, "reason": "x"}),
        (reverse("customers:edit", args=[company.pk]), {"name": "hacked"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert CompanyAssignment.objects.count() == before
    company.refresh_from_db()
    assert company.owner == cast.sales3 and company.name != "hacked"


def test_contact_urls_are_scoped(client, cast):
    contact = Contact.objects.create(company=cast.customer_of_sales3, name="Mr Lee", phone="1")
    client.force_login(cast.sales1)
    assert client.get(reverse("customers:contact-edit", args=[contact.pk])).status_code == 404
    assert client.post(reverse("customers:contact-delete", args=[contact.pk])).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()
    client.force_login(cast.assistant3)
    assert client.get(reverse("customers:contact-edit", args=[contact.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, cast):
    for url in [
        reverse("customers:list"),
        reverse("customers:export"),
        reverse("customers:create"),
        *company_urls(cast.customer_of_assistant1),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


LIST_EXPECTED = {
    "gm": {"T-A1", "T-SH", "T-A2", "T-UN", "T-S2", "T-S3"},
    "manager1": {"T-A1", "T-SH", "T-A2", "T-UN", "T-S2"},
    "manager2": {"T-S3"},
    "sales1": {"T-A1", "T-SH", "T-A2", "T-UN"},
    "sales3": {"T-S3"},
    "assistant1": {"T-A1", "T-SH"},
    "assistant2": {"T-SH", "T-A2", "T-S2"},
    "assistant3": {"T-S3"},
    "finance1": set(),
}


@pytest.mark.parametrize("who", sorted(LIST_EXPECTED))
def test_list_and_excel_show_exactly_the_scope(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:list"))
    assert {c.code for c in response.context["companies"]} == LIST_EXPECTED[who]
    rows = excel_rows(client.get(reverse("customers:export")))
    assert rows[0][0] == "Code"
    assert {r[0] for r in rows[1:]} == LIST_EXPECTED[who]


def test_list_filters_search_and_excel_follow_them(client, cast):
    Company.objects.filter(code="T-SH").update(grade="key", name_en="Hamburg Precision GmbH")
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:list"), {"grade": "key"})
    assert [c.code for c in response.context["companies"]] == ["T-SH"]
    response = client.get(reverse("customers:list"), {"q": "hamburg"})
    assert [c.code for c in response.context["companies"]] == ["T-SH"]
    assert "Applied:" in response.content.decode()
    rows = excel_rows(client.get(reverse("customers:export"), {"q": "hamburg"}))
    assert [r[0] for r in rows[1:]] == ["T-SH"]
    response = client.get(reverse("customers:list"), {"q": "T-A1 有限公司"[:4]})
    assert [c.code for c in response.context["companies"]] == ["T-A1"]


def test_list_sorts_and_answers_htmx_with_rows_only(client, cast):
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:list"), {"sort": "-code"})
    assert [c.code for c in response.context["companies"]] == ["T-UN", "T-SH", "T-A2", "T-A1"]
    response = client.get(reverse("customers:list"), {"q": "T-A"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "T-A1" in html and "T-UN" not in html


def test_list_queries_do_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    client.force_login(cast.assistant2)
    owner = cast.sales1

    def add(n):
        companies = Company.objects.bulk_create(
            [Company(code=f"Q{n}-{i:04d}", name=f"测试{i}", owner=owner) for i in range(n)]
        )
        CompanyAssignment.objects.bulk_create(
            [CompanyAssignment(company=c, assistant=cast.assistant2) for c in companies]
        )

    add(5)
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("customers:list"))
    add(495)
    with django_assert_max_num_queries(9) as many:
        response = client.get(reverse("customers:list"))
    assert len(response.context["companies"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_queries_are_bounded(client, cast, django_assert_max_num_queries):
    for i in range(10):
        Contact.objects.create(company=cast.customer_shared, name=f"c{i}", phone="1")
    client.force_login(cast.assistant1)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("customers:detail", args=[cast.customer_shared.pk])).status_code == 200


# --- creating ---------------------------------------------------------------------------

VALID = {
    "kind": "customer", "code": "new-001", "name": "苏州新客户有限公司", "name_en": "Suzhou New Customer Co., Ltd.",
    "short_name": "苏州新客", "grade": "key", "region": "中国", "currency": "CNY", "tax_id": "91320500 mA1fl2x43q",
    "follow_up_days": "30",
}  # fmt: skip


def test_salesperson_creates_and_owns_a_company(client, cast):
    client.force_login(cast.sales1)
    response = client.post(reverse("customers:create"), VALID)
    company = Company.objects.get(code="NEW-001")
    assert response.status_code == 302 and response["Location"] == company.get_absolute_url()
    assert company.owner == cast.sales1 and company.created_by == cast.sales1
    assert company.tax_id == "91320500MA1FL2X43Q"
    assert company.next_follow_up_on is not None  # a key customer never called is due now
    assert company.history.get().history_user == cast.sales1


def test_salesperson_cannot_make_someone_else_owner(client, cast):
    client.force_login(cast.sales1)
    client.post(reverse("customers:create"), {**VALID, "owner": cast.sales3.pk})
    assert Company.objects.get(code="NEW-001").owner == cast.sales1


def test_manager_creates_for_a_salesperson_of_their_team_only(client, cast):
    client.force_login(cast.manager1)
    response = client.post(reverse("customers:create"), {**VALID, "owner": cast.sales3.pk})
    assert response.status_code == 200 and not Company.objects.filter(code="NEW-001").exists()
    assert "Select a valid choice" in response.content.decode()
    client.post(reverse("customers:create"), {**VALID, "owner": cast.sales2.pk})
    assert Company.objects.get(code="NEW-001").owner == cast.sales2


@pytest.mark.parametrize("who", ["assistant1", "assistant2", "finance1"])
def test_assistants_cannot_create_companies(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("customers:create")).status_code == 403
    response = client.post(reverse("customers:create"), VALID)
    assert response.status_code == 403
    assert "cannot create customers" in response.content.decode()
    assert not Company.objects.filter(code="NEW-001").exists()
    assert "New company" not in client.get(reverse("customers:list")).content.decode()


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"code": "t-a1"}, "code", "Company with this Code already exists."),
        ({"tax_id": "12345"}, "tax_id", "unified social credit code"),
        ({"name": ""}, "name", "This field is required."),
        ({"credit_limit": "-5"}, "credit_limit", "greater than or equal to 0"),
        ({"credit_limit": "1.234"}, "credit_limit", "no more than 2 decimal places"),
        ({"follow_up_days": "0"}, "follow_up_days", "greater than or equal to 1"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, cast, change, field, message):
    client.force_login(cast.sales1)
    count = Company.objects.count()
    response = client.post(reverse("customers:create"), {**VALID, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Company.objects.count() == count
    assert 'value="苏州新客户有限公司"' in response.content.decode() or field == "name"


def test_bad_input_message_in_chinese(client, cast):
    client.force_login(cast.sales1)
    response = client.post(reverse("customers:create"), {**VALID, "code": "T-A1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已存在" in response.content.decode()


def test_edit_keeps_owner_and_refreshes_follow_up(client, cast):
    company = cast.customer_of_assistant1
    client.force_login(cast.assistant1)  # an assigned assistant keeps the file up to date
    data = {**VALID, "code": company.code, "follow_up_days": "14"}
    response = client.post(reverse("customers:edit", args=[company.pk]), data)
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.owner == cast.sales1 and company.follow_up_days == 14 and company.next_follow_up_on


# --- assignment and transfer -------------------------------------------------------------


def test_owner_assigns_and_takes_back(client, cast):
    company = cast.customer_unassigned
    client.force_login(cast.sales1)
    client.post(reverse("customers:assign", args=[company.pk]), {"assistant": cast.assistant1.pk})
    assert company.assignments.filter(assistant=cast.assistant1).exists()
    client.force_login(cast.assistant1)
    assert client.get(company.get_absolute_url()).status_code == 200
    client.force_login(cast.sales1)
    client.post(reverse("customers:unassign", args=[company.pk, cast.assistant1.pk]))
    client.force_login(cast.assistant1)
    assert client.get(company.get_absolute_url()).status_code == 404


def test_cannot_assign_an_assistant_who_does_not_serve_the_owner(client, cast):
    client.force_login(cast.sales1)
    client.post(reverse("customers:assign", args=[cast.customer_unassigned.pk]), {"assistant": cast.assistant3.pk})
    assert not cast.customer_unassigned.assignments.exists()


@pytest.mark.parametrize("who", ["assistant1", "sales2"])
def test_only_owner_or_manager_assigns(client, cast, who):
    # assistant1 sees the company but may not assign it; sales2 does not see it at all.
    client.force_login(getattr(cast, who))
    response = client.post(
        reverse("customers:assign", args=[cast.customer_of_assistant1.pk]), {"assistant": cast.assistant2.pk}
    )
    assert response.status_code == 404
    assert not cast.customer_of_assistant1.assignments.filter(assistant=cast.assistant2).exists()


def test_manager_moves_a_company_within_jurisdiction_with_history(client, cast):
    company = cast.customer_shared
    client.force_login(cast.manager1)
    assert client.get(reverse("customers:transfer", args=[company.pk])).status_code == 200
    response = client.post(
        reverse("customers:transfer", args=[company.pk]),
        {"new_owner": cast.sales2.pk, "reason": "sales1 leaves the account"},
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.owner == cast.sales2
    change = OwnershipChange.objects.get(company=company)
    assert (change.from_owner, change.to_owner, change.changed_by) == (cast.sales1, cast.sales2, cast.manager1)
    # assistant1 does not serve sales2: loses it; assistant2 does: keeps it
    assert set(company.assignments.values_list("assistant__username", flat=True)) == {"assistant2"}
    assert "sales1 leaves the account" in client.get(company.get_absolute_url()).content.decode()


def test_transfer_outside_jurisdiction_is_refused(client, cast):
    client.force_login(cast.manager1)
    response = client.post(
        reverse("customers:transfer", args=[cast.customer_shared.pk]), {"new_owner": cast.sales3.pk, "reason": "x"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    cast.customer_shared.refresh_from_db()
    assert cast.customer_shared.owner == cast.sales1


@pytest.mark.parametrize("who", ["sales1", "assistant1"])
def test_salespersons_and_assistants_cannot_transfer(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("customers:transfer", args=[cast.customer_of_assistant1.pk])).status_code == 404


# --- contacts -----------------------------------------------------------------------------


def test_new_primary_contact_takes_the_flag(client, cast):
    company = cast.customer_of_assistant1
    first = Contact.objects.create(company=company, name="Ms Wang", phone="1", is_primary=True)
    client.force_login(cast.assistant1)
    response = client.post(
        reverse("customers:contact-create", args=[company.pk]),
        {"name": "Mr Li", "email": "li@example.com", "is_primary": "on", "is_billing": "on"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert not first.is_primary
    assert company.contacts.get(is_primary=True).name == "Mr Li"


def test_contact_needs_a_way_to_reach_them_and_billing_needs_email(client, cast):
    client.force_login(cast.sales1)
    url = reverse("customers:contact-create", args=[cast.customer_of_assistant1.pk])
    response = client.post(url, {"name": "Nobody"})
    assert "at least a phone" in response.content.decode()
    response = client.post(url, {"name": "Billing", "phone": "1", "is_billing": "on"})
    assert "billing contact needs an email" in response.content.decode()
    assert not Contact.objects.exists()


def test_lookup_is_scoped(client, cast):
    client.force_login(cast.assistant1)
    data = client.get(reverse("customers:lookup"), {"q": "T-"}).json()
    assert {r["text"].split()[0] for r in data["results"]} == {"T-A1", "T-SH"}


def test_history_tab_names_the_fields_changed_and_who(client, cast):
    company = cast.customer_of_assistant1
    client.force_login(cast.sales1)
    client.post(reverse("customers:edit", args=[company.pk]), {**VALID, "code": company.code, "grade": "potential"})
    client.force_login(cast.manager1)  # the history is for managers (core/audit.py)
    response = client.get(company.get_absolute_url())
    entry, *_rest = response.context["audit_history"]
    assert entry.user == cast.sales1
    changed = [change.field for change in entry.changes]
    assert "grade" in changed and "legal name" in changed
