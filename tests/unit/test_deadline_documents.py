"""The deadline rules as the reference documents count them: when a period starts
(``counted_from``) and what meets it (``satisfied_by``). Each test quotes its document."""

from __future__ import annotations

from datetime import date

import pytest

from duban_common.calendar import WorkCalendar
from duban_common.contracts.events import MatterOrigin
from duban_deadline.domain.policy import (
    DEFAULT_RULES,
    Period,
    after_feedback,
    basis_for,
    compute,
    evaluate,
    feedback_returned,
    label_of,
)
from duban_deadline.domain.settings import PolicyOverrides, describe, effective

CAL = WorkCalendar()
MONTH = Period("months", 1)


def origin(kind: str, **fields) -> MatterOrigin:
    return MatterOrigin(kind=kind, source="/platforms/oa", submission_id="s", external_id="e", **fields)


def meeting(kind: str, held_on: date) -> MatterOrigin:
    return origin("meeting_decision", meeting_type=kind, meeting_held_on=held_on, origin_on=held_on)


def instruction(role: str, on: date) -> MatterOrigin:
    return origin("leader_instruction", leader_role=role, origin_on=on)


def test_meetings_and_the_principal_leaders_instructions_count_from_the_meeting_or_the_instruction():
    """County notice: 「县政府全体会议…须在会后1个月内向县政府督查室反馈；县政府常务会的落实情况须在会后半个月内…；
    县长办公会、县政府每周工作例会等会议…须在会后1周内…；县政府主要领导重要批示、交办事项的落实情况，须在1周内…」.
    A notice issued 3 working days after the meeting does not give the unit 3 more days."""
    held, assigned = date(2026, 11, 2), date(2026, 11, 5)  # Monday; the notice three working days later
    cases = [
        ("plenary", date(2026, 12, 2)),
        ("executive", date(2026, 11, 17)),
        ("office", date(2026, 11, 9)),
        ("weekly", date(2026, 11, 9)),
    ]
    for kind, due in cases:
        d = compute(CAL, meeting(kind, held), assigned, has_co_units=False, requested_due_on=None)
        assert (d.start_on, d.due_on) == (held, due), kind
    d = compute(CAL, instruction("principal", held), assigned, has_co_units=False, requested_due_on=None)
    assert (d.start_on, d.due_on) == (held, date(2026, 11, 9))


def test_topic_meetings_deputy_instructions_and_special_bodies_count_from_the_assignment():
    """County notice: 「县政府专题会议、县政府分管领导的批示、交办事项的落实情况，须在交办后1周内…；专门机构交办事项…须在交办后1周内」."""
    held, assigned = date(2026, 11, 2), date(2026, 11, 5)
    for matter_origin in (meeting("topic", held), meeting("special_body", held), instruction("deputy", held)):
        d = compute(CAL, matter_origin, assigned, has_co_units=False, requested_due_on=None)
        assert (d.start_on, d.due_on) == (assigned, date(2026, 11, 12)), matter_origin


def test_a_superior_document_counts_from_its_receipt():
    """DESIGN §5: a superior document with no stated deadline: 「report within 3 months」 of its receipt."""
    superior = origin("superior_assignment", origin_on=date(2026, 3, 2))
    d = compute(CAL, superior, date(2026, 3, 9), has_co_units=False, requested_due_on=None)
    assert (d.start_on, d.due_on) == (date(2026, 3, 2), date(2026, 6, 2))


def test_the_basis_keeps_counted_from_and_the_label_says_it():
    """The ledger and the task show 「会后1个月」 vs 「交办后1周」."""
    plenary = basis_for(
        meeting("plenary", date(2026, 11, 2)), date(2026, 11, 5), has_co_units=False, requested_due_on=None
    )
    assert plenary.to_json()["counted_from"] == "origin" and label_of(plenary.rule, "meeting_decision") == "会后1个月"
    assert label_of(DEFAULT_RULES["meeting_executive"], "meeting_decision") == "会后半个月"
    assert label_of(DEFAULT_RULES["instruction_principal"], "leader_instruction") == "批示后1周"
    assert label_of(DEFAULT_RULES["meeting_topic"], "meeting_decision") == "交办后1周"
    assert label_of(DEFAULT_RULES["online_message"], "online_message") == "交办后10个工作日"
    assert label_of(DEFAULT_RULES["superior_no_deadline"], "superior_assignment") == "收文后3个月"
    shown = describe(effective(None), None)["rules"]  # the policy API says it the same way
    assert (shown["instruction_principal"]["label"], shown["meeting_plenary"]["label"]) == ("批示后1周", "会后1个月")


def test_a_tenant_may_count_a_rule_from_the_assignment_instead():
    """Where a rule is a per-tenant setting it stays one, with the document's value as the default."""
    p = effective(
        PolicyOverrides.model_validate(
            {"rules": {"meeting_plenary": {"period": {"unit": "months", "amount": 1}, "counted_from": "assignment"}}}
        )
    )
    d = compute(
        CAL,
        meeting("plenary", date(2026, 11, 2)),
        date(2026, 11, 5),
        has_co_units=False,
        requested_due_on=None,
        rules=p.rules,
    )
    assert d.due_on == date(2026, 12, 7)  # Nov 5 + 1 month = Sat Dec 5 → Monday
    assert p.rules["meeting_plenary"].satisfied_by == "feedback"  # the rest of the rule stays the document's


@pytest.mark.parametrize(
    "name, satisfied_by",
    [
        ("meeting_plenary", "feedback"),
        ("meeting_executive", "feedback"),
        ("meeting_topic", "feedback"),
        ("instruction_principal", "feedback"),
        ("instruction_deputy", "feedback"),
        ("one_unit", "feedback"),
        ("online_message", "completion"),
        ("document_single", "completion"),
        ("proposal", "completion"),
    ],
)
def test_what_meets_each_rule(name, satisfied_by):
    """Meetings and instructions ask for 「落实情况…反馈」 within the period, a report of where the work
    stands; online messages 「10个工作日内办结」, documents 「上报办理结果」, proposals 「答复」."""
    assert DEFAULT_RULES[name].satisfied_by == satisfied_by


def test_a_feedback_report_in_time_meets_the_period_and_the_next_is_due_a_month_later():
    """Bozhou: 「办理时限规定超过1个月的，由办理单位分月报告工作进展情况」; the ladder's first trigger is
    「逾期不报被催办1次」: late AND not reported. A unit that reported in time is not late."""
    basis = basis_for(
        meeting("executive", date(2026, 11, 2)), date(2026, 11, 3), has_co_units=False, requested_due_on=None
    )
    due = evaluate(CAL, basis).due_on
    assert due == date(2026, 11, 17)
    met = after_feedback(CAL, basis, due, date(2026, 11, 16), MONTH)
    d = evaluate(CAL, met)
    assert (d.due_on, d.rule) == (date(2026, 12, 17), "meeting_executive") and "2026-11-16" in d.note
    assert after_feedback(CAL, met, d.due_on, date(2026, 11, 17), MONTH) is None, (
        "a second report in the period already met"
    )
    again = after_feedback(CAL, met, d.due_on, date(2026, 12, 10), MONTH)
    assert evaluate(CAL, again).due_on == date(2027, 1, 18)  # Jan 17 2027 is a Sunday


def test_a_late_feedback_report_ends_the_lateness_and_the_next_month_runs_from_the_due_day():
    """「逾期不报」: once the unit reports it is no longer 不报; the monthly rhythm keeps its day."""
    basis = basis_for(
        meeting("executive", date(2026, 11, 2)), date(2026, 11, 3), has_co_units=False, requested_due_on=None
    )
    met = after_feedback(CAL, basis, date(2026, 11, 17), date(2026, 12, 18), MONTH)  # a month late
    assert evaluate(CAL, met).due_on == date(2027, 1, 18)


def test_a_progress_report_does_not_meet_a_completion_rule_or_a_requested_date():
    """Online messages 「10个工作日内办结」: only the completion meets it. An explicit date asked for is a
    date for the result."""
    msg = origin("online_message")
    basis = basis_for(msg, date(2026, 11, 2), has_co_units=False, requested_due_on=None)
    assert after_feedback(CAL, basis, date(2026, 11, 16), date(2026, 11, 10), MONTH) is None
    asked = basis_for(
        meeting("executive", date(2026, 11, 2)),
        date(2026, 11, 3),
        has_co_units=False,
        requested_due_on=date(2026, 12, 31),
    )
    assert after_feedback(CAL, asked, date(2026, 12, 31), date(2026, 11, 10), MONTH) is None


def test_a_returned_feedback_report_meets_nothing():
    """Issue: 「The office may judge a feedback report unsatisfactory (退回); that is a return for rework,
    not a report」: the period it met is due again on its own day."""
    basis = basis_for(
        meeting("executive", date(2026, 11, 2)), date(2026, 11, 3), has_co_units=False, requested_due_on=None
    )
    met = after_feedback(CAL, basis, date(2026, 11, 17), date(2026, 11, 16), MONTH)
    back = feedback_returned(met)
    d = evaluate(CAL, back)
    assert d.due_on == date(2026, 11, 17) and "退回" in d.note
    assert feedback_returned(basis) is None
    assert evaluate(CAL, after_feedback(CAL, back, d.due_on, date(2026, 11, 17), MONTH)).due_on == date(2026, 12, 17)


def test_a_stored_basis_without_the_new_fields_reads_as_before():
    """A deadline stored before rules said when they start keeps counting from the assignment, met by the completion."""
    old = {
        "start_on": "2026-11-03",
        "rule": "meeting_executive",
        "period": {"unit": "days", "amount": 15},
        "maximum": None,
        "requested_due_on": None,
        "beyond_maximum": "cap",
        "extended_to": None,
    }
    b = type(
        basis_for(meeting("executive", date(2026, 11, 2)), date(2026, 11, 3), has_co_units=False, requested_due_on=None)
    ).from_json(old)
    assert (b.rule.counted_from, b.rule.satisfied_by, evaluate(CAL, b).due_on) == (
        "assignment",
        "completion",
        date(2026, 11, 18),
    )


def test_a_special_bodys_notice_goes_out_within_three_working_days():
    """County notice: 「专门机构研究确定事项的分解交办须在会后…3个工作日内下达」 (the code had 2)."""
    from duban_deadline.domain import notice

    c = notice.check(CAL, meeting("special_body", date(2026, 11, 2)), date(2026, 11, 5))
    assert (c.limit_on, c.late) == (date(2026, 11, 5), False)
    assert notice.check(CAL, meeting("special_body", date(2026, 11, 2)), date(2026, 11, 6)).late_workdays == 1


def test_docs_rules_md_is_generated_from_the_code():
    """docs/rules.md: one table of every default rule with its document, counted_from and satisfied_by."""
    from duban_deadline import rules_doc

    assert rules_doc.DOCS.read_text(encoding="utf-8") == rules_doc.render(), (
        "regenerate: python -m duban_deadline.rules_doc"
    )
    assert set(rules_doc.SOURCES) == set(DEFAULT_RULES)


def test_the_county_rules_count_by_who_handles_the_item():
    """County rules: 「县政府办公室（含督查室）督办件，一般应在10个工作日内…；转交乡镇或部门的督办件…15个工作日…；
    由乡镇和部门协办的督办件…25个工作日」. A tenant on this scheme gets them for meetings and instructions
    too, co-units included; a matter handled by the office itself can be registered as such."""
    p = effective(PolicyOverrides.model_validate({"settings": {"rule_scheme": "by_handler"}}))
    start = date(2026, 11, 2)
    plain = meeting("executive", date(2026, 11, 2))
    office = plain.model_copy(update={"handled_by_office": True})

    def due(matter_origin, co_units: bool):
        return compute(
            CAL, matter_origin, start, has_co_units=co_units, requested_due_on=None, rules=p.rules, scheme=p.rule_scheme
        )

    assert [(due(o, co).rule, due(o, co).due_on) for o, co in ((office, False), (plain, False), (plain, True))] == [
        ("office_itself", date(2026, 11, 16)),
        ("one_unit", date(2026, 11, 23)),
        ("with_co_units", date(2026, 12, 7)),
    ]
    assert due(instruction("principal", start), True).rule == "with_co_units"
    msg = origin("online_message")
    assert due(msg, True).rule == "online_message"  # 「10个工作日内办结」 in either scheme
    assert (
        compute(CAL, plain, start, has_co_units=True, requested_due_on=None).rule == "meeting_executive"
    )  # the default scheme


def test_the_work_report_breakdown_goes_out_within_a_week_of_the_congress():
    """「《政府工作报告》任务分解方案须在县"两会"结束后1周内下发」: the import takes the day the congress
    closed, and the issuing limit is checked from it."""
    from duban_common.contracts import submissions as sub
    from duban_deadline.domain import notice
    from duban_intake.domain.model import drafts
    from duban_intake.domain.model import origin as origin_of
    from duban_intake.domain.work_report import to_data

    data, reasons = to_data(
        2026, {"task": "推进老旧小区改造", "lead_unit": "住建局"}, {"住建局": "zjj"}, date(2026, 1, 20)
    )
    assert not reasons and data["congress_closed_on"] == "2026-01-20"
    model = sub.WorkReportTask.model_validate(data)
    o = origin_of("work_report_task", "/import/work-report", "s", "e", model, drafts(model)[0])
    assert o.origin_on == date(2026, 1, 20)
    c = notice.check(CAL, o, date(2026, 1, 29))
    assert (c.limit_rule, c.limit_on, c.late, c.late_workdays) == ("work_report_task", date(2026, 1, 27), True, 2)


def test_each_reference_document_is_a_preset_and_a_tenant_changes_single_rules_over_it():
    """Issue §6: 「each of the reference documents becomes one preset …, and a tenant can then change any single rule」."""
    p = effective(
        PolicyOverrides.model_validate(
            {
                "preset": "county_rules",
                "settings": {"reminder_workdays": 3},
                "rules": {"one_unit": {"period": {"unit": "workdays", "amount": 12}}},
            }
        )
    )
    assert (p.rule_scheme, p.reminder_workdays, p.rules["one_unit"].period) == ("by_handler", 3, Period("workdays", 12))
    mine = effective(
        PolicyOverrides.model_validate({"preset": "county_rules", "settings": {"rule_scheme": "by_source"}})
    )
    assert mine.rule_scheme == "by_source"  # the tenant's own setting wins over its preset
    with pytest.raises(ValueError, match="unknown preset"):
        PolicyOverrides.model_validate({"preset": "nowhere"})


def test_the_county_rules_ladder_censures_in_the_special_report_then_publicly():
    """County rules: 「在《督查专报》上进行通报批评；通报批评后仍未办理的…公开通报批评」."""
    from duban_escalation.domain.ladder import ACTIONS, PRESETS

    ladder = PRESETS["county_rules"]
    assert [s.actions for s in ladder.steps] == [["censure_in_special_report"], ["public_censure"]]
    assert ACTIONS["public_censure"] == "公开通报批评"
