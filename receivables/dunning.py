"""The dunning cadence (催款节奏) as one pure function: (policy, invoice state, day) → step or None.

Seed 002, 2.2.2: 帐期前每周两次催款频率;逾期后每天一次催款频率. Made precise:

- Before due (the due date itself included, it is not overdue yet): a reminder on each of the
  policy's weekdays (Monday and Thursday) that falls within ``window_days`` before the due date.
  A scheduled weekday that is a day off moves to the next working day; it is then sent on that day
  unless that day is already past the due date (where the daily overdue reminder takes over).
- Overdue (day after the due date on): a reminder every working day. Days overdue count in
  calendar days. From ``escalation_days[0]`` days overdue (default 15) the step is an escalation
  that copies the manager; each further threshold (30, 60) is a higher escalation level.
- Nothing when the instalment is paid, its customer is paused (dispute), a promise to pay runs
  until a date on or after ``day`` (a broken promise resumes the day after it), or ``day`` is not
  a working day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .workdays import is_working_day as _is_working_day

BEFORE_DUE = "before_due"
OVERDUE = "overdue"
ESCALATION = "escalation"  # stored as "escalation_1", "escalation_2", ...


@dataclass(frozen=True)
class Cadence:
    window_days: int = 14
    weekdays: Sequence[int] = (0, 3)
    escalation_days: Sequence[int] = (15, 30, 60)
    country: str = "CN"

    @classmethod
    def of(cls, policy) -> Cadence:
        return cls(
            window_days=policy.window_days,
            weekdays=tuple(sorted(set(policy.weekdays))),
            escalation_days=tuple(sorted(set(policy.escalation_days))),
            country=policy.country or "CN",
        )


@dataclass(frozen=True)
class InstalmentState:
    due_on: date | None
    open: bool = True
    paused: bool = False
    promised_until: date | None = None


def step_for(
    cadence: Cadence, state: InstalmentState, day: date, is_working: Callable[[date, str], bool] = _is_working_day
) -> str | None:
    """The reminder step to send for this instalment on ``day``, or None."""
    if state.due_on is None or not state.open or state.paused:
        return None
    if state.promised_until is not None and day <= state.promised_until:
        return None
    if not is_working(day, cadence.country):
        return None
    overdue = (day - state.due_on).days
    if overdue > 0:
        level = sum(1 for threshold in cadence.escalation_days if overdue >= threshold)
        return f"{ESCALATION}_{level}" if level else OVERDUE
    if -overdue > cadence.window_days + 31:
        return None  # far from due: no scheduled weekday can land today (cheap exit)
    # Scheduled weekdays since the previous working day land today (a day off shifts them here).
    previous = day - timedelta(days=1)
    while not is_working(previous, cadence.country):
        previous -= timedelta(days=1)
    window_start = state.due_on - timedelta(days=cadence.window_days)
    scheduled = previous + timedelta(days=1)
    while scheduled <= day:
        if scheduled.weekday() in cadence.weekdays and window_start <= scheduled <= state.due_on:
            return BEFORE_DUE
        scheduled += timedelta(days=1)
    return None


def escalation_level(step: str) -> int:
    if step.startswith(ESCALATION + "_"):
        return int(step.rsplit("_", 1)[1])
    return 0


def step_label(step: str) -> str:
    if step == BEFORE_DUE:
        return _("Before due")
    if step == OVERDUE:
        return _("Overdue")
    level = escalation_level(step)
    if level:
        return _("Escalation %(level)d") % {"level": level}
    return step


def schedule(cadence: Cadence, state: InstalmentState, start: date, end: date) -> list[tuple[date, str]]:
    """Every (day, step) from ``start`` to ``end`` inclusive: the schedule shown on an invoice."""
    out = []
    day = start
    while day <= end:
        step = step_for(cadence, state, day)
        if step:
            out.append((day, step))
        day += timedelta(days=1)
    return out
