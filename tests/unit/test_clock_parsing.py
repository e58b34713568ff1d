"""Durations and instants as people type them, and the fixed clock for tests (STYLE.md 9)."""

from datetime import datetime, timedelta, timezone

import pytest

from duban_common.clock import FixedClock, parse_duration, parse_instant

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3d", timedelta(days=3)),
        ("36h", timedelta(hours=36)),
        ("1w2d", timedelta(days=9)),
        ("90m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("1d12h30m", timedelta(days=1, hours=12, minutes=30)),
        ("1.5h", timedelta(minutes=90)),
        ("  2D ", timedelta(days=2)),
        ("0d", timedelta(0)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "3", "d", "3x", "3 d", "-3d", "3d-1h", "1w 2d", "3dd", "abc", "3d!", "P3D"]
)
def test_parse_duration_refuses_what_it_does_not_understand(text):
    with pytest.raises(ValueError) as e:
        parse_duration(text)
    message = str(e.value)
    assert repr(text) in message  # names what was given
    assert "3d" in message and "1w2d" in message  # and shows how to write it


def test_parse_instant_without_offset_is_asia_shanghai():
    assert parse_instant("2026-11-20T09:30:00") == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    assert parse_instant("2026-10-01") == datetime(2026, 9, 30, 16, 0, tzinfo=timezone.utc)


def test_parse_instant_keeps_an_explicit_offset_and_returns_utc():
    at = parse_instant("2026-11-20T09:30:00+08:00")
    assert at == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    assert at.utcoffset() == timedelta(0)
    assert parse_instant("2026-11-20T01:30:00Z") == at
    assert parse_instant("2026-11-20T01:30:00+00:00") == at
    assert parse_instant("2026-11-19T20:30:00-05:00") == at


def test_parse_instant_refuses_garbage():
    with pytest.raises(ValueError):
        parse_instant("next tuesday")


def test_fixed_clock_stands_still_until_moved():
    clock = FixedClock(datetime(2026, 9, 30, 17, 0, tzinfo=CST))
    assert clock.now() == datetime(2026, 9, 30, 9, 0, tzinfo=timezone.utc)
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.now() == clock.now()
    clock.advance(timedelta(days=8))
    assert clock.now() == datetime(2026, 10, 8, 9, 0, tzinfo=timezone.utc)
    clock.set(datetime(2026, 12, 28, 8, 0, tzinfo=CST))
    assert clock.now() == datetime(2026, 12, 28, 0, 0, tzinfo=timezone.utc)
    assert clock.now().tzinfo == timezone.utc


@pytest.mark.parametrize("text", ["1000000000d", "9" * 400 + "s"])
def test_parse_duration_refuses_a_duration_too_long_with_a_value_error(text):
    with pytest.raises(ValueError, match="too long"):
        parse_duration(text)


def test_fixed_clock_refuses_a_naive_datetime():
    # Read in the host's zone, a naive time would make a test depend on the machine running it.
    with pytest.raises(ValueError, match="time zone"):
        FixedClock(datetime(2026, 9, 30, 9, 0))
    clock = FixedClock(datetime(2026, 9, 30, 9, 0, tzinfo=timezone.utc))
    with pytest.raises(ValueError, match="time zone"):
        clock.set(datetime(2026, 10, 8, 9, 0))
    assert clock.now() == datetime(2026, 9, 30, 9, 0, tzinfo=timezone.utc)
