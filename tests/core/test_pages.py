"""Login, logout, password change and reset, the home page of each role, the language switch."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from core.seed import DEMO_PASSWORD

ROLE_HOMES = {
    "gm": "Company dashboard",
    "manager1": "Team dashboard",
    "manager2": "Team dashboard",
    "sales1": "My work",
    "sales3": "My work",
    "assistant1": "Today's queue",
    "assistant3": "Today's queue",
    "finance1": "Finance",
}


@pytest.mark.parametrize("who, heading", sorted(ROLE_HOMES.items()))
def test_every_demo_user_logs_in_and_lands_on_their_home(client, cast, who, heading):
    response = client.post(reverse("login"), {"username": who, "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f'<h1 class="h4 mb-0">{heading}</h1>' in response.content.decode()


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("username", ["assistant1", "nobody-here"])
def test_wrong_password_gives_one_message_and_keeps_the_username(client, cast, username):
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in html
    assert f'value="{username}"' in html
    # no hint whether the user exists: the page is the same apart from the typed name
    assert "does not exist" not in html


def test_wrong_password_message_in_chinese(client, cast):
    response = client.post(reverse("login"), {"username": "sales1", "password": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请输入一个正确的" in response.content.decode()


def test_assistant_home_lists_served_salespersons_with_assigned_counts(client, cast):
    client.force_login(cast.assistant2)
    html = client.get(reverse("home")).content.decode()
    rows = re.findall(r"<tr><td>(.*?)</td><td>.*?</td><td class=\"text-end\">(\d+)</td></tr>", html)
    assert dict(rows) == {str(cast.sales1): "2", str(cast.sales2): "1"}


def test_manager_sees_only_their_teams_and_gm_all(client, cast):
    # the dashboard's team and salesperson filter offers the jurisdiction only
    dashboard = {"part": "dashboard"}
    client.force_login(cast.manager1)
    html = client.get(reverse("home"), dashboard).content.decode()
    assert "Team A" in html and "Team B" not in html and str(cast.sales3) not in html
    client.force_login(cast.gm)
    html = client.get(reverse("home"), dashboard).content.decode()
    assert "Team A" in html and "Team B" in html and str(cast.sales3) in html


# Per role: session, the user with their team (accounts.backends), then one query per home-queue
# section of every module (core.home.first_items; the assistant has the most sections), plus the
# page's own (the assistant's "salespersons you serve" table). The manager's and the
# salesperson's figures are a second request, bounded on their own. Issue 10: at most 20 a page.
HOME_QUERY_BOUNDS = {"assistant": 20, "salesperson": 20, "manager": 20, "finance": 8}
DASHBOARD_QUERY_BOUND = 20


def _rows_for_every_module(cast, n: int) -> None:
    """``n`` rows per module in everyone's scope: orders (some late, some abnormal), overdue
    invoices, submitted contracts and claims, complaints."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from contracts.models import Contract
    from customers.models import Complaint
    from orders.models import AbnormalOrder, Order
    from tests.contracts.factories import make_contract
    from tests.expenses.factories import make_claim
    from tests.orders.factories import make_order
    from tests.receivables.factories import make_invoice

    today = timezone.localdate()
    for i in range(n):
        person, customer = [(cast.sales1, cast.customer_of_assistant1), (cast.sales3, cast.customer_of_sales3)][i % 2]
        order = make_order(
            person, customer, status=Order.Status.CONFIRMED, confirmed_delivery=today - timedelta(days=3),
            received_on=today - timedelta(days=31 * (i % 5)),
        )  # fmt: skip
        AbnormalOrder.objects.create(
            order=order, kind=AbnormalOrder.Kind.QUALITY, reported_on=today, reported_by=person, cause="x"
        )
        make_invoice(cast, salesperson=person, customer=customer, amount=Decimal("100.00") + i,
                     due_on=today - timedelta(days=5 + 20 * (i % 6)), invoice_date=today - timedelta(days=200))  # fmt: skip
        make_contract(person, customer, status=Contract.Status.SUBMITTED)
        make_claim(person, submit=True)
        Complaint.objects.create(
            company=customer, received_on=today, category=Complaint.Category.QUALITY, description="x", created_by=person
        )


def _home_queries(client, user) -> tuple[int, int]:
    """Queries of the home page, and of its dashboard part (manager, salesperson; 0 for others)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home"))
        assert page.status_code == 200
    with CaptureQueriesContext(connection) as dashboard_queries:
        if "part=dashboard" in page.content.decode():
            response = client.get(reverse("home"), {"part": "dashboard"}, headers={"HX-Request": "true"})
            assert response.status_code == 200
    return len(queries), len(dashboard_queries)


HOME_USERS = ["assistant1", "assistant2", "sales1", "manager1", "gm", "finance1"]


def test_home_queries_are_bounded_and_do_not_grow_with_rows(client, cast):
    # one query per home-queue section (each module adds its own) and per dashboard figure, not per row
    _rows_for_every_module(cast, 3)
    few = {who: _home_queries(client, getattr(cast, who)) for who in HOME_USERS}
    _rows_for_every_module(cast, 27)
    many = {who: _home_queries(client, getattr(cast, who)) for who in HOME_USERS}
    assert many == few, (few, many)
    for who, (page, dashboard) in many.items():
        assert page <= HOME_QUERY_BOUNDS[getattr(cast, who).home_kind], many
        assert dashboard <= DASHBOARD_QUERY_BOUND, many
    assert all(pair[1] for who, pair in many.items() if who in ("sales1", "manager1", "gm")), many


def test_logout_is_a_post_and_ends_the_session(client, cast):
    client.force_login(cast.sales1)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_keeps_errors_on_the_form(client, cast):
    client.force_login(cast.sales1)
    response = client.post(
        reverse("password_change"), {"old_password": DEMO_PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "Longer-pass-2026", "new_password2": "Longer-pass-2026"},
    )
    assert response.status_code == 302
    cast.sales1.refresh_from_db()
    assert cast.sales1.check_password("Longer-pass-2026")


def test_password_reset_sends_a_link_that_works(client, cast):
    response = client.post(reverse("password_reset"), {"email": "sales1@backdesk.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Brand-new-2026", "new_password2": "Brand-new-2026"})
    assert response.status_code == 302
    cast.sales1.refresh_from_db()
    assert cast.sales1.check_password("Brand-new-2026")


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(client, cast):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert len(mail.outbox) == 0
    assert "Check your email" in response.content.decode()


@pytest.mark.parametrize("language, text", [("zh-hans", "今日待办"), ("zh-hant", "今日待辦"), ("en", "Today's queue")])
def test_language_switch_is_remembered(client, cast, language, text):
    client.force_login(cast.assistant1)
    response = client.post(reverse("set_language"), {"language": language, "next": "/"}, follow=True)
    assert text in response.content.decode()
    cast.assistant1.refresh_from_db()
    assert cast.assistant1.language == language


def test_navigation_shows_no_dead_links(client, cast):
    client.force_login(cast.sales1)
    html = client.get(reverse("home")).content.decode()
    for href in re.findall(r'class="nav-link[^"]*" href="([^"]+)"', html):
        assert client.get(href).status_code == 200, href


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
