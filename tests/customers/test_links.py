"""The customer file links to the customer's receivables (reminders sent, statement of account)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_customer_page_links_to_receivables(client, cast):
    client.force_login(cast.assistant1)
    company = cast.customer_of_assistant1
    html = client.get(company.get_absolute_url()).content.decode()
    url = reverse("receivables:customer", args=[company.pk])
    assert f'href="{url}"' in html
    assert client.get(url).status_code == 200
