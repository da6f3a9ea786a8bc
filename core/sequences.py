"""Readable, unique, concurrency-safe document numbers (orders, quotations, contracts...)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Sequence


def next_number(prefix: str, *, year: int | None = None, width: int = 5) -> str:
    """``next_number("SO")`` → ``"SO-2026-00001"``, then 00002, ... per year.

    The increment is one conditional UPDATE (a row lock on PostgreSQL, the write lock on
    SQLite), so two workers never get the same number.
    """
    year = year or timezone.localdate().year
    with transaction.atomic():
        updated = Sequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    Sequence.objects.create(prefix=prefix, year=year, last=1)
            except IntegrityError:  # created by another transaction meanwhile
                Sequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
        last = Sequence.objects.values_list("last", flat=True).get(prefix=prefix, year=year)
    return f"{prefix}-{year}-{last:0{width}d}"


def reserve_numbers(prefix: str, count: int, *, year: int | None = None, width: int = 5) -> list[str]:
    """Take ``count`` numbers at once (bulk imports, demo data)."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        sequence, _created = Sequence.objects.select_for_update().get_or_create(prefix=prefix, year=year)
        first = sequence.last + 1
        Sequence.objects.filter(pk=sequence.pk).update(last=F("last") + count)
    return [f"{prefix}-{year}-{n:0{width}d}" for n in range(first, first + count)]
