"""Every URL of the project, as every demo role and anonymously, against records of other scopes.

The crawler (tests/security/crawler.py) takes the URLs from the resolver and the records from
seed_demo, so a view added tomorrow is checked without anyone adding it to a list.
"""

import pytest

from accounts.models import User
from core.seed import seed_all
from tests.security.crawler import DEMO_USERS, NAMED_VARIANTS, crawl, routes

# The walks run in CI's PostgreSQL pass (the access rules are the same SQL on SQLite).
pytestmark = [pytest.mark.django_db, pytest.mark.walk]


@pytest.fixture
def demo(db):
    from core.models import Export

    seed_all(scale=1)
    # seed_demo makes no background exports: one of the GM's, so "My downloads" URLs are walked too
    Export.objects.create(owner=User.objects.get(username="gm"), view_name="orders:export", title="Orders")
    _statement_confirmations()


def _statement_confirmations():
    """seed_demo records no confirmed statements: one for a customer of each salesperson."""
    from datetime import date

    from customers.models import Company
    from receivables.models import StatementConfirmation

    for owner in User.objects.filter(role="salesperson"):
        customer = Company.objects.customers().filter(owner=owner).order_by("pk").first()
        StatementConfirmation.objects.create(
            customer=customer, period_start=date(2026, 1, 1), period_end=date(2026, 6, 30), currency="CNY",
            closing_balance=0, confirmed_on=date(2026, 7, 3), confirmed_by_name="财务部", recorded_by=owner,
        )  # fmt: skip


@pytest.mark.parametrize("username", DEMO_USERS)
def test_no_url_shows_or_changes_a_record_outside_the_users_scope(demo, username):
    user = User.objects.get(username=username)
    findings = crawl(user)
    assert not findings.problems, "\n".join(findings.problems)
    if username != "gm":  # the GM sees everything: nothing is out of scope
        assert findings.checked_objects, "the demo data gave no record outside this user's scope"


def test_anonymous_is_sent_to_login_everywhere(demo):
    findings = crawl(None)
    assert not findings.problems, "\n".join(findings.problems)
    assert findings.requests == len(routes())


def test_object_urls_of_every_module_are_checked(demo):
    """The walk reaches every object URL: each one named a scoped model and met a hidden record."""
    user = User.objects.get(username="assistant1")
    object_routes = {r.name for r in routes() if r.kwargs and r.name not in NAMED_VARIANTS}
    checked = {name.rsplit(":", 1)[0] for name in crawl(user).checked_objects}
    assert object_routes - checked == set()


def test_crawler_catches_a_view_that_forgets_its_scope(cast):
    from tests.scoping.models import Thing

    Thing.objects.create(title="team B secret", salesperson=cast.sales3, customer=cast.customer_of_sales3)
    Thing.objects.create(title="team A", salesperson=cast.sales1, customer=cast.customer_of_assistant1)
    findings = crawl(
        cast.assistant1, urlconf="tests.security.unscoped_urls", only={"thing-detail", "unscoped-thing-detail"}
    )
    assert findings.problems
    assert all("unscoped-thing-detail" in problem for problem in findings.problems), findings.problems
    assert any("out of scope) answered 200" in problem for problem in findings.problems)
