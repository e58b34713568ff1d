"""Deadline rules on tricky dates, table-driven (DESIGN.md §5, §6), on the real calendar data.

2026 as published (and as ``chinese-calendar`` knows it): Spring Festival Feb 15–23 off with
Saturdays Feb 14 and Feb 28 worked; Mid-Autumn Sep 25–27 and National Day Oct 1–7 off with
Sunday Sep 20 and Saturday Oct 10 worked. 2027 has no schedule yet: weekends and the
statutory days only (New Year Jan 1, Spring Festival Feb 5–8, Labour Day May 1–2, ...).
"""

from datetime import date

import pytest

from duban_common.calendar import WorkCalendar, YearSchedule
from duban_common.contracts.events import MatterOrigin
from duban_deadline.domain.policy import DEFAULT_RULES, Basis, Deadline, Period, Rule, basis_for, compute, evaluate

CAL = WorkCalendar()


def o(kind: str, **fields) -> MatterOrigin:
    return MatterOrigin(kind=kind, source="/platforms/test", submission_id="S-1", external_id="E-1", **fields)


EXECUTIVE, TOPIC, WEEKLY = (o("meeting_decision", meeting_type=t) for t in ("executive", "topic", "weekly"))
PLENARY = o("meeting_decision", meeting_type="plenary")
PRINCIPAL, DEPUTY = o("leader_instruction", leader_role="principal"), o("leader_instruction", leader_role="deputy")
MESSAGE, URGENT, SINGLE = o("online_message"), o("document", handling="urgent"), o("document", handling="single")
PROPOSAL, LED = o("cppcc_proposal"), o("deputy_suggestion", led_by_leader="县长 张三")


def case(what: str, origin: MatterOrigin, start: str, expected: str, *, provisional: bool = False):
    """What the case shows, the origin, the day it is assigned and the due day expected (ISO)."""
    return pytest.param(what, origin, date.fromisoformat(start), date.fromisoformat(expected), provisional, id=what)


SPRING_FESTIVAL = [  # across the 2026 Spring Festival
    case("10 working days: Feb 14 counts, Feb 15-23 do not", MESSAGE, "2026-02-10", "2026-03-02"),
    case("3 working days: the swapped Saturday then the first day back", URGENT, "2026-02-12", "2026-02-24"),
    case("5 working days from the Friday before the festival", SINGLE, "2026-02-13", "2026-02-27"),
    case("15 days ending inside the festival run to Feb 24", EXECUTIVE, "2026-02-01", "2026-02-24"),
    case("1 week ending on the swapped Saturday Feb 14 stays there", TOPIC, "2026-02-07", "2026-02-14"),
    case("1 week ending in the festival", DEPUTY, "2026-02-13", "2026-02-24"),
]
NATIONAL_DAY = [  # across National Day 2026
    case("3 working days: Oct 8, 9 and the swapped Saturday Oct 10", URGENT, "2026-09-30", "2026-10-10"),
    case("10 working days over Mid-Autumn and National Day", MESSAGE, "2026-09-24", "2026-10-15"),
    case("1 week ending on the swapped Saturday Oct 10", PRINCIPAL, "2026-10-03", "2026-10-10"),
    case("1 week ending on Oct 1 runs to Oct 8", WEEKLY, "2026-09-24", "2026-10-08"),
]
MONTH_ENDS = [  # month ends: a missing day takes the month's last day, then rolls to a working day
    case("Jan 31 + 1 month = Feb 28, a worked Saturday", PLENARY, "2026-01-31", "2026-02-28"),
    case("Mar 31 + 1 month = Apr 30", PLENARY, "2026-03-31", "2026-04-30"),
    case("May 31 + 1 month = Jun 30", PLENARY, "2026-05-31", "2026-06-30"),
    case("Dec 31 + 1 month = Sun Jan 31 2027, unscheduled", PLENARY, "2026-12-31", "2027-02-01", provisional=True),
]
INTO_2027 = [  # proposals filed in November 2026 reach 2027: provisional
    case(
        "6 months from Nov 16 2026: Sun May 16 2027 runs to Monday", LED, "2026-11-16", "2027-05-17", provisional=True
    ),
    case(
        "6 months from Nov 2 2026: May 2 is statutory Labour Day, Sunday",
        LED,
        "2026-11-02",
        "2027-05-03",
        provisional=True,
    ),
    case("3 months from Nov 30 2026: Sun Feb 28 2027", PROPOSAL, "2026-11-30", "2027-03-01", provisional=True),
    case(
        "10 working days from Dec 21 reach Jan 5 2027 (Jan 1 statutory)",
        MESSAGE,
        "2026-12-21",
        "2027-01-05",
        provisional=True,
    ),
]
CASES = [*SPRING_FESTIVAL, *NATIONAL_DAY, *MONTH_ENDS, *INTO_2027]


@pytest.mark.parametrize("what, origin, start, expected, provisional", CASES)
def test_default_deadline_on_tricky_dates(what, origin, start, expected, provisional):
    d = compute(CAL, origin, start, has_co_units=False, requested_due_on=None)
    assert (d.due_on, d.provisional) == (expected, provisional), what
    assert CAL.is_workday(d.due_on)


HALF = [
    # (half months, start, due): 1 half = 15 days, 2 halves = a calendar month
    (1, date(2026, 1, 31), date(2026, 2, 24)),  # Feb 15 is in the Spring Festival
    (2, date(2026, 1, 31), date(2026, 2, 28)),  # one calendar month, the worked Saturday
    (3, date(2026, 1, 31), date(2026, 3, 16)),  # Feb 28 + 15 days = Sun Mar 15
    (1, date(2026, 9, 20), date(2026, 10, 8)),  # Oct 5 is a holiday
]


@pytest.mark.parametrize("halves, start, expected", HALF)
def test_half_months(halves, start, expected):
    assert Period("half_months", halves).apply(CAL, start).day == expected


def test_weeks_mean_seven_calendar_days_unless_the_tenant_says_working_days():
    assert Period("weeks", 1).apply(CAL, date(2026, 9, 14)).day == date(2026, 9, 21)
    assert Period("workdays", 5).apply(CAL, date(2026, 9, 14)).day == date(2026, 9, 20)  # the swapped Sunday


def test_a_requested_date_beyond_six_months_in_2027_is_capped_and_provisional():
    d = compute(CAL, LED, date(2026, 11, 16), has_co_units=False, requested_due_on=date(2027, 7, 1))
    assert (d.due_on, d.provisional, d.rule) == (date(2027, 5, 17), True, "proposal_led_by_leader")
    assert "2027-07-01" in d.note and "2027-05-17" in d.note


def test_a_tenant_may_refuse_instead_of_capping():
    d = compute(
        CAL, PROPOSAL, date(2026, 4, 1), has_co_units=False, requested_due_on=date(2026, 12, 1), beyond_maximum="refuse"
    )
    assert (d.due_on, d.rule) == (date(2026, 7, 1), "proposal")  # the rule's own 3 months
    assert "不予采用" in d.note and "2026-10-08" in d.note  # the maximum it exceeded


SCHEDULE_2027 = YearSchedule(  # a 2027 schedule as the State Council might publish it (made up for the test)
    2027,
    holidays=frozenset(
        [
            date(2027, 1, 1),
            *(date(2027, 2, d) for d in range(5, 14)),
            *(date(2027, 5, d) for d in range(1, 6)),
            *(date(2027, 10, d) for d in range(1, 8)),
        ]
    ),
    working_weekends=frozenset({date(2027, 2, 20), date(2027, 4, 25), date(2027, 5, 8), date(2027, 10, 9)}),
)


def test_the_schedule_arriving_recomputes_the_provisional_deadline():
    basis = basis_for(LED, date(2026, 11, 2), has_co_units=False, requested_due_on=None)
    before = evaluate(CAL, basis)
    assert (before.due_on, before.provisional) == (date(2027, 5, 3), True)
    after = evaluate(WorkCalendar(schedules={2027: SCHEDULE_2027}), basis)
    assert (after.due_on, after.provisional) == (date(2027, 5, 6), False)  # Labour Day May 1-5


def test_a_local_holiday_added_afterwards_moves_the_deadline():
    basis = basis_for(LED, date(2026, 11, 2), has_co_units=False, requested_due_on=None)
    county = WorkCalendar(local_holidays=frozenset({date(2027, 5, 6)}), schedules={2027: SCHEDULE_2027})
    assert evaluate(county, basis) == Deadline(date(2026, 11, 2), date(2027, 5, 7), "proposal_led_by_leader", False)
    executive = basis_for(EXECUTIVE, date(2026, 11, 20), has_co_units=False, requested_due_on=None)
    assert evaluate(CAL, executive).due_on == date(2026, 12, 7)
    assert evaluate(WorkCalendar(local_holidays=frozenset({date(2026, 12, 7)})), executive).due_on == date(2026, 12, 8)


def test_a_basis_survives_storage_and_ignores_later_policy_changes():
    rules = {**DEFAULT_RULES, "online_message": Rule("online_message", Period("workdays", 5))}
    basis = basis_for(MESSAGE, date(2026, 9, 21), has_co_units=False, requested_due_on=None, rules=rules)
    again = Basis.from_json(basis.to_json())
    assert again == basis
    assert evaluate(CAL, again).due_on == date(2026, 9, 29)  # still 5 working days, whatever the tenant sets later


def test_an_extension_rolls_to_a_working_day_and_names_itself():
    basis = basis_for(EXECUTIVE, date(2026, 9, 1), has_co_units=False, requested_due_on=None)
    extended = Basis(basis.start_on, basis.rule, extended_to=date(2026, 10, 3))
    assert evaluate(CAL, extended) == Deadline(date(2026, 9, 1), date(2026, 10, 8), "extension", False)
    assert evaluate(CAL, Basis(basis.start_on, basis.rule, extended_to=date(2027, 1, 1))).provisional
