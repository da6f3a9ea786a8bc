"""The main navigation: each module adds its entry here when its pages exist.

An entry is shown only when its URL resolves and the user's role is listed, so a
module that has not landed yet shows no dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

ALL = ("assistant", "salesperson", "manager", "finance")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...] = ALL


NAV_ITEMS = [
    NavItem(_("Home"), "home", "house"),
    NavItem(_("Customers"), "customers:list", "building"),
    NavItem(_("Orders"), "orders:list", "box-seam"),
    NavItem(_("Contracts"), "contracts:list", "file-earmark-text"),
    NavItem(_("Receivables"), "receivables:list", "cash-coin"),
    NavItem(_("Expenses"), "expenses:list", "receipt"),
    NavItem(_("Samples"), "samples:list", "droplet"),
    NavItem(_("Travel"), "travel:list", "airplane"),
    NavItem(_("Reports"), "reports:list", "graph-up"),
]


def user_roles(user) -> set[str]:
    roles = {user.role} if user.role else set()
    if user.is_finance:
        roles.add("finance")
    if user.is_gm or user.is_superuser:
        roles.add("manager")
    return roles


def items_for(user, current_path: str) -> list[dict]:
    roles = user_roles(user)
    items = []
    for item in NAV_ITEMS:
        if not roles.intersection(item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items
