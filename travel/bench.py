"""Pages of travel for manage.py bench (core/bench.py)."""

from __future__ import annotations

from django.urls import reverse

from core.bench import Page, _deep, _detail, _first_visible


def _pdf(user):
    pk = _first_visible("travel.Trip")(user)
    return reverse("travel:itinerary-pdf", args=[pk]) if pk else None


PAGES: list = [
    Page("travel: trip list", lambda user: reverse("travel:list")),
    Page("travel: trip list, deep page", _deep("travel:list", "travel.Trip")),
    Page("travel: trip list, search", lambda user: reverse("travel:list") + "?q=%E5%8D%97%E4%BA%AC"),
    Page("travel: trip detail", _detail("travel:detail", "travel.Trip")),
    Page("travel: itinerary", _detail("travel:itinerary", "travel.Trip")),
    Page("travel: itinerary PDF", _pdf, target_ms=1500, repeat=5),
    Page("travel: on the road today", lambda user: reverse("travel:on-the-road")),
    Page("travel: important findings", lambda user: reverse("travel:findings")),
    Page("travel: customers visiting us", lambda user: reverse("travel:visits")),
    Page("travel: customer visit detail", _detail("travel:visit-detail", "travel.Visit")),
]
EXPORTS: list = [
    ("travel: Excel of all trips", "gm", "travel:export"),
]
