"""Login protection: repeated failures pause logging in, per username and per IP address."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.seed import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1", language="en"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        headers={"Accept-Language": language},
    )


def test_username_is_locked_after_the_failure_limit_even_with_the_right_password(client, cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert attempt(client, "sales1", "wrong").status_code == 200  # the form again, with its error
    assert attempt(client, "sales1", "wrong").status_code == 429  # the third failure pauses logging in
    response = attempt(client, "sales1", DEMO_PASSWORD, ip="10.0.0.2")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another person is not affected
    assert attempt(client, "sales2", DEMO_PASSWORD, ip="10.0.0.3").status_code == 302


def test_ip_address_is_locked_whatever_the_usernames(client, cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ("nobody1", "nobody2", "nobody3"):
        attempt(client, name, "guess", ip="10.9.9.9")
    assert attempt(client, "sales1", DEMO_PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(client, "sales1", DEMO_PASSWORD, ip="10.1.1.1").status_code == 302


def test_lockout_message_in_chinese(client, cast, settings):
    settings.AXES_FAILURE_LIMIT = 1
    attempt(client, "sales1", "wrong", language="zh-hans")
    response = attempt(client, "sales1", "wrong", language="zh-hans")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_lockout_ends_after_the_cool_off_time(client, cast, settings, time_machine):
    settings.AXES_FAILURE_LIMIT = 2
    time_machine.move_to(timezone.now())
    attempt(client, "sales1", "wrong")
    attempt(client, "sales1", "wrong")
    assert attempt(client, "sales1", DEMO_PASSWORD).status_code == 429
    time_machine.move_to(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    assert attempt(client, "sales1", DEMO_PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attempt(client, "sales1", "wrong")
    attempt(client, "sales1", "wrong")
    assert attempt(client, "sales1", DEMO_PASSWORD).status_code == 302
    client.logout()
    attempt(client, "sales1", "wrong")
    attempt(client, "sales1", "wrong")
    assert attempt(client, "sales1", DEMO_PASSWORD).status_code == 302
