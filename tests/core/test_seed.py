import pytest
from django.core.management import call_command

from accounts.models import Team, User
from core.seed import DEMO_PASSWORD
from customers.models import Company, CompanyAssignment, Contact


def snapshot():
    return {
        "users": sorted(User.objects.values_list("username", "role", "is_gm", "is_finance", "team__name")),
        "serves": sorted(User.serves.through.objects.values_list("from_user__username", "to_user__username")),
        "teams": sorted(Team.objects.values_list("name", "manager__username")),
        "companies": sorted(Company.objects.values_list("code", "name", "grade", "kind", "owner__username")),
        "assignments": sorted(CompanyAssignment.objects.values_list("company__code", "assistant__username")),
    }


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", "--quiet")
    first = snapshot()
    call_command("seed_demo", "--quiet")
    assert snapshot() == first


@pytest.mark.django_db(transaction=True)  # flush (TRUNCATE) needs no pending deferred constraints
def test_seed_demo_is_deterministic():
    call_command("seed_demo", "--quiet")
    first = snapshot()
    contacts = sorted(Contact.objects.values_list("company__code", "name", "email"))
    call_command("flush", "--no-input")  # every module's rows, whatever protects what
    call_command("seed_demo", "--quiet")
    assert snapshot()["companies"] == first["companies"]
    assert sorted(Contact.objects.values_list("company__code", "name", "email")) == contacts


def test_seed_demo_cast_matches_the_issue(db):
    call_command("seed_demo", "--quiet")
    users = {u.username: u for u in User.objects.all()}
    assert users["gm"].is_gm and users["gm"].role == "manager"
    assert users["finance1"].is_finance
    assert set(users["assistant2"].serves.values_list("username", flat=True)) == {"sales1", "sales2"}
    assert set(users["assistant1"].serves.values_list("username", flat=True)) == {"sales1"}
    assert set(users["assistant3"].serves.values_list("username", flat=True)) == {"sales3"}
    assert users["sales1"].team == users["sales2"].team == Team.objects.get(manager=users["manager1"])
    assert users["sales3"].team.manager == users["manager2"]
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
    # every assistant has customers to work with, and scope gives each a different view
    for name in ["assistant1", "assistant2", "assistant3"]:
        assert Company.objects.visible_to(users[name]).exists()
    assert set(Company.objects.visible_to(users["assistant1"])) != set(Company.objects.visible_to(users["assistant2"]))


@pytest.mark.parametrize("scale", [3])
def test_seed_demo_scales(db, scale):
    call_command("seed_demo", "--quiet")
    base = Company.objects.count()
    call_command("seed_demo", "--quiet", "--scale", str(scale))
    assert Company.objects.count() == base * scale
