"""Every page of the benchmark stays within 20 SQL queries, and its count does not grow with data.

The benchmark's PAGES list (core/bench.py and each <app>/bench.py) names every home, list, deep
list page, detail page type and the manager dashboard. Here each is requested on the demo data
at scale 1 and again after the data has grown (scale 2), as every kind of user. A page that
starts issuing a query per row (a list's 50 rows, a detail page's lines) breaks the 20-query
budget or shows a higher count on the bigger data, and the test names it.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import User

USERS = ["gm", "manager1", "sales1", "assistant2", "finance1"]
BUDGET = 20


pytestmark = pytest.mark.walk


def page_queries(username: str) -> dict[str, int]:
    from core.bench import PAGES

    counts = {}
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    client.get(reverse("home"))  # the session and the process's caches warm, as the benchmark's second visit
    for page in PAGES:
        url = page.url(user)
        if url is None:
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        # a page the role has no use for may send it elsewhere (finance has no samples list)
        assert response.status_code in (200, 302, 404), f"{page.name} as {username}: {response.status_code} {url}"
        if response.status_code == 200:
            counts[page.name] = len(queries)
    return counts


@override_settings(ALLOWED_HOSTS=["*"])
@pytest.mark.parametrize("username", USERS)  # one test per user, so the parallel runners share them
def test_every_page_keeps_its_query_count_as_the_data_grows(db, username):
    call_command("seed_demo", "--quiet", "--scale", "1")
    small = page_queries(username)
    assert len(small) > 30, "the benchmark's page list lost its pages"
    call_command("seed_demo", "--quiet", "--scale", "2")
    big = page_queries(username)

    over_budget = {key: n for key, n in {**small, **big}.items() if n > BUDGET}
    assert not over_budget, f"pages over {BUDGET} queries: {over_budget}"
    # Two queries of slack: a list empty at scale 1 skips its prefetches. A query per row adds
    # one for every row the bigger data shows, far more than two.
    grew = {key: (small[key], big[key]) for key in small.keys() & big.keys() if big[key] > small[key] + 2}
    assert not grew, f"query count grew with the data (scale 1 -> 2): {grew}"
