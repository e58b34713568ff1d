"""Reporting's pure rules: periods, the unit ranking with its admonition flags, the source label."""

from __future__ import annotations

from datetime import date

import pytest

from duban_reporting.domain import periods
from duban_reporting.domain.model import source_label
from duban_reporting.domain.statistics import Figures, admonitions, ranked


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026年"),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026年11月"),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
        ("2026-q4", date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
    ],
)
def test_periods(text, start, end, label):
    p = periods.parse(text)
    assert (p.start, p.end, p.label) == (start, end, label)


def test_custom_and_default_periods_and_refusals():
    p = periods.parse(None, date(2026, 11, 3), date(2026, 11, 9))
    assert (p.start, p.end, p.label) == (date(2026, 11, 3), date(2026, 11, 9), "2026-11-03至2026-11-09")
    assert periods.parse(None, today=date(2026, 11, 20)).label == "2026年第四季度"
    assert (
        p.starts_at.isoformat() == "2026-11-03T00:00:00+08:00"
        and p.ends_before.isoformat() == "2026-11-10T00:00:00+08:00"
    )
    for bad in (
        ("2026-13", None, None),
        ("2026-Q5", None, None),
        ("Q4", None, None),
        (None, date(2026, 11, 9), date(2026, 11, 3)),
        (None, date(2026, 11, 9), None),
        ("2026", date(2026, 1, 1), date(2026, 1, 2)),
    ):
        with pytest.raises(periods.PeriodError):
            periods.parse(*bad)


def figures(completed=0, on_time=0, overdue=0, days=None) -> Figures:
    f = Figures()
    f.add("completed", completed)
    f.add("completed_on_time", on_time)
    f.add("overdue", overdue)
    if days is not None:
        f.handling_days_total, f.handling_days_n = days * completed, completed
    return f


def test_ranking_and_admonition_flags():
    units = {
        "a": figures(completed=4, on_time=4, days=3),  # 100%, fast
        "b": figures(completed=2, on_time=2, days=8),  # 100%, slower: never flagged
        "c": figures(completed=4, on_time=3, overdue=1, days=5),
        "d": figures(completed=2, on_time=0, overdue=2, days=9),
        "e": figures(overdue=3),  # nothing completed, overdue: 0%
        "f": Figures(),  # nothing due nor closed: not ranked
    }
    order = ranked(units)
    assert order == ["a", "b", "c", "d", "e"]
    assert (
        units["c"].on_time_rate == 75.0 and units["e"].on_time_rate is None and units["a"].avg_handling_workdays == 3.0
    )
    assert admonitions(order, units, 3) == {"c", "d", "e"}
    assert admonitions(order, units, 4) == {"c", "d", "e"}  # b is flawless
    assert admonitions(order, units, 0) == set()
    assert units["a"].as_dict()["score"] == 100.0 and units["a"].as_dict()["urges"] == 0


def test_admonition_flags_a_transferred_unit_at_77_and_not_the_one_at_85():
    """The case that was wrong: ranked by on-time rate, the unit at 85 points sat at the bottom and was
    flagged, the unit at 77 with a transfer to the discipline body was not."""
    units = {
        "transferred": figures(
            completed=4, on_time=4, days=3
        ),  # everything on time now, but a case went to the discipline body
        "weak": figures(completed=2, on_time=1, overdue=1, days=9),
        "good": figures(completed=3, on_time=3, days=4),
    }
    units["transferred"].deductions, units["transferred"].counts["transfers"] = 23.0, 1
    units["weak"].deductions = 15.0
    order = ranked(units)
    assert (
        order[-1] == "weak"
        and units["transferred"].as_dict()["score"] == 77.0
        and units["weak"].as_dict()["score"] == 85.0
    )
    assert admonitions(order, units, 1) == {"transferred"}, "bottom 1 by score is the unit at 77"
    assert admonitions(order, units, 0) == {"transferred"}, "a transfer flags the unit whatever N is"
    assert admonitions(order, units, 2) == {"transferred", "weak"}


def test_admonition_flags_a_transfer_outside_the_ranking_and_outside_the_bottom():
    units = {
        "a": figures(completed=2, on_time=1, overdue=1, days=5),
        "b": figures(completed=2, on_time=1, days=4),
        "c": figures(completed=3, on_time=3, days=2),
        "unranked": Figures(),
    }
    units["a"].deductions, units["b"].deductions, units["c"].deductions = 10.0, 6.0, 2.0
    units["c"].counts["transfers"] = 1  # 98 points, first in the ranking
    units["unranked"].counts["transfers"] = 1  # nothing due nor closed in the period, but a transfer
    order = ranked(units)
    assert "unranked" not in order
    assert admonitions(order, units, 1) == {"a", "c", "unranked"}


def test_source_label():
    assert (
        source_label({"kind": "meeting_decision", "meeting_title": "县政府第12次常务会议", "decision_seq": 2})
        == "会议议定事项（县政府第12次常务会议第2项）"
    )
    assert source_label({"kind": "leader_instruction", "leader_name": "王县长"}) == "领导批示（王县长批示）"
    assert (
        source_label({"kind": "online_message", "citizen_name": "张*三", "citizen_phone": "139****5678"})
        == "网民留言（张*三 139****5678）"
    )
    assert source_label({"kind": "document", "external_id": "WJ-1"}) == "公文交办（WJ-1）"


def test_spot_check_satisfaction_rate():
    f = Figures()
    assert (f.spot_checks, f.satisfaction_rate, f.as_dict()["satisfaction_rate"]) == (0, None, None)
    f.add("spot_checks_satisfied", 2)
    f.add("spot_checks_not_satisfied", 1)
    d = f.as_dict()
    assert (d["spot_checks"], d["spot_checks_satisfied"], d["spot_checks_not_satisfied"], d["satisfaction_rate"]) == (
        3,
        2,
        1,
        66.7,
    )
    assert f.active and not f.counts["completed"], "spot checks alone make a unit appear in the statistics"
    assert Figures(counts={**Figures().counts, "spot_checks_not_satisfied": 4}).satisfaction_rate == 0.0
