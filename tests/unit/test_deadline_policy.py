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


CASES = [
    # (origin, start, co-units, expected rule, expected due day)
    (
        origin("meeting_decision", meeting_type="executive"),
        date(2026, 9, 1),
        False,
        "meeting_executive",
        date(2026, 9, 16),
    ),
    (
        origin("meeting_decision", meeting_type="executive"),
        date(2026, 9, 20),
        False,
        "meeting_executive",
        date(2026, 10, 8),
    ),
    (
        origin("meeting_decision", meeting_type="plenary"),
        date(2026, 8, 31),
        False,
        "meeting_plenary",
        date(2026, 9, 30),
    ),
    (origin("meeting_decision", meeting_type="plenary"), date(2026, 9, 1), False, "meeting_plenary", date(2026, 10, 8)),
    (origin("meeting_decision", meeting_type="office"), date(2026, 9, 3), False, "meeting_office", date(2026, 9, 10)),
    (origin("meeting_decision", meeting_type="weekly"), date(2026, 9, 24), False, "meeting_weekly", date(2026, 10, 8)),
    (origin("meeting_decision", meeting_type="topic"), date(2026, 9, 21), True, "meeting_topic", date(2026, 9, 28)),
    (origin("meeting_decision", meeting_type="topic"), date(2026, 10, 3), False, "meeting_topic", date(2026, 10, 10)),
    (
        origin("meeting_decision", meeting_type="special_body"),
        date(2026, 9, 14),
        False,
        "meeting_special_body",
        date(2026, 9, 21),
    ),
    (
        origin("leader_instruction", leader_role="principal"),
        date(2026, 9, 24),
        False,
        "instruction_principal",
        date(2026, 10, 8),
    ),
    (
        origin("leader_instruction", leader_role="deputy"),
        date(2026, 9, 18),
        False,
        "instruction_deputy",
        date(2026, 9, 28),
    ),
    (origin("online_message"), date(2026, 9, 21), False, "online_message", date(2026, 10, 12)),
    (origin("deputy_suggestion"), date(2026, 7, 1), False, "proposal", date(2026, 10, 8)),
    (origin("cppcc_proposal"), date(2026, 6, 30), True, "proposal", date(2026, 9, 30)),
    (
        origin("cppcc_proposal", led_by_leader="县长 张三"),
        date(2026, 4, 1),
        False,
        "proposal_led_by_leader",
        date(2026, 10, 8),
    ),
    (
        origin("deputy_suggestion", led_by_leader="副县长 李四"),
        date(2026, 3, 31),
        False,
        "proposal_led_by_leader",
        date(2026, 9, 30),
    ),
    (origin("document", handling="single"), date(2026, 9, 28), False, "document_single", date(2026, 10, 10)),
    (origin("document", handling="multi"), date(2026, 9, 28), True, "document_multi", date(2026, 10, 13)),
    (
        origin("document", handling="investigation"),
        date(2026, 9, 28),
        False,
        "document_investigation",
        date(2026, 10, 30),
    ),
    (origin("document", handling="urgent"), date(2026, 9, 29), False, "document_urgent", date(2026, 10, 9)),
    (origin("superior_assignment"), date(2026, 6, 30), False, "superior_no_deadline", date(2026, 9, 30)),
    (origin("superior_assignment"), date(2026, 7, 1), True, "superior_no_deadline", date(2026, 10, 8)),
    # No rule for the origin: one unit 15 working days, with co-units 25.
    (origin("work_report_task"), date(2026, 9, 28), False, "one_unit", date(2026, 10, 23)),
    (origin("work_report_task"), date(2026, 9, 28), True, "with_co_units", date(2026, 11, 6)),
    (origin("meeting_decision"), date(2026, 9, 28), False, "one_unit", date(2026, 10, 23)),  # meeting type unknown
    (origin("leader_instruction"), date(2026, 9, 28), True, "with_co_units", date(2026, 11, 6)),  # role unknown
    (origin("document"), date(2026, 9, 28), False, "one_unit", date(2026, 10, 23)),  # handling unknown
]


@pytest.mark.parametrize("o, start, co_units, rule, expected", CASES, ids=[f"{c[3]}-{c[1].isoformat()}" for c in CASES])
def test_default_rule(o, start, co_units, rule, expected):
    d = due(o, start, co_units=co_units)
    assert d == Deadline(start_on=start, due_on=expected, rule=rule, provisional=False, note=None)
    assert rule_name(o, co_units) == rule


def test_every_default_due_day_is_a_working_day():
    for o, start, co_units, _, _ in CASES:
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
    expected = {
        "office_itself": ("workdays", 10),
        "one_unit": ("workdays", 15),
        "with_co_units": ("workdays", 25),
        "meeting_plenary": ("months", 1),
        "meeting_executive": ("days", 15),
        "meeting_office": ("days", 7),
        "meeting_weekly": ("days", 7),
        "meeting_topic": ("days", 7),
        "instruction_principal": ("days", 7),
        "instruction_deputy": ("days", 7),
        "online_message": ("workdays", 10),
        "proposal": ("months", 3),
        "proposal_led_by_leader": ("months", 6),
        "document_single": ("workdays", 5),
        "document_multi": ("workdays", 7),
        "document_investigation": ("workdays", 20),
        "document_urgent": ("workdays", 3),
        "superior_no_deadline": ("months", 3),
    }
    for name, (unit, amount) in expected.items():
        assert DEFAULT_RULES[name].period == Period(unit, amount), name
    assert DEFAULT_RULES["proposal"].maximum == Period("months", 6)
    assert DEFAULT_RULES["proposal_led_by_leader"].maximum == Period("months", 6)


def test_an_unknown_period_unit_is_refused():
    with pytest.raises(ValueError, match="fortnights"):
        Period("fortnights", 1).apply(CAL, date(2026, 9, 1))
    rules = {**DEFAULT_RULES, "one_unit": Rule("one_unit", Period("fortnights", 1))}
    with pytest.raises(ValueError):
        due(origin("work_report_task"), date(2026, 9, 1), rules=rules)
