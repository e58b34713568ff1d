"""Tasking's pure rules: notice numbers, weighted roll-up, spot-check draws."""

from __future__ import annotations

import math

import pytest

from duban_tasking.domain.model import draw_sample, notice_number, rolled_up_progress


def test_notice_number_format():
    assert notice_number("assignment", 2026, 17) == "督办〔2026〕17号"


@pytest.mark.parametrize(
    "tasks,expected",
    [
        ([], (0, False)),
        ([(1, 0, False)], (0, False)),
        ([(1, 50, False)], (50, False)),
        ([(3, 100, False), (1, 0, False)], (75, False)),
        ([(1, 40, True), (1, 0, False)], (50, False)),  # a completed task counts as 100
        ([(2, 100, True), (1, 100, True)], (100, True)),  # done only when every task is
        ([(0.5, 20, False), (1.5, 60, False)], (50, False)),
    ],
)
def test_weighted_roll_up(tasks, expected):
    assert rolled_up_progress(tasks) == expected


@pytest.mark.parametrize("n,rate", [(1, 0.3), (10, 0.3), (11, 0.3), (1000, 0.3), (7, 0.5), (3, 1.0)])
def test_draw_takes_at_least_the_rate_reproducibly(n, rate):
    population = [f"t{i:04d}" for i in range(n)]
    first = draw_sample(population, rate, seed=42)
    assert len(first) == math.ceil(n * rate) and len(first) >= n * rate
    assert set(first) <= set(population) and len(set(first)) == len(first)
    assert draw_sample(list(reversed(population)), rate, seed=42) == first, "the recorded seed reproduces the draw"
