"""The scope rules of SPEC section 1, pinned on a model with every feature (tests.scoping)."""

import pytest
from django.urls import reverse

from customers.models import Company
from tests.scoping.models import LedgerEntry, Thing


@pytest.fixture
def things(cast):
    c = cast

    def thing(title, salesperson, customer, maker=None, confidential=False):
        return Thing.objects.create(
            title=title, salesperson=salesperson, customer=customer, maker=maker, confidential=confidential
        )

    return {
        t.title: t
        for t in [
            thing("s1-a1", c.sales1, c.customer_of_assistant1, maker=c.sales1),
            thing("s1-shared", c.sales1, c.customer_shared, maker=c.assistant1),
            thing("s1-a2", c.sales1, c.customer_of_assistant2, maker=c.assistant2),
            thing("s1-unassigned", c.sales1, c.customer_unassigned),
            thing("s1-shared-confidential-by-a1", c.sales1, c.customer_shared, maker=c.assistant1, confidential=True),
            thing("s1-shared-confidential-by-s1", c.sales1, c.customer_shared, maker=c.sales1, confidential=True),
            thing("s2-a2", c.sales2, c.customer_of_sales2),
            thing("s3-a3", c.sales3, c.customer_of_sales3),
            # assistant1 made it for sales1 while the customer was theirs; it was later reassigned
            thing("s1-a2-made-by-a1", c.sales1, c.customer_of_assistant2, maker=c.assistant1),
        ]
    }


ALL_TITLES = {
    "s1-a1",
    "s1-shared",
    "s1-a2",
    "s1-unassigned",
    "s1-shared-confidential-by-a1",
    "s1-shared-confidential-by-s1",
    "s2-a2",
    "s3-a3",
    "s1-a2-made-by-a1",
}
SALES1 = ALL_TITLES - {"s2-a2", "s3-a3"}
EXPECTED = {
    "gm": ALL_TITLES,
    "manager1": SALES1 | {"s2-a2"},
    "manager2": {"s3-a3"},
    "sales1": SALES1,
    "sales2": {"s2-a2"},
    "sales3": {"s3-a3"},
    # assigned customers of served salespersons, non-confidential, plus what they made
    "assistant1": {"s1-a1", "s1-shared", "s1-shared-confidential-by-a1", "s1-a2-made-by-a1"},
    "assistant2": {"s1-shared", "s1-a2", "s2-a2", "s1-a2-made-by-a1"},
    "assistant3": {"s3-a3"},
    "finance1": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_visible_rows_per_role(cast, things, who):
    user = getattr(cast, who)
    seen = set(Thing.objects.visible_to(user).values_list("title", flat=True))
    assert seen == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_no_duplicate_rows(cast, things, who):
    # A customer assigned to two assistants and a manager of two teams must not repeat rows.
    user = getattr(cast, who)
    titles = list(Thing.objects.visible_to(user).values_list("title", flat=True))
    assert len(titles) == len(set(titles))


def test_anonymous_and_inactive_see_nothing(cast, things):
    from django.contrib.auth.models import AnonymousUser

    assert not Thing.objects.visible_to(AnonymousUser()).exists()
    cast.sales1.is_active = False
    cast.sales1.save()
    assert not Thing.objects.visible_to(cast.sales1).exists()


def test_superuser_sees_everything(cast, things, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    assert Thing.objects.visible_to(admin).count() == len(ALL_TITLES)


def test_assistant_loses_customer_when_it_is_taken_back(cast, things):
    cast.customer_of_assistant1.assignments.filter(assistant=cast.assistant1).delete()
    seen = set(Thing.objects.visible_to(cast.assistant1).values_list("title", flat=True))
    assert "s1-a1" not in seen


def test_assistant_who_stops_serving_sees_only_what_they_made(cast, things):
    cast.assistant1.serves.remove(cast.sales1)
    seen = set(Thing.objects.visible_to(cast.assistant1).values_list("title", flat=True))
    assert seen == {"s1-shared", "s1-shared-confidential-by-a1", "s1-a2-made-by-a1"}


def test_assignment_by_a_salesperson_the_assistant_does_not_serve_gives_nothing(cast, things):
    # assistant1 does not serve sales3: an assignment of sales3's customer opens nothing.
    cast.customer_of_sales3.assignments.create(assistant=cast.assistant1, assigned_by=cast.sales3)
    seen = set(Thing.objects.visible_to(cast.assistant1).values_list("title", flat=True))
    assert "s3-a3" not in seen
    assert cast.customer_of_sales3 not in Company.objects.visible_to(cast.assistant1)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_assignment_joined_or_as_a_subquery_selects_the_same_rows(cast, things, who):
    """join_assignment=False (a subquery, for queries that join many tables) is the same rule."""
    from accounts.scope import scope_q

    cast.customer_of_sales3.assignments.create(assistant=cast.assistant1, assigned_by=cast.sales3)  # opens nothing
    user = getattr(cast, who)

    def seen(join: bool) -> list[str]:
        q = scope_q(user, salesperson="salesperson", customer="customer", confidential="confidential",
                    join_assignment=join)  # fmt: skip
        return list(Thing.objects.filter(q).order_by("title").values_list("title", flat=True))

    assert seen(True) == seen(False)  # lists: no row twice either way
    if who == "assistant1":
        assert seen(False) == ["s1-a1", "s1-shared"]


def test_manager_moving_team_changes_jurisdiction(cast, things):
    cast.sales2.team = cast.manager2.managed_teams.get()
    cast.sales2.save()
    assert set(Thing.objects.visible_to(cast.manager2).values_list("title", flat=True)) == {"s3-a3", "s2-a2"}


@pytest.mark.parametrize(
    "who, expected",
    [("finance1", 3), ("sales1", 1), ("assistant1", 1), ("assistant3", 1), ("manager2", 1), ("gm", 3)],
)
def test_finance_reads_company_wide_where_the_model_allows(cast, who, expected):
    for sp, cust in [
        (cast.sales1, cast.customer_of_assistant1),
        (cast.sales2, cast.customer_of_sales2),
        (cast.sales3, cast.customer_of_sales3),
    ]:
        LedgerEntry.objects.create(salesperson=sp, customer=cust)
    assert LedgerEntry.objects.visible_to(getattr(cast, who)).count() == expected


COMPANIES = {
    "gm": {"T-A1", "T-SH", "T-A2", "T-UN", "T-S2", "T-S3"},
    "manager1": {"T-A1", "T-SH", "T-A2", "T-UN", "T-S2"},
    "manager2": {"T-S3"},
    "sales1": {"T-A1", "T-SH", "T-A2", "T-UN"},
    "sales2": {"T-S2"},
    "sales3": {"T-S3"},
    "assistant1": {"T-A1", "T-SH"},
    "assistant2": {"T-SH", "T-A2", "T-S2"},
    "assistant3": {"T-S3"},
    "finance1": set(),
}


@pytest.mark.parametrize("who", sorted(COMPANIES))
def test_companies_visible_per_role(cast, who):
    seen = set(Company.objects.visible_to(getattr(cast, who)).values_list("code", flat=True))
    assert seen == COMPANIES[who]


@pytest.mark.urls("tests.scoping.urls")
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_detail_url_is_404_outside_scope(client, cast, things, who):
    client.force_login(getattr(cast, who))
    for title, thing in things.items():
        response = client.get(reverse("thing-detail", args=[thing.pk]))
        if title in EXPECTED[who]:
            assert response.status_code == 200, title
            assert response.content.decode() == title
        else:
            assert response.status_code == 404, title


@pytest.mark.urls("tests.scoping.urls")
def test_detail_url_anonymous_redirects_to_login(client, things):
    response = client.get(reverse("thing-detail", args=[things["s1-a1"].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "who, expected",
    [
        ("gm", {"sales1", "sales2", "sales3"}),
        ("manager1", {"sales1", "sales2"}),
        ("manager2", {"sales3"}),
        ("sales1", {"sales1"}),
        ("assistant2", {"sales1", "sales2"}),
        ("assistant3", {"sales3"}),
        ("finance1", set()),
    ],
)
def test_visible_salespersons(cast, who, expected):
    from accounts.scope import visible_salespersons

    assert set(visible_salespersons(getattr(cast, who)).values_list("username", flat=True)) == expected


@pytest.mark.parametrize("who", sorted(COMPANIES))
def test_company_rows_are_unique_even_when_shared_by_assistants(cast, who):
    # customer_shared is assigned to two assistants: the join must not repeat it.
    from customers.models import Complaint

    user = getattr(cast, who)
    codes = list(Company.objects.visible_to(user).values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    Complaint.objects.create(
        company=cast.customer_shared,
        received_on="2026-11-01",
        category="quality",
        description="x",
        created_by=cast.sales1,
    )
    assert Complaint.objects.visible_to(user).count() == (1 if "T-SH" in COMPANIES[who] else 0)


def test_a_users_people_are_read_once_per_user_object(cast, things, django_assert_num_queries):
    """A manager's team and an assistant's served salespersons go into the SQL as keys, read by
    the first scope of a request (one query) and reused by every other scope of it (none)."""
    from accounts.scope import scope_q

    for user in (cast.manager1, cast.assistant1):
        with django_assert_num_queries(1):
            first = scope_q(user, salesperson="salesperson", customer="customer")
            again = scope_q(user, salesperson="owner", customer="pk")
        assert first != again
    assert (
        set(Thing.objects.filter(scope_q(cast.manager1, salesperson="salesperson")).values_list("title", flat=True))
        == EXPECTED["manager1"]
    )


def test_a_change_of_team_shows_on_the_next_request(client, cast):
    """The keys live on the request's user: the next request reads the team again."""
    detail = reverse("customers:detail", args=[cast.customer_of_sales2.pk])
    client.force_login(cast.manager2)
    assert client.get(detail).status_code == 404
    cast.sales2.team = cast.manager2.managed_teams.get()
    cast.sales2.save()
    assert client.get(detail).status_code == 200
