"""Months for monthly reports (complaint analysis, order and abnormal-order statistics)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def parse_month(value: str | None) -> date | None:
    """``"2026-03"`` → 2026-03-01; anything else → None."""
    try:
        year, month = (int(part) for part in (value or "").strip().split("-")[:2])
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(month: date) -> tuple[date, date]:
    """First and last day of ``month``."""
    return month, add_months(month, 1) - timedelta(days=1)


def trailing_months(month: date, count: int = 12) -> list[date]:
    """The ``count`` months ending with ``month``, oldest first."""
    return [add_months(month, offset) for offset in range(-(count - 1), 1)]


def as_date(value: Any) -> date:
    """TruncMonth of a DateField is a date on PostgreSQL, a datetime on some backends."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def month_navigation(month: date, first: date, today: date) -> dict[str, Any]:
    """Template context of a monthly report's month picker: this, previous and next month,
    whether it is the current month, and the label of the window ``first`` – ``month``."""
    return {
        "month_value": f"{month:%Y-%m}",
        "previous_month": f"{add_months(month, -1):%Y-%m}",
        "next_month": f"{add_months(month, 1):%Y-%m}",
        "is_current": month >= today.replace(day=1),
        "window_label": f"{first:%Y-%m} – {month:%Y-%m}",
    }
