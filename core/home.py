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

from django.db.models import IntegerField, QuerySet, Subquery


@dataclass(frozen=True)
class QueueItem:
    label: str
    url: str
    detail: str = ""
    badge: str = ""
    # On a section's closing "All N ..." link only: N, the number of rows the section has in all.
    total: int | str | None = None


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

    @property
    def count(self) -> int | str:
        """What the card's header badge says: every row due, not just the ones listed."""
        return next((item.total for item in self.items if item.total is not None), len(self.items))


SECTIONS: dict[str, QueueSection] = {}


def register(section: QueueSection) -> None:
    SECTIONS[section.key] = section


def queues_for(user, role: str, today: date) -> list[Queue]:
    sections = sorted((s for s in SECTIONS.values() if role in s.roles), key=lambda s: (s.order, s.key))
    return [Queue(section=s, items=s.items(user, today)) for s in sections]


MAX_ITEMS = 10


# A queue's "All N ..." link counts at most this many rows and then says "99+", as a badge does:
# the first items are what the page is for. An exact count of 25,000 overdue instalments cost
# 0.25 s; counting to 1,000 still cost 25 ms a section for an assistant with 8,500 customers.
COUNT_CAP = 99


class _CappedCount(Subquery):
    """The number of rows of a sliced queryset, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()


def first_items(
    queryset: QuerySet, item: Callable[..., QueueItem], *, url: str, more_label: str, limit: int = MAX_ITEMS
) -> list[QueueItem]:
    """The first ``limit`` rows as queue items and, when there are more, a last item linking to
    all of them with their number (``more_label`` has ``%(count)s``; past COUNT_CAP, "99+").

    One query per section, so the home page's queries stay one per section however many modules
    add one: the total comes with the rows as an uncorrelated scalar subquery, which the database
    computes once, over at most COUNT_CAP + 1 rows. (A window count, COUNT(*) OVER (), did the same
    in one query but made the database build and sort every matching row, joined columns and all,
    before the LIMIT: 0.9 s for an assistant with 25,000 overdue instalments.)
    """
    capped = queryset.order_by().values("pk")[: COUNT_CAP + 1]
    rows = list(queryset.annotate(queue_total=_CappedCount(capped))[:limit])
    result = [item(row) for row in rows]
    total = rows[0].queue_total if rows else 0
    if total > limit:
        count = f"{COUNT_CAP}+" if total > COUNT_CAP else total
        result.append(QueueItem(label=more_label % {"count": count}, url=url, total=count))
    return result
