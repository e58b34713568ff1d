"""Timers, lights, extensions and the office's own notice limit: the pure rules of the deadline
service, on the real 2026 calendar (see test_deadline_rules.py for the dates that matter)."""

from datetime import date, datetime, time, timezone

import pytest
from pydantic import ValidationError

from duban_common.calendar import TZ, WorkCalendar
from duban_common.contracts.events import MatterOrigin
from duban_deadline.domain import extensions, notice
from duban_deadline.domain import timers as timer_rules
from duban_deadline.domain.lights import light
from duban_deadline.domain.settings import PolicyOverrides, TenantPolicy, effective

CAL = WorkCalendar()
P = TenantPolicy()


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(timezone.utc)


REMINDERS = [
    # (due day, reminder at, Asia/Shanghai): 2 working days before, 09:00, never on a holiday
    (date(2026, 12, 7), at(2026, 12, 3)),
    (date(2026, 10, 8), at(2026, 9, 29)),  # back over National Day
    (date(2026, 10, 12), at(2026, 10, 9)),  # the swapped Saturday Oct 10 counts
    (date(2026, 2, 24), at(2026, 2, 13)),  # back over the Spring Festival and the worked Saturday Feb 14
    (date(2026, 3, 2), at(2026, 2, 27)),  # Sunday Mar 1 does not count, Saturday Feb 28 does
]


@pytest.mark.parametrize("due_on, expected", REMINDERS)
def test_reminder_two_working_days_before_at_nine(due_on, expected):
    r = timer_rules.reminder_at(CAL, due_on, P)
    assert r == expected
    assert CAL.is_workday(r.astimezone(TZ).date()) and r.astimezone(TZ).time() == time(9, 0)


def test_timers_of_a_new_executive_meeting_task():
    assigned = at(2026, 11, 20)
    assert timer_rules.assignment_timers(CAL, assigned, P) == [
        timer_rules.Planned("acknowledgement", at(2026, 11, 23, 17, 30), ref_on=date(2026, 11, 23)),
        timer_rules.Planned("decline", at(2026, 11, 24, 17, 30), ref_on=date(2026, 11, 24)),
    ]
    planned = timer_rules.deadline_timers(
        CAL, date(2026, 11, 20), date(2026, 12, 7), at(2026, 12, 7, 17, 30), P, assigned
    )
    assert [(t.kind, t.due_at) for t in planned] == [
        ("reminder", at(2026, 12, 3)),
        ("overdue", at(2026, 12, 7, 17, 30)),
    ]


def test_sign_for_and_decline_limits_skip_holidays():
    planned = timer_rules.assignment_timers(CAL, at(2026, 9, 30, 16, 0), P)
    assert [t.ref_on for t in planned] == [date(2026, 10, 8), date(2026, 10, 9)]
    assert timer_rules.assignment_timers(CAL, at(2026, 10, 10), P)[0].ref_on == date(2026, 10, 12)


def test_monthly_progress_reports_for_a_task_longer_than_a_month():
    # 3-month proposal from Jul 1: Aug 1 is a Saturday (→ Aug 3), Sep 1; Oct 1 rolls to the due day itself: none
    assert timer_rules.progress_days(CAL, date(2026, 7, 1), date(2026, 10, 8)) == [date(2026, 8, 3), date(2026, 9, 1)]
    assert timer_rules.progress_days(CAL, date(2026, 11, 20), date(2026, 12, 7)) == []
    planned = timer_rules.deadline_timers(
        CAL, date(2026, 7, 1), date(2026, 10, 8), at(2026, 10, 8, 17, 30), P, at(2026, 7, 1)
    )
    assert [(t.kind, t.seq, t.due_at) for t in planned if t.kind == "progress"] == [
        ("progress", 1, at(2026, 8, 3)),
        ("progress", 2, at(2026, 9, 1)),
    ]
    no_reports = TenantPolicy(progress_reports_monthly=False)
    assert not [
        t
        for t in timer_rules.deadline_timers(
            CAL, date(2026, 7, 1), date(2026, 10, 8), at(2026, 10, 8, 17, 30), no_reports, at(2026, 7, 1)
        )
        if t.kind == "progress"
    ]


def test_a_deadline_set_inside_the_reminder_window_gets_no_reminder_but_always_an_overdue_timer():
    planned = timer_rules.deadline_timers(
        CAL, date(2026, 12, 3), date(2026, 12, 4), at(2026, 12, 4, 17, 30), P, at(2026, 12, 3, 10, 0)
    )
    assert [t.kind for t in planned] == ["overdue"]
    past = timer_rules.deadline_timers(
        CAL, date(2026, 11, 1), date(2026, 11, 20), at(2026, 11, 20, 17, 30), P, at(2026, 11, 25)
    )
    assert [t.kind for t in past] == ["overdue"]  # fires at once: the task is late


def test_planned_keys_identify_a_timer_across_replanning():
    assert (
        timer_rules.Planned("progress", at(2026, 8, 3), seq=1, ref_on=date(2026, 8, 3)).key
        == timer_rules.Planned("progress", at(2026, 8, 4), seq=1).key
    )
    assert (
        timer_rules.Planned("overdue", at(2026, 12, 7), ref_on=date(2026, 12, 7)).key
        != timer_rules.Planned("overdue", at(2026, 12, 8), ref_on=date(2026, 12, 8)).key
    )


DUE = at(2026, 10, 12, 17, 30)
DISPOSITIONS = [
    # (kind, now, expected action, deferred to)
    ("reminder", at(2026, 10, 9, 9, 0), "fire", None),  # on time
    ("reminder", at(2026, 10, 9, 17, 30), "fire", None),  # still working hours
    (
        "reminder",
        at(2026, 10, 9, 22, 0),
        "defer",
        at(2026, 10, 10),
    ),  # the service was down: next morning, a worked Saturday
    ("reminder", at(2026, 10, 10, 6, 0), "defer", at(2026, 10, 10)),  # early morning: same day 09:00
    ("reminder", at(2026, 10, 11, 10, 0), "defer", at(2026, 10, 12)),  # ordinary Sunday: Monday morning
    ("reminder", at(2026, 10, 12, 18, 0), "skip", None),  # the deadline passed: overdue says it all
    ("progress", at(2026, 10, 3, 10, 0), "defer", at(2026, 10, 8)),  # a holiday: first working day after
    ("overdue", at(2026, 10, 3, 23, 0), "fire", None),  # facts are not delivered to people: fire
    ("acknowledgement", at(2026, 10, 11, 3, 0), "fire", None),
]


@pytest.mark.parametrize("kind, now, action, to", DISPOSITIONS)
def test_prompts_are_delivered_only_in_working_hours_of_working_days(kind, now, action, to):
    d = timer_rules.disposition(kind, now, CAL, P, DUE)
    assert (d.action, d.at) == (action, to)


def test_a_reminder_with_no_slot_left_before_the_deadline_is_skipped():
    early_due = at(2026, 10, 12, 8, 30)  # a tenant whose tasks are due before the morning slot
    assert timer_rules.disposition("reminder", at(2026, 10, 11, 10, 0), CAL, P, early_due).action == "skip"


LIGHTS = [
    # (now, status, light) for a task due Mon Dec 7 2026 17:30, yellow 2 working days before
    (at(2026, 12, 2, 23, 59), "open", "green"),
    (at(2026, 12, 3, 0, 0), "open", "yellow"),
    (at(2026, 12, 7, 17, 29), "open", "yellow"),
    (at(2026, 12, 7, 17, 30), "open", "red"),
    (at(2026, 12, 9), "declined", "red"),
    (at(2026, 12, 9), "completed", "green"),
    (at(2026, 12, 9), "completion_submitted", "green"),
]


@pytest.mark.parametrize("now, status, expected", LIGHTS)
def test_status_light(now, status, expected):
    assert light(CAL, status, date(2026, 12, 7), at(2026, 12, 7, 17, 30), now, 2) == expected


def test_light_thresholds_are_tenant_settings_and_skip_holidays():
    due_on, due_at = date(2026, 10, 8), at(2026, 10, 8, 17, 30)
    assert light(CAL, "open", due_on, due_at, at(2026, 9, 28), 2) == "green"
    assert light(CAL, "open", due_on, due_at, at(2026, 9, 29), 2) == "yellow"
    assert light(CAL, "open", due_on, due_at, at(2026, 9, 29), 1) == "green"
    assert light(CAL, "open", due_on, due_at, at(2026, 10, 3), 1) == "yellow"
    # 5 working days before Oct 8: Sep 30, 29, 28, (Mid-Autumn Sep 25-27), 24, 23
    assert light(CAL, "open", due_on, due_at, at(2026, 9, 22), 5) == "green"
    assert light(CAL, "open", due_on, due_at, at(2026, 9, 23), 5) == "yellow"


def test_extension_request_rules():
    ok = dict(
        now=at(2026, 12, 1),
        status="open",
        due_on=date(2026, 12, 7),
        due_at=at(2026, 12, 7, 17, 30),
        requested_on=date(2026, 12, 21),
        cap_on=None,
        pending=False,
    )
    extensions.check_request(**ok)
    for change, field in [
        ({"now": at(2026, 12, 7, 17, 30)}, None),
        ({"status": "completed"}, None),
        ({"pending": True}, None),
        ({"requested_on": date(2026, 12, 7)}, "requested_due_on"),
        ({"cap_on": date(2026, 12, 18)}, "requested_due_on"),
    ]:
        with pytest.raises(extensions.Refused) as e:
            extensions.check_request(**{**ok, **change})
        assert e.value.field == field and e.value.message


def test_extension_decision_rules():
    ok = dict(
        request_status="pending",
        approved=True,
        reason=None,
        granted_on=None,
        current_due_on=date(2026, 12, 7),
        cap_on=None,
    )
    extensions.check_decision(**ok)
    extensions.check_decision(**{**ok, "granted_on": date(2026, 12, 14)})
    for change, field in [
        ({"request_status": "approved"}, None),
        ({"approved": False}, "reason"),
        ({"approved": False, "reason": "  "}, "reason"),
        ({"granted_on": date(2026, 12, 4)}, "due_on"),
        ({"approved": False, "reason": "理由不充分", "granted_on": date(2026, 12, 14)}, "due_on"),
        ({"granted_on": date(2026, 12, 14), "cap_on": date(2026, 12, 10)}, "due_on"),
    ]:
        with pytest.raises(extensions.Refused) as e:
            extensions.check_decision(**{**ok, **change})
        assert e.value.field == field


def origin(kind, **kw) -> MatterOrigin:
    return MatterOrigin(kind=kind, source="/p", submission_id="S", external_id="E", **kw)


def notice_case(matter_origin: MatterOrigin, issued: str, limit: str, late: int) -> tuple:
    return matter_origin, date.fromisoformat(issued), date.fromisoformat(limit), late


NOTICES = [
    # (origin, issued on, limit day, late working days)
    notice_case(
        origin("meeting_decision", meeting_type="executive", origin_on="2026-11-20"), "2026-11-25", "2026-11-25", 0
    ),
    notice_case(
        origin("meeting_decision", meeting_type="executive", origin_on="2026-11-20"), "2026-11-26", "2026-11-25", 1
    ),
    notice_case(
        origin("meeting_decision", meeting_type="topic", origin_on="2026-09-29"), "2026-10-09", "2026-10-08", 1
    ),
    notice_case(
        origin("leader_instruction", leader_role="principal", origin_on="2026-09-30"), "2026-10-10", "2026-10-08", 2
    ),
    # issued on a Saturday
    notice_case(
        origin("leader_instruction", leader_role="deputy", origin_on="2026-11-19"), "2026-11-21", "2026-11-20", 1
    ),
    # a week after the congress
    notice_case(origin("work_report_task", origin_on="2026-03-05"), "2026-03-20", "2026-03-12", 6),
]


@pytest.mark.parametrize("o, issued, limit, late", NOTICES)
def test_the_office_issuing_the_notice_late_is_shown(o, issued, limit, late):
    c = notice.check(CAL, o, issued)
    assert (c.limit_on, c.late_workdays, c.late) == (limit, late, late > 0)
    if late:
        assert f"迟 {late} 个工作日" in c.note


def test_no_notice_limit_for_other_kinds_or_without_an_origin_day():
    assert notice.check(CAL, origin("online_message", origin_on=date(2026, 11, 20)), date(2026, 12, 20)) is None
    assert notice.check(CAL, origin("work_report_task"), date(2026, 12, 20)) is None


def test_policy_overrides_are_checked_and_merged_over_the_defaults():
    o = PolicyOverrides.model_validate(
        {
            "rules": {"online_message": {"period": {"unit": "workdays", "amount": 5}}},
            "settings": {"reminder_workdays": 3, "beyond_maximum": "refuse"},
        }
    )
    p = effective(o, default_due_time=time(18, 0))
    assert p.rules["online_message"].period.amount == 5 and p.rules["one_unit"].period.amount == 15
    assert (p.reminder_workdays, p.yellow_workdays, p.due_time, p.beyond_maximum) == (3, 3, time(18, 0), "refuse")
    for bad, where in [
        ({"rules": {"no_such_rule": {"period": {"unit": "days", "amount": 1}}}}, "no_such_rule"),
        ({"rules": {"one_unit": {"period": {"unit": "fortnights", "amount": 1}}}}, "unit"),
        ({"rules": {"one_unit": {"period": {"unit": "days", "amount": 0}}}}, "amount"),
        ({"settings": {"reminder_time": "18:00", "due_time": "17:00"}}, "reminder_time"),
        ({"settings": {"yellow": 3}}, "yellow"),
        # a UTC offset: found by fuzzing, it compared with the other time and failed (500)
        ({"settings": {"due_time": "14:45:01-07:22"}}, "(?s)due_time.*without a UTC offset"),
        ({"settings": {"reminder_time": "09:00+08:00"}}, "(?s)reminder_time.*without a UTC offset"),
    ]:
        with pytest.raises(ValidationError, match=where):
            PolicyOverrides.model_validate(bad)
