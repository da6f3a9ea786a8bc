"""Figures a page may show a few minutes old, and then says so ("as of 10:42").

Statistics and the manager dashboard aggregate the whole window of orders, contracts or
invoices: at scale 100 that is 300-600 ms of SQL per view on PostgreSQL. Their figures are kept
for settings.FIGURES_CACHE_SECONDS (0: computed on every request) per user, language, day and
query string, in the process's own memory cache, so Redis being down costs nothing here. What
waits on the user's own decision (approvals) and every list stay fresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

T = TypeVar("T")


def kept(key: str, compute: Callable[[], T]) -> tuple[datetime | None, T]:
    """(when computed, value): from the cache while younger than FIGURES_CACHE_SECONDS, else
    computed now (and kept). ``when`` is None when nothing is kept (the page then says nothing)."""
    seconds = settings.FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return None, compute()
    key = f"figures:{get_language()}:{timezone.localdate()}:{key}"
    value = cache.get(key)
    if value is None:
        value = (timezone.now(), compute())
        cache.set(key, value, seconds)
    return value


def kept_minutes() -> int:
    """How often kept figures are recalculated at most, in whole minutes (at least 1)."""
    return max(1, settings.FIGURES_CACHE_SECONDS // 60)


class KeptFiguresMixin:
    """For a template view whose figures depend only on the user and the query string:
    ``self.kept(compute)`` gives the figures; the template gets ``figures_as_of`` and
    ``figures_kept_minutes`` for templates/includes/as_of.html."""

    figures_as_of: datetime | None = None

    def kept(self, compute: Callable[[], T]) -> T:
        request = self.request
        key = f"{request.resolver_match.view_name}:{request.user.pk}:{request.GET.urlencode()}"
        self.figures_as_of, value = kept(key, compute)
        return value

    def render_to_response(self, context, **kwargs):
        context.setdefault("figures_as_of", self.figures_as_of)
        context.setdefault("figures_kept_minutes", kept_minutes())
        return super().render_to_response(context, **kwargs)
