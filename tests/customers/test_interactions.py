"""The interaction log and the follow-up cadence: scope, dates, the follow-up list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from customers.models import Company, Contact, Interaction
from customers.services.interactions import follow_up_refresh, interaction_log

TODAY = date(2026, 12, 1)
FROZEN = time_machine.travel("2026-12-01 10:00:00+08:00", tick=False)

ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]
VISIBLE = {
    "customer_of_assistant1": {"sales1", "assistant1", "manager1", "gm"},
    "customer_of_assistant2": {"sales1", "assistant2", "manager1", "gm"},
    "customer_of_sales3": {"sales3", "assistant3", "manager2", "gm"},
}
SCOPE_CASES = [(who, company, who in seen) for company, seen in VISIBLE.items() for who in ROLES]


def call_data(**overrides):
    data = {"kind": "call", "occurred_on": TODAY.isoformat(), "summary": "Asked about the Q1 order", "next_step": ""}
    data.update(overrides)
    return data


def set_cadence(company: Company, days: int | None, last_contact_on: date | None = None) -> Company:
    company.follow_up_days = days
    company.last_contact_on = last_contact_on
    company.next_follow_up_on = company.compute_next_follow_up(TODAY)
    company.save()
    return company


# --- scope --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, company_name, visible", SCOPE_CASES)
@FROZEN
def test_create_page_in_scope_or_404(client, cast, who, company_name, visible):
    company = getattr(cast, company_name)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:interaction-create", args=[company.pk]))
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize("who, company_name, visible", SCOPE_CASES)
@FROZEN
def test_create_post_in_scope_or_404_and_nothing_created(client, cast, who, company_name, visible):
    company = set_cadence(getattr(cast, company_name), 30, TODAY - timedelta(days=40))
    user = getattr(cast, who)
    client.force_login(user)
    response = client.post(reverse("customers:interaction-create", args=[company.pk]), call_data())
    company.refresh_from_db()
    if visible:
        assert response.status_code == 302
        assert response["Location"] == company.get_absolute_url() + "#interactions"
        interaction = Interaction.objects.get()
        assert (interaction.company, interaction.user, interaction.kind) == (company, user, "call")
        assert (company.last_contact_on, company.next_follow_up_on) == (TODAY, TODAY + timedelta(days=30))
    else:
        # a forged POST for a company outside scope: 404, nothing logged, no date moved
        assert response.status_code == 404
        assert not Interaction.objects.exists()
        assert company.last_contact_on == TODAY - timedelta(days=40)


@pytest.mark.parametrize("who", ROLES)
@FROZEN
def test_follow_up_list_shows_exactly_the_companies_in_scope(client, cast, who):
    for name in VISIBLE:
        set_cadence(getattr(cast, name), 30)
    set_cadence(cast.customer_unassigned, None)  # no cadence: never listed
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:follow-ups"))
    assert response.status_code == 200
    assert {c.code for c in response.context["companies"]} == {
        getattr(cast, name).code for name, seen in VISIBLE.items() if who in seen
    }


def test_anonymous_is_sent_to_login(client, cast):
    login = reverse("login")
    create = reverse("customers:interaction-create", args=[cast.customer_of_assistant1.pk])
    for response in [client.get(create), client.post(create, call_data()), client.get(reverse("customers:follow-ups"))]:
        assert response.status_code == 302 and response["Location"].startswith(login)
    assert not Interaction.objects.exists()


# --- the service: dates -------------------------------------------------------------------------


@FROZEN
def test_interaction_log_moves_last_contact_and_next_follow_up(cast):
    company = set_cadence(cast.customer_of_assistant1, 30, TODAY - timedelta(days=45))
    assert company.next_follow_up_on == TODAY - timedelta(days=15)  # overdue

    interaction_log(company=company, actor=cast.assistant1, kind="call", summary="Called", occurred_on=TODAY)
    company.refresh_from_db()
    assert (company.last_contact_on, company.next_follow_up_on) == (TODAY, date(2026, 12, 31))

    # an older visit logged afterwards does not move the last contact back
    interaction_log(
        company=company, actor=cast.sales1, kind="visit", summary="Visit", occurred_on=TODAY - timedelta(days=5)
    )
    company.refresh_from_db()
    assert (company.last_contact_on, company.next_follow_up_on) == (TODAY, date(2026, 12, 31))
    assert Interaction.objects.filter(company=company).count() == 2


@FROZEN
def test_interaction_log_without_cadence_records_the_last_contact_only(cast):
    company = cast.customer_of_assistant1
    interaction_log(company=company, actor=cast.sales1, kind="email", summary="Sent catalogue", occurred_on=None)
    company.refresh_from_db()
    assert (company.last_contact_on, company.next_follow_up_on) == (TODAY, None)
    assert Interaction.objects.get().occurred_on == TODAY  # the default date is the company's today


@time_machine.travel("2026-11-30 17:30:00+00:00", tick=False)  # 01:30 on Dec 1st in Shanghai
def test_today_is_the_companys_today(cast):
    company = set_cadence(cast.customer_of_assistant1, 7)
    interaction_log(company=company, actor=cast.sales1, kind="call", summary="Early call")
    company.refresh_from_db()
    assert (company.last_contact_on, company.next_follow_up_on) == (TODAY, TODAY + timedelta(days=7))


@FROZEN
def test_interaction_log_refuses_bad_input(cast):
    company = cast.customer_of_assistant1
    other = Contact.objects.create(company=cast.customer_of_sales3, name="Other", phone="1")
    with pytest.raises(ValidationError) as error:
        interaction_log(
            company=company, actor=cast.sales1, kind="call", summary="  ", contact=other,
            occurred_on=TODAY + timedelta(days=1), next_step_on=TODAY,
        )  # fmt: skip
    assert set(error.value.message_dict) == {"summary", "contact", "occurred_on", "next_step_on"}
    assert not Interaction.objects.exists()


@FROZEN
def test_interaction_log_refuses_a_company_outside_the_actors_scope(cast):
    with pytest.raises(PermissionDenied):
        interaction_log(company=cast.customer_of_sales3, actor=cast.assistant1, kind="call", summary="x")
    assert not Interaction.objects.exists()


@FROZEN
def test_follow_up_refresh_after_the_cadence_changes(cast):
    company = set_cadence(cast.customer_of_assistant1, None, TODAY - timedelta(days=10))
    company.follow_up_days = 14
    company.save()
    assert follow_up_refresh(company=company, today=TODAY) == TODAY + timedelta(days=4)
    company.refresh_from_db()
    assert company.next_follow_up_on == TODAY + timedelta(days=4)

    company.follow_up_days = None
    company.save()
    assert follow_up_refresh(company=company) is None
    company.refresh_from_db()
    assert company.next_follow_up_on is None


# --- the form and its page ----------------------------------------------------------------------


@FROZEN
def test_form_offers_only_this_companys_contacts_and_defaults_to_today(client, cast):
    mine = Contact.objects.create(company=cast.customer_of_assistant1, name="Ms Wu", phone="021-1")
    Contact.objects.create(company=cast.customer_of_sales3, name="Mr Other", phone="020-1")
    client.force_login(cast.assistant1)
    response = client.get(
        reverse("customers:interaction-create", args=[cast.customer_of_assistant1.pk]) + "?kind=visit"
    )
    form = response.context["form"]
    assert list(form.fields["contact"].queryset) == [mine]
    assert form["occurred_on"].value() == TODAY
    assert form["kind"].value() == "visit"
    html = response.content.decode()
    assert "Ms Wu" in html and "Mr Other" not in html
    assert 'href="tel:021-1"' in html


@FROZEN
def test_a_forged_contact_of_another_company_is_refused(client, cast):
    other = Contact.objects.create(company=cast.customer_of_assistant2, name="Not yours", phone="1")
    client.force_login(cast.sales1)
    response = client.post(
        reverse("customers:interaction-create", args=[cast.customer_of_assistant1.pk]), call_data(contact=other.pk)
    )
    assert response.status_code == 200
    assert "contact" in response.context["form"].errors
    assert not Interaction.objects.exists()


@FROZEN
def test_a_future_date_is_refused_with_typed_values_kept(client, cast):
    client.force_login(cast.sales1)
    response = client.post(
        reverse("customers:interaction-create", args=[cast.customer_of_assistant1.pk]),
        call_data(occurred_on="2026-12-05", summary="Typed summary"),
    )
    assert response.status_code == 200
    assert "cannot be in the future" in " ".join(response.context["form"].errors["occurred_on"])
    assert "Typed summary" in response.content.decode()
    assert not Interaction.objects.exists()


@FROZEN
def test_log_a_call_from_the_follow_up_list_returns_there(client, cast):
    company = set_cadence(cast.customer_of_assistant1, 30)
    client.force_login(cast.assistant1)
    back = reverse("customers:follow-ups") + "?due=1"
    url = reverse("customers:interaction-create", args=[company.pk])
    assert client.post(url, {**call_data(), "next": back})["Location"] == back
    assert client.post(url, {**call_data(), "next": "https://evil.example/"})["Location"].endswith("#interactions")


@FROZEN
def test_company_tab_lists_interactions(client, cast):
    company = cast.customer_of_assistant1
    client.force_login(cast.assistant1)
    html = client.get(company.get_absolute_url()).content.decode()
    assert "No interactions yet" in html
    interaction_log(
        company=company, actor=cast.assistant1, kind="meeting", summary="Price review <b>", next_step="Send quote"
    )
    html = client.get(company.get_absolute_url()).content.decode()
    assert "Price review &lt;b&gt;" in html  # escaped, never |safe
    assert "Send quote" in html
    assert reverse("customers:interaction-create", args=[company.pk]) in html


# --- follow-up list -----------------------------------------------------------------------------


@FROZEN
def test_follow_up_list_puts_due_first_with_days_overdue(client, cast):
    set_cadence(cast.customer_of_assistant1, 30, TODAY - timedelta(days=10))  # due in 20 days
    set_cadence(cast.customer_shared, 30, TODAY - timedelta(days=33))  # 3 days overdue
    set_cadence(cast.customer_unassigned, 14)  # never contacted: due today
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:follow-ups"))
    rows = [(c.code, c.days_overdue) for c in response.context["companies"]]
    assert rows == [("T-SH", 3), ("T-UN", 0), ("T-A1", None)]
    html = response.content.decode()
    assert "3 days overdue" in html and "Due today" in html and "Never" in html
    assert reverse("customers:interaction-create", args=[cast.customer_shared.pk]) + "?kind=call&amp;next=" in html

    due = client.get(reverse("customers:follow-ups"), {"due": "1"}).context["companies"]
    assert [c.code for c in due] == ["T-SH", "T-UN"]


def test_follow_up_list_empty_state(client, cast):
    client.force_login(cast.assistant3)
    assert "No customer has a follow-up cadence yet" in client.get(reverse("customers:follow-ups")).content.decode()


@pytest.mark.parametrize("count", [2, 60])
@FROZEN
def test_follow_up_list_queries_do_not_grow_with_rows(client, cast, django_assert_max_num_queries, count):
    Company.objects.bulk_create(
        Company(code=f"K{i:03}", name=f"Key {i}", owner=cast.sales1, follow_up_days=30,
                next_follow_up_on=TODAY - timedelta(days=i))
        for i in range(count)
    )  # fmt: skip
    client.force_login(cast.sales1)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("customers:follow-ups"))
    assert len(response.context["companies"]) == min(count, 50)
