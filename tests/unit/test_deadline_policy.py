"""Default deadline rules (DESIGN.md §5) on the real 2026 calendar.

Around the dates used: Mid-Autumn Sep 25–27 and National Day Oct 1–7 are off; Sunday
Sep 20 and Saturday Oct 10 are worked.
"""

from dataclasses import replace
from datetime import date

import pytest

from duban_common.calendar import WorkCalendar
from duban_common.contracts.events import MatterOrigin
from duban_deadline.domain.policy import DEFAULT_RULES, Deadline, Period, Rule, compute, rule_name

CAL = WorkCalendar()


def origin(kind: str, **fields) -> MatterOrigin:
    return MatterOrigin(kind=kind, source="/platforms/test", submission_id="S-1", external_id="E-1", **fields)


def due(o: MatterOrigin, start: date, *, co_units: bool = False, requested: date | None = None, **kw) -> Deadline:
    return compute(CAL, o, start, has_co_units=co_units, requested_due_on=requested, **kw)


def case(matter_origin: MatterOrigin, start: str, rule: str, expected: str, *, co_units: bool = False):
    """A default-rule case: origin, start day, the rule expected and its due day; co-units or not."""
    start_on, due_on = date.fromisoformat(start), date.fromisoformat(expected)
    return pytest.param(matter_origin, start_on, co_units, rule, due_on, id=f"{rule}-{start}")


CASES = [
    case(origin("meeting_decision", meeting_type="executive"), "2026-09-01", "meeting_executive", "2026-09-16"),
    case(origin("meeting_decision", meeting_type="executive"), "2026-09-20", "meeting_executive", "2026-10-08"),
    case(origin("meeting_decision", meeting_type="plenary"), "2026-08-31", "meeting_plenary", "2026-09-30"),
    case(origin("meeting_decision", meeting_type="plenary"), "2026-09-01", "meeting_plenary", "2026-10-08"),
    case(origin("meeting_decision", meeting_type="office"), "2026-09-03", "meeting_office", "2026-09-10"),
    case(origin("meeting_decision", meeting_type="weekly"), "2026-09-24", "meeting_weekly", "2026-10-08"),
    case(origin("meeting_decision", meeting_type="topic"), "2026-09-21", "meeting_topic", "2026-09-28", co_units=True),
    case(origin("meeting_decision", meeting_type="topic"), "2026-10-03", "meeting_topic", "2026-10-10"),
    case(origin("meeting_decision", meeting_type="special_body"), "2026-09-14", "meeting_special_body", "2026-09-21"),
    case(origin("leader_instruction", leader_role="principal"), "2026-09-24", "instruction_principal", "2026-10-08"),
    case(origin("leader_instruction", leader_role="deputy"), "2026-09-18", "instruction_deputy", "2026-09-28"),
    case(origin("online_message"), "2026-09-21", "online_message", "2026-10-12"),
    case(origin("deputy_suggestion"), "2026-07-01", "proposal", "2026-10-08"),
    case(origin("cppcc_proposal"), "2026-06-30", "proposal", "2026-09-30", co_units=True),
    case(origin("cppcc_proposal", led_by_leader="县长 张三"), "2026-04-01", "proposal_led_by_leader", "2026-10-08"),
    case(
        origin("deputy_suggestion", led_by_leader="副县长 李四"), "2026-03-31", "proposal_led_by_leader", "2026-09-30"
    ),
    case(origin("document", handling="single"), "2026-09-28", "document_single", "2026-10-10"),
    case(origin("document", handling="multi"), "2026-09-28", "document_multi", "2026-10-13", co_units=True),
    case(origin("document", handling="investigation"), "2026-09-28", "document_investigation", "2026-10-30"),
    case(origin("document", handling="urgent"), "2026-09-29", "document_urgent", "2026-10-09"),
    case(origin("superior_assignment"), "2026-06-30", "superior_no_deadline", "2026-09-30"),
    case(origin("superior_assignment"), "2026-07-01", "superior_no_deadline", "2026-10-08", co_units=True),
    # No rule for the origin: one unit 15 working days, with co-units 25.
    case(origin("work_report_task"), "2026-09-28", "one_unit", "2026-10-23"),
    case(origin("work_report_task"), "2026-09-28", "with_co_units", "2026-11-06", co_units=True),
    case(origin("meeting_decision"), "2026-09-28", "one_unit", "2026-10-23"),  # meeting type unknown
    case(origin("leader_instruction"), "2026-09-28", "with_co_units", "2026-11-06", co_units=True),  # role unknown
    case(origin("document"), "2026-09-28", "one_unit", "2026-10-23"),  # handling unknown
]


@pytest.mark.parametrize("o, start, co_units, rule, expected", CASES)
def test_default_rule(o, start, co_units, rule, expected):
    d = due(o, start, co_units=co_units)
    assert d == Deadline(start_on=start, due_on=expected, rule=rule, provisional=False, note=None)
    assert rule_name(o, co_units) == rule


def test_every_default_due_day_is_a_working_day():
    for o, start, co_units, _, _ in (c.values for c in CASES):
        assert CAL.is_workday(due(o, start, co_units=co_units).due_on)


def test_a_week_means_seven_calendar_days_not_working_days():
    d = due(origin("leader_instruction", leader_role="principal"), date(2026, 9, 14))
    assert d.due_on == date(2026, 9, 21)  # five working days would be Sep 20, the swapped Sunday
    assert CAL.add_workdays(date(2026, 9, 14), 5).day == date(2026, 9, 20)


def test_a_deadline_reaching_into_an_unscheduled_year_is_provisional():
    d = due(origin("superior_assignment"), date(2026, 11, 30))
    assert (d.due_on, d.provisional) == (date(2027, 3, 1), True)  # Feb 28 2027 is a Sunday
    assert due(origin("online_message"), date(2026, 12, 28)).provisional
    assert not due(origin("online_message"), date(2026, 12, 1)).provisional


def test_a_requested_due_date_wins():
    o = origin("meeting_decision", meeting_type="executive")
    d = due(o, date(2026, 9, 1), requested=date(2026, 9, 22))
    assert d == Deadline(date(2026, 9, 1), date(2026, 9, 22), "requested", False)
    shorter = due(o, date(2026, 9, 1), requested=date(2026, 9, 4))  # earlier than the rule's day too
    assert (shorter.due_on, shorter.rule) == (date(2026, 9, 4), "requested")


def test_a_requested_due_date_on_a_non_working_day_rolls_forward():
    o = origin("document", handling="single")
    assert due(o, date(2026, 9, 21), requested=date(2026, 10, 3)).due_on == date(2026, 10, 8)
    assert due(o, date(2026, 9, 21), requested=date(2026, 9, 26)).due_on == date(2026, 9, 28)
    assert due(o, date(2026, 9, 21), requested=date(2026, 10, 10)).due_on == date(2026, 10, 10)  # worked Saturday
    late = due(o, date(2026, 12, 21), requested=date(2027, 1, 1))
    assert (late.due_on, late.provisional) == (date(2027, 1, 4), True)


def test_a_proposal_date_beyond_six_months_is_capped_with_a_note():
    d = due(origin("deputy_suggestion"), date(2026, 4, 1), requested=date(2026, 12, 1))
    assert d.due_on == date(2026, 10, 8)  # Apr 1 + 6 months = Oct 1, a holiday
    assert d.rule == "proposal"
    assert d.note is not None and "2026-12-01" in d.note and "2026-10-08" in d.note
    led = due(origin("cppcc_proposal", led_by_leader="县长"), date(2026, 3, 2), requested=date(2026, 12, 31))
    assert (led.due_on, led.rule) == (date(2026, 9, 2), "proposal_led_by_leader")
    assert led.note


def test_a_proposal_date_within_six_months_is_kept():
    d = due(origin("cppcc_proposal"), date(2026, 4, 1), requested=date(2026, 9, 15))
    assert d == Deadline(date(2026, 4, 1), date(2026, 9, 15), "requested", False, None)
    at_cap = due(origin("cppcc_proposal"), date(2026, 4, 1), requested=date(2026, 10, 1))  # rolls to the cap day
    assert (at_cap.due_on, at_cap.rule, at_cap.note) == (date(2026, 10, 8), "requested", None)


def test_rules_without_a_maximum_are_not_capped():
    d = due(origin("superior_assignment"), date(2026, 1, 5), requested=date(2026, 12, 31))
    assert (d.due_on, d.rule, d.note) == (date(2026, 12, 31), "requested", None)


def test_a_tenant_may_change_a_rule():
    rules = {**DEFAULT_RULES, "online_message": replace(DEFAULT_RULES["online_message"], period=Period("workdays", 5))}
    assert due(origin("online_message"), date(2026, 9, 21), rules=rules).due_on == date(2026, 9, 29)
    assert due(origin("online_message"), date(2026, 9, 21)).due_on == date(2026, 10, 12)  # defaults untouched


def test_the_defaults_match_design_section_5():
    rules_by_period = {
        Period("workdays", 3): ["document_urgent"],
        Period("workdays", 5): ["document_single"],
        Period("workdays", 7): ["document_multi"],
        Period("workdays", 10): ["office_itself", "online_message"],
        Period("workdays", 15): ["one_unit"],
        Period("workdays", 20): ["document_investigation"],
        Period("workdays", 25): ["with_co_units"],
        Period("days", 7): [
            "meeting_office",
            "meeting_weekly",
            "meeting_topic",
            "instruction_principal",
            "instruction_deputy",
        ],
        Period("days", 15): ["meeting_executive"],
        Period("months", 1): ["meeting_plenary"],
        Period("months", 3): ["proposal", "superior_no_deadline"],
        Period("months", 6): ["proposal_led_by_leader"],
    }
    for period, names in rules_by_period.items():
        for name in names:
            assert DEFAULT_RULES[name].period == period, name
    assert DEFAULT_RULES["proposal"].maximum == Period("months", 6)
    assert DEFAULT_RULES["proposal_led_by_leader"].maximum == Period("months", 6)


def test_an_unknown_period_unit_is_refused():
    with pytest.raises(ValueError, match="fortnights"):
        Period("fortnights", 1).apply(CAL, date(2026, 9, 1))
    rules = {**DEFAULT_RULES, "one_unit": Rule("one_unit", Period("fortnights", 1))}
    with pytest.raises(ValueError):
        due(origin("work_report_task"), date(2026, 9, 1), rules=rules)
