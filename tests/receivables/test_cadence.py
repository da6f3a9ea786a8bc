"""The dunning cadence on a fixed calendar: the exact days reminders go out (seed 002)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from receivables.dunning import BEFORE_DUE, OVERDUE, Cadence, InstalmentState, schedule, step_for
from receivables.workdays import is_working_day, next_working_day, previous_working_day

POLICY = Cadence()  # 14 days, Monday + Thursday, escalation 15/30/60, CN


def days(pairs):
    return [(d.isoformat(), s) for d, s in pairs]


def test_chinese_calendar_facts_the_tests_rely_on():
    # National Day 2026 per chinese-calendar 1.11.0: Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are 调休 working days.
    assert not is_working_day(date(2026, 10, 1)) and not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 10))  # a working Saturday
    assert is_working_day(date(2026, 9, 20))  # a working Sunday
    assert not is_working_day(date(2026, 10, 11))
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)


def test_before_due_monday_and_thursday_within_14_days_then_every_working_day():
    # Due Friday 2026-06-26: window starts Fri 06-12. Mondays/Thursdays inside: 06-15, 06-18, 06-22, 06-25.
    state = InstalmentState(due_on=date(2026, 6, 26))
    got = days(schedule(POLICY, state, date(2026, 6, 1), date(2026, 7, 3)))
    assert got == [
        ("2026-06-15", BEFORE_DUE),
        ("2026-06-18", BEFORE_DUE),
        # 2026-06-19 is the Dragon Boat Festival (off) — nothing scheduled then anyway
        ("2026-06-22", BEFORE_DUE),
        ("2026-06-25", BEFORE_DUE),
        # due day Friday 06-26 is not a Monday/Thursday: nothing; weekend: nothing
        ("2026-06-29", OVERDUE),
        ("2026-06-30", OVERDUE),
        ("2026-07-01", OVERDUE),
        ("2026-07-02", OVERDUE),
        ("2026-07-03", OVERDUE),
    ]


def test_window_edge_and_due_day_itself():
    # Due Thursday 2026-07-16: window from Thu 07-02 (inclusive), due day is a Thursday → reminder.
    state = InstalmentState(due_on=date(2026, 7, 16))
    got = days(schedule(POLICY, state, date(2026, 6, 25), date(2026, 7, 17)))
    assert got == [
        ("2026-07-02", BEFORE_DUE),
        ("2026-07-06", BEFORE_DUE),
        ("2026-07-09", BEFORE_DUE),
        ("2026-07-13", BEFORE_DUE),
        ("2026-07-16", BEFORE_DUE),
        ("2026-07-17", OVERDUE),
    ]
    # one day shorter window: Thursday 07-02 falls out
    short = Cadence(window_days=13)
    assert schedule(short, state, date(2026, 6, 25), date(2026, 7, 3)) == []


def test_escalation_days_counted_in_calendar_days():
    due = date(2026, 3, 2)  # Monday
    state = InstalmentState(due_on=due)
    assert step_for(POLICY, state, due + timedelta(days=14)) == OVERDUE  # Mon 03-16: 14 days
    assert step_for(POLICY, state, due + timedelta(days=15)) == "escalation_1"  # Tue 03-17: 15 days, manager copied
    assert step_for(POLICY, state, due + timedelta(days=29)) == "escalation_1"
    assert step_for(POLICY, state, due + timedelta(days=30)) == "escalation_2"  # Wed 04-01
    assert step_for(POLICY, state, date(2026, 4, 30)) == "escalation_2"  # 59 days
    # +60 = Fri 05-01, Labour Day (May 1–5 off): the first working day after, Wed 05-06, is level 3
    assert [step_for(POLICY, state, date(2026, 5, d)) for d in range(1, 6)] == [None] * 5
    assert step_for(POLICY, state, date(2026, 5, 6)) == "escalation_3"
    # +15 falls on a Saturday: the next working day carries the first escalation
    due = date(2026, 3, 6)  # +15 = Sat 03-21
    state = InstalmentState(due_on=due)
    assert step_for(POLICY, state, date(2026, 3, 21)) is None
    assert step_for(POLICY, state, date(2026, 3, 20)) == OVERDUE
    assert step_for(POLICY, state, date(2026, 3, 23)) == "escalation_1"


def test_paid_paused_and_promise():
    due = date(2026, 6, 1)
    day = date(2026, 6, 10)
    assert step_for(POLICY, InstalmentState(due_on=due), day) == OVERDUE
    assert step_for(POLICY, InstalmentState(due_on=due, open=False), day) is None  # paid: chasing stops
    assert step_for(POLICY, InstalmentState(due_on=due, paused=True), day) is None  # dispute pause
    promised = InstalmentState(due_on=due, promised_until=date(2026, 6, 12))
    got = days(schedule(POLICY, promised, date(2026, 6, 8), date(2026, 6, 16)))
    # paused through Fri 06-12 (the promised date); broken: resumes the next working day, Mon 06-15
    # (06-16 is 15 days overdue: the manager is copied from then on)
    assert got == [("2026-06-15", OVERDUE), ("2026-06-16", "escalation_1")]
    # a promise ending on a Wednesday resumes on Thursday, the very next day
    promised = InstalmentState(due_on=due, promised_until=date(2026, 6, 10))
    assert days(schedule(POLICY, promised, date(2026, 6, 9), date(2026, 6, 11))) == [("2026-06-11", OVERDUE)]


def test_due_date_across_national_day_and_its_working_saturday():
    # Due Fri 2026-10-09. Window from Fri 09-25. Scheduled: Mon 09-28, Thu 10-01 (holiday), Mon 10-05 (holiday),
    # Thu 10-08. 10-01 and 10-05 move to the next working day, Thu 10-08, which has its own Thursday: one reminder.
    state = InstalmentState(due_on=date(2026, 10, 9))
    got = days(schedule(POLICY, state, date(2026, 9, 20), date(2026, 10, 13)))
    assert got == [
        ("2026-09-28", BEFORE_DUE),
        ("2026-10-08", BEFORE_DUE),
        ("2026-10-10", OVERDUE),  # 调休 Saturday is a working day: the daily reminder goes out
        ("2026-10-12", OVERDUE),  # Sunday 10-11 off
        ("2026-10-13", OVERDUE),
    ]


def test_a_monday_holiday_moves_to_the_next_working_day():
    # Due Fri 2026-10-16: window from Fri 10-02. Mon 10-05 is a holiday → moves to Thu 10-08 (the first
    # working day after it, which is also a Thursday: still one reminder). Then Mon 10-12, Thu 10-15.
    state = InstalmentState(due_on=date(2026, 10, 16))
    got = days(schedule(POLICY, state, date(2026, 10, 1), date(2026, 10, 16)))
    assert got == [("2026-10-08", BEFORE_DUE), ("2026-10-12", BEFORE_DUE), ("2026-10-15", BEFORE_DUE)]
    # Mid-autumn: Fri 09-25 to Sun 09-27 off. Due Wed 2026-09-30: Thu 09-17, Mon 09-21, Thu 09-24, Mon 09-28;
    # and with Thursday+Friday as the weekdays the Friday 09-25 holiday moves to Mon 09-28.
    state = InstalmentState(due_on=date(2026, 9, 30))
    friday = Cadence(weekdays=(4,))
    assert days(schedule(friday, state, date(2026, 9, 16), date(2026, 9, 30))) == [
        ("2026-09-18", BEFORE_DUE),
        ("2026-09-28", BEFORE_DUE),
    ]


def test_no_due_date_no_reminder_and_far_future_is_quiet():
    assert step_for(POLICY, InstalmentState(due_on=None), date(2026, 6, 1)) is None
    assert step_for(POLICY, InstalmentState(due_on=date(2026, 12, 31)), date(2026, 6, 1)) is None


def test_years_chinese_calendar_does_not_know_fall_back_to_weekends_and_holidays():
    # 2027 is beyond chinese-calendar 1.11.0 (NotImplementedError): weekends + holidays.CN
    assert not is_working_day(date(2027, 1, 1))  # New Year's Day (holidays package)
    assert is_working_day(date(2027, 1, 4))  # a Monday
    assert not is_working_day(date(2027, 1, 9))  # a Saturday
    state = InstalmentState(due_on=date(2026, 12, 31))
    assert step_for(POLICY, state, date(2027, 1, 4)) == OVERDUE


@pytest.mark.parametrize("country, day, working", [("DE", date(2026, 10, 3), False), ("DE", date(2026, 10, 1), True),
                                                   ("US", date(2026, 7, 3), False), ("HK", date(2026, 10, 1), False)])  # fmt: skip
def test_other_countries_use_the_holidays_package(country, day, working):
    assert is_working_day(day, country) is working
