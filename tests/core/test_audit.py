"""Audit history (django-simple-history): who changed what and when."""

from django.urls import reverse

from customers.models import Company


def test_company_change_is_recorded_with_the_user(client, cast, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    company = cast.customer_of_assistant1
    url = reverse("admin:customers_company_change", args=[company.pk])
    response = client.post(
        url,
        {
            "kind": "customer",
            "code": company.code,
            "name": "新名称有限公司",
            "name_en": company.name_en,
            "short_name": "",
            "region": "",
            "grade": "key",
            "owner": cast.sales2.pk,
            "currency": "CNY",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = company.history.latest()
    assert latest.history_user == admin
    assert latest.name == "新名称有限公司"
    assert latest.owner == cast.sales2
    delta = latest.diff_against(latest.prev_record)
    assert {c.field for c in delta.changes} == {"name", "grade", "owner"}
    # and the history page shows it
    history = client.get(reverse("admin:customers_company_history", args=[company.pk]))
    assert history.status_code == 200
    assert "新名称有限公司" in history.content.decode() or "root" in history.content.decode()


def test_user_history_never_stores_the_password(cast):
    cast.sales1.set_password("another-one-2026")
    cast.sales1.save()
    fields = {f.name for f in cast.sales1.history.model._meta.fields}
    assert "password" not in fields


def test_admin_pages_load(client, cast, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    for name in [
        "admin:accounts_user_changelist",
        "admin:accounts_team_changelist",
        "admin:customers_company_changelist",
        "admin:core_jobrun_changelist",
    ]:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("admin:accounts_user_change", args=[cast.assistant2.pk])).status_code == 200
    assert Company.objects.count() == 6
