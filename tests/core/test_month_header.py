"""The shared header of the monthly report pages (templates/includes/month_header.html)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "page, export, month_list",
    [
        ("orders:statistics", "orders:statistics-export", None),
        ("orders:abnormal-statistics", "orders:abnormal-statistics-export", "orders:abnormal-list"),
        ("customers:complaint-analysis", "customers:complaint-analysis-export", "customers:complaint-list"),
    ],
)
def test_month_header_links_keep_the_month(client, cast, page, export, month_list):
    client.force_login(cast.manager1)
    html = client.get(reverse(page), {"month": "2026-03"}).content.decode()
    assert 'value="2026-03"' in html
    assert 'href="?month=2026-02"' in html and 'href="?month=2026-04"' in html
    assert f'href="{reverse(export)}?month=2026-03"' in html
    if month_list:
        assert f'href="{reverse(month_list)}?month=2026-03"' in html
