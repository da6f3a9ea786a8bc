"""The demo cast of SPEC/issue 2: one company, two teams, every role."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from core.seed import DEMO_PASSWORD, SeedContext

from .models import Team, User

# username: (display name, role, team, gm, finance, serves)
CAST = {
    "gm": ("周明 Zhou Ming", User.Role.MANAGER, None, True, False, ()),
    "manager1": ("李娜 Li Na", User.Role.MANAGER, "A", False, False, ()),
    "manager2": ("陈伟 Chen Wei", User.Role.MANAGER, "B", False, False, ()),
    "sales1": ("王强 Wang Qiang", User.Role.SALESPERSON, "A", False, False, ()),
    "sales2": ("刘洋 Liu Yang", User.Role.SALESPERSON, "A", False, False, ()),
    "sales3": ("张磊 Zhang Lei", User.Role.SALESPERSON, "B", False, False, ()),
    "assistant1": ("赵敏 Zhao Min", User.Role.ASSISTANT, "A", False, False, ("sales1",)),
    "assistant2": ("孙丽 Sun Li", User.Role.ASSISTANT, "A", False, False, ("sales1", "sales2")),
    "assistant3": ("黄静 Huang Jing", User.Role.ASSISTANT, "B", False, False, ("sales3",)),
    "finance1": ("吴芳 Wu Fang", "", None, False, True, ()),
}
TEAMS = {"A": ("Team A 华东", "manager1"), "B": ("Team B 华南", "manager2")}


def seed(ctx: SeedContext) -> None:
    # One hash for every demo login (they share the demo password): hashing is slow on purpose,
    # and eleven of them were most of a small seed's time.
    password_hash = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for username, (display, role, _team, gm, finance, _serves) in CAST.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display,
                "role": role,
                "is_gm": gm,
                "is_finance": finance,
                "email": f"{username}@backdesk.example",
                "first_name": display.split(" ", 1)[0],
            },
        )
        if created:
            user.password = password_hash
            user.save(update_fields=["password"])
        users[username] = user

    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_superuser": True, "is_staff": True, "email": "admin@backdesk.example"}
    )
    if created:
        admin.password = password_hash
        admin.save(update_fields=["password"])

    for key, (name, manager) in TEAMS.items():
        team, _ = Team.objects.get_or_create(name=name, defaults={"manager": users[manager]})
        for username, (_d, _r, team_key, *_rest) in CAST.items():
            if team_key == key and users[username].team_id != team.pk:
                users[username].team = team
                users[username].save(update_fields=["team"])

    for username, (*_head, serves) in CAST.items():
        if serves:
            users[username].serves.add(*(users[s] for s in serves))

    ctx.users = users
    ctx.say(f"{len(users) + 1} users, {len(TEAMS)} teams")
