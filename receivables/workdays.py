"""The company's working days (SPEC section 2, "Working days").

Mainland China (country "CN") uses chinese-calendar, which knows the official holidays and the
adjusted working days (调休) the State Council publishes each year. It only covers the years it
was released for (1.11.0: up to 2026) and raises NotImplementedError beyond; for such a year we
fall back to weekends plus the public holidays of the ``holidays`` package, which has the fixed
festivals but not the 调休 swaps, until the pinned chinese-calendar is upgraded. Any other
country uses ``holidays`` (weekends plus its public holidays).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays_lib.country_holidays(country, years=year).keys())
    except NotImplementedError:  # unknown country code: weekends only
        return frozenset()


@lru_cache(maxsize=8192)
def is_working_day(day: date, country: str = "CN") -> bool:
    if country.upper() == "CN":
        import chinese_calendar

        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            pass  # a year chinese-calendar does not know yet: fall back below
    return day.weekday() < 5 and day not in _public_holidays(country.upper(), day.year)


def previous_working_day(day: date, country: str = "CN") -> date:
    """The last working day strictly before ``day``."""
    day -= timedelta(days=1)
    while not is_working_day(day, country):
        day -= timedelta(days=1)
    return day


def next_working_day(day: date, country: str = "CN") -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day
