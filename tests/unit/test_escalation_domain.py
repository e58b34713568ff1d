"""Escalation's pure rules: the ladder, and when an SMS may go out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from duban_common.calendar import TZ, WorkCalendar
from duban_escalation.domain.ladder import DEFAULT_LADDER, Ladder, steps_reached
from duban_escalation.domain.quiet_hours import send_at


@pytest.mark.parametrize(
    "urges,taken,trigger,expected",
    [
        (0, set(), None, []),
        (1, set(), None, [1]),
        (2, set(), None, [1, 2]),
        (2, {1}, None, [2]),
        (3, {1, 2}, None, [3]),
        (5, {1, 2, 3}, None, []),
        (1, {1}, "rectification_unmet", [2]),
        (0, set(), "rectification_unmet", [2]),
    ],
)
def test_default_ladder_rungs(urges, taken, trigger, expected):
    assert [n for n, _ in steps_reached(DEFAULT_LADDER, urges, taken, trigger)] == expected


def test_default_ladder_is_two_bulletins_one_transfer():
    assert [s.actions for s in DEFAULT_LADDER.steps] == [
        ["bulletin_office"],
        ["bulletin_government", "explanation"],
        ["transfer"],
    ]


@pytest.mark.parametrize(
    "steps,message",
    [
        (
            [{"at_urges": 2, "actions": ["bulletin_office"]}, {"at_urges": 1, "actions": ["transfer"]}],
            "strictly increasing",
        ),
        (
            [{"at_urges": 1, "actions": ["transfer"]}, {"at_urges": 2, "actions": ["bulletin_office"]}],
            "only the last step",
        ),
        ([{"at_urges": 1, "actions": ["fire_everyone"]}], "unknown actions"),
        ([], "at least 1"),
    ],
)
def test_invalid_ladders_are_refused_with_the_reason(steps, message):
    with pytest.raises(ValidationError, match=message):
        Ladder.model_validate({"steps": steps})


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(timezone.utc)


@pytest.mark.parametrize(
    "now,expected",
    [
        (local(2026, 11, 23, 10), local(2026, 11, 23, 10)),  # Monday morning: at once
        (local(2026, 11, 23, 20, 59), local(2026, 11, 23, 20, 59)),
        (local(2026, 11, 23, 21), local(2026, 11, 24, 9)),  # 21:00: next working morning
        (local(2026, 11, 20, 23), local(2026, 11, 23, 9)),  # Friday 23:00 → Monday 09:00
        (local(2026, 11, 24, 6), local(2026, 11, 24, 9)),  # early morning of a working day → 09:00 that day
        (local(2026, 9, 30, 22), local(2026, 10, 8, 9)),  # eve of the National Day holiday (Oct 1–7) → Oct 8
        (local(2026, 10, 9, 22), local(2026, 10, 10, 9)),  # Saturday 2026-10-10 is a swapped working day
    ],
)
def test_sms_quiet_hours(now, expected):
    cal = WorkCalendar()
    assert send_at("sms", now, cal) == expected
    assert send_at("mail", now, cal) == now and send_at("webhook", now, cal) == now
