"""The working-day calendar on real 2026 data (DESIGN.md §6).

2026 as the State Council published it (and ``chinese-calendar`` knows it): Mid-Autumn
Sep 25–27, National Day Oct 1–7, with Sunday Sep 20 and Saturday Oct 10 worked instead;
Spring Festival Feb 15–23 with Saturday Feb 14 and Saturday Feb 28 worked instead.
2027 has no published schedule: only weekends and the statutory holidays count, and every
answer touching it is provisional.
"""

from datetime import date, datetime, time, timezone

import chinese_calendar
import pytest

from duban_common.calendar import TZ, Span, WorkCalendar, YearSchedule, at_local, local_day

CAL = WorkCalendar()


def test_the_2026_facts_the_tests_rely_on():
    # Read from the package itself, so a wrong assumption fails here and not in a riddle below.
    assert chinese_calendar.is_workday(date(2026, 9, 20))  # Sunday, swapped working day
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday, swapped working day
    assert chinese_calendar.is_workday(date(2026, 2, 28))  # Saturday, swapped working day
    assert not chinese_calendar.is_workday(date(2026, 9, 19))  # plain Saturday
    assert not any(chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert not any(chinese_calendar.is_workday(date(2026, 9, d)) for d in (25, 26, 27))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 6, 1))


def test_is_workday_follows_the_official_2026_schedule():
    assert CAL.is_workday(date(2026, 9, 30))
    assert not CAL.is_workday(date(2026, 10, 1))
    assert not CAL.is_workday(date(2026, 10, 7))
    assert CAL.is_workday(date(2026, 10, 8))
    assert CAL.is_workday(date(2026, 10, 10))  # swapped Saturday
    assert CAL.is_workday(date(2026, 9, 20))  # swapped Sunday
    assert not CAL.is_workday(date(2026, 10, 11))  # ordinary Sunday
    assert not CAL.is_workday(date(2026, 9, 25))  # Mid-Autumn, a Friday


def test_add_workdays_does_not_count_the_start_day():
    assert CAL.add_workdays(date(2026, 9, 14), 1) == Span(date(2026, 9, 15), False)  # Mon → Tue
    assert CAL.add_workdays(date(2026, 9, 14), 0) == Span(date(2026, 9, 14), False)
    assert CAL.add_workdays(date(2026, 9, 17), 1).day == date(2026, 9, 18)  # Thu → Fri


def test_add_workdays_crosses_the_national_day_holiday():
    assert CAL.add_workdays(date(2026, 9, 30), 1) == Span(date(2026, 10, 8), False)
    assert CAL.add_workdays(date(2026, 9, 30), 2).day == date(2026, 10, 9)


def test_a_swapped_saturday_counts_as_a_working_day():
    assert CAL.add_workdays(date(2026, 9, 30), 3).day == date(2026, 10, 10)  # Sat Oct 10 is worked
    assert CAL.add_workdays(date(2026, 9, 30), 4).day == date(2026, 10, 12)  # Sun Oct 11 is not
    assert CAL.add_workdays(date(2026, 9, 18), 1).day == date(2026, 9, 20)  # Fri → the swapped Sunday


def test_add_workdays_skips_mid_autumn_and_national_day_together():
    # Thu Sep 24: Sep 25–27 off, Sep 28/29/30 worked, Oct 1–7 off, Oct 8/9/10 worked.
    assert CAL.add_workdays(date(2026, 9, 24), 6).day == date(2026, 10, 10)


def test_add_workdays_refuses_negative():
    with pytest.raises(ValueError):
        CAL.add_workdays(date(2026, 9, 14), -1)


def test_subtract_workdays_for_a_pre_deadline_reminder():
    assert CAL.subtract_workdays(date(2026, 10, 9), 2) == Span(date(2026, 9, 30), False)
    assert CAL.subtract_workdays(date(2026, 9, 21), 1).day == date(2026, 9, 20)


def test_add_days_keeps_a_working_day():
    assert CAL.add_days(date(2026, 9, 14), 7) == Span(date(2026, 9, 21), False)


def test_add_days_rolls_forward_to_the_next_working_day():
    assert CAL.add_days(date(2026, 9, 20), 15) == Span(date(2026, 10, 8), False)  # Oct 5 is a holiday
    assert CAL.add_days(date(2026, 9, 5), 7).day == date(2026, 9, 14)  # Sat Sep 12 → Mon
    assert CAL.add_days(date(2026, 9, 12), 7).day == date(2026, 9, 20)  # Sat Sep 19 → the swapped Sunday
    assert CAL.add_days(date(2026, 10, 3), 7).day == date(2026, 10, 10)  # lands on the swapped Saturday


def test_roll_forward():
    assert CAL.roll_forward(date(2026, 10, 8)) == Span(date(2026, 10, 8), False)
    assert CAL.roll_forward(date(2026, 10, 1)) == Span(date(2026, 10, 8), False)
    assert CAL.roll_forward(date(2026, 10, 11)).day == date(2026, 10, 12)


def test_add_months_missing_day_takes_the_last_day_of_the_month():
    # Jan 31 + 1 month → Feb 28, which in 2026 is a swapped working Saturday: kept.
    assert CAL.add_months(date(2026, 1, 31), 1) == Span(date(2026, 2, 28), False)
    # Oct 31 2025 + 1 month → Sun Nov 30 2025, not a working day → Mon Dec 1.
    assert CAL.add_months(date(2025, 10, 31), 1) == Span(date(2025, 12, 1), False)


def test_add_months_rolls_forward_out_of_a_holiday_and_across_years():
    assert CAL.add_months(date(2026, 9, 1), 1).day == date(2026, 10, 8)
    assert CAL.add_months(date(2025, 11, 15), 3) == Span(date(2026, 2, 24), False)  # Feb 15 → after Spring Festival
    assert CAL.add_months(date(2026, 8, 31), 1).day == date(2026, 9, 30)


def test_workdays_between():
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert CAL.workdays_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    assert CAL.workdays_between(date(2026, 9, 14), date(2026, 9, 14)) == 0
    assert CAL.workdays_between(date(2026, 9, 14), date(2026, 9, 21)) == 6  # incl. the swapped Sunday


def test_workdays_between_agrees_with_add_workdays():
    start = date(2026, 9, 17)
    for n in range(0, 30):
        assert CAL.workdays_between(start, CAL.add_workdays(start, n).day) == n


def test_local_holidays_make_a_day_non_working():
    cal = WorkCalendar(local_holidays=frozenset({date(2026, 9, 30), date(2026, 10, 10)}))
    assert not cal.is_workday(date(2026, 9, 30))
    assert not cal.is_workday(date(2026, 10, 10))  # even a swapped working Saturday
    assert cal.add_workdays(date(2026, 9, 29), 1).day == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 9, 30), 3).day == date(2026, 10, 12)
    assert cal.roll_forward(date(2026, 9, 30)).day == date(2026, 10, 8)
    assert CAL.is_workday(date(2026, 9, 30))  # the default calendar is untouched


def test_a_year_without_schedule_uses_weekends_and_statutory_holidays_only():
    # The holidays package computes the 2027 statutory days; its "(observed)" substitutes are not law.
    assert not CAL.is_known_year(2027)
    for d in (1, 2, 3):
        assert not CAL.is_workday(date(2027, 10, d))
    assert CAL.is_workday(date(2027, 10, 4))  # Monday; "National Day (observed)" in the package
    assert CAL.is_workday(date(2027, 10, 5))
    assert not CAL.is_workday(date(2027, 1, 1))  # New Year's Day, a Friday
    assert not CAL.is_workday(date(2027, 2, 8))  # Spring Festival, a Monday
    assert CAL.is_workday(date(2027, 2, 9))  # observed substitute: still a working day
    assert not CAL.is_workday(date(2027, 10, 9))  # a Saturday: no swap without a schedule


def test_crossing_into_an_unscheduled_year_is_provisional():
    # Mon Dec 28 2026: Dec 29, 30, 31, (Jan 1 holiday, weekend), Jan 4, Jan 5.
    assert CAL.add_workdays(date(2026, 12, 28), 5) == Span(date(2027, 1, 5), True)
    assert CAL.add_workdays(date(2026, 12, 28), 3) == Span(date(2026, 12, 31), False)  # stays in 2026
    assert CAL.add_days(date(2026, 12, 20), 15).provisional
    assert CAL.add_months(date(2026, 11, 30), 3) == Span(date(2027, 3, 1), True)  # Sun Feb 28 2027
    assert CAL.roll_forward(date(2027, 10, 1)) == Span(date(2027, 10, 4), True)


def test_a_loaded_schedule_makes_the_year_known():
    sched = YearSchedule(
        2027,
        holidays=frozenset(date(2027, 10, d) for d in range(1, 8)),
        working_weekends=frozenset({date(2027, 9, 26), date(2027, 10, 9)}),
    )
    cal = WorkCalendar(schedules={2027: sched})
    assert cal.is_known_year(2027)
    assert not cal.is_workday(date(2027, 10, 4))  # holiday in the schedule
    assert not cal.is_workday(date(2027, 10, 7))
    assert cal.is_workday(date(2027, 10, 9))  # swapped Saturday
    assert cal.is_workday(date(2027, 9, 26))  # swapped Sunday
    assert not cal.is_workday(date(2027, 10, 10))  # ordinary Sunday
    assert cal.is_workday(date(2027, 10, 8))
    assert cal.add_workdays(date(2027, 9, 30), 2) == Span(date(2027, 10, 9), False)
    assert cal.add_workdays(date(2026, 12, 28), 5) == Span(
        date(2027, 1, 4), False
    )  # 2027 schedule knows no Jan 1 holiday
    assert CAL.add_workdays(date(2027, 9, 30), 2).provisional  # the default calendar still does not know 2027


def test_a_loaded_schedule_overrides_the_package_for_a_known_year():
    sched = YearSchedule(2026, holidays=frozenset({date(2026, 9, 30)}), working_weekends=frozenset())
    cal = WorkCalendar(schedules={2026: sched})
    assert not cal.is_workday(date(2026, 9, 30))
    assert not cal.is_workday(date(2026, 10, 10))  # the loaded schedule has no swapped Saturday


def test_local_day_and_at_local_use_asia_shanghai():
    assert local_day(datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc)) == date(2026, 10, 1)
    assert local_day(datetime(2026, 9, 30, 15, 59, tzinfo=timezone.utc)) == date(2026, 9, 30)
    at = at_local(date(2026, 10, 8), time(18, 0))
    assert at.tzinfo is TZ
    assert at.astimezone(timezone.utc) == datetime(2026, 10, 8, 10, 0, tzinfo=timezone.utc)
