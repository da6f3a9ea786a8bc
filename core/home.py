"""The home queues: each module registers what it puts on a role's home page.

    # customers/apps.py ready():
    home.register(home.QueueSection(
        key="documents_expiring", title=_("Documents expiring"), icon="file-earmark-medical",
        roles=("assistant",), items=documents_expiring_for))

``items(user, today)`` returns a list of ``QueueItem`` for that user's scope. The home
page shows every registered section for the user's role, or "nothing due today".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class QueueItem:
    label: str
    url: str
    detail: str = ""
    badge: str = ""


@dataclass(frozen=True)
class QueueSection:
    key: str
    title: str
    icon: str
    roles: tuple[str, ...]
    items: Callable[..., list[QueueItem]]
    order: int = 100


@dataclass
class Queue:
    section: QueueSection
    items: list[QueueItem] = field(default_factory=list)


SECTIONS: dict[str, QueueSection] = {}


def register(section: QueueSection) -> None:
    SECTIONS[section.key] = section


def queues_for(user, role: str, today: date) -> list[Queue]:
    sections = sorted((s for s in SECTIONS.values() if role in s.roles), key=lambda s: (s.order, s.key))
    return [Queue(section=s, items=s.items(user, today)) for s in sections]
