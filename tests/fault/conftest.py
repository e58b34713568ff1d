"""Fixtures of the short fault suite: a system per module, at the short scale."""

from __future__ import annotations

import random

import pytest

from .harness import Harness
from .scenarios import SHORT, Row


@pytest.fixture(scope="module")
def sqlite_system(tmp_path_factory):
    with Harness(tmp_path_factory.mktemp("fault-sqlite"), "sqlite", SHORT.env) as h:
        yield h


@pytest.fixture(scope="module")
def postgres_system(tmp_path_factory):
    with Harness(tmp_path_factory.mktemp("fault-postgresql"), "postgresql", SHORT.env) as h:
        yield h


@pytest.fixture
def rng() -> random.Random:
    seed = random.randrange(1 << 30)
    print(f"random seed {seed}")  # shown with a failure: the kill schedule can be replayed
    return random.Random(seed)


def check(rows: list[Row], tmp_path, h: Harness) -> None:
    """Lost 0, doubled 0, nothing stuck; the numbers go to ``fault-report.md`` in the test's tmp folder."""
    (tmp_path / "fault-report.md").write_text(
        "\n".join(
            f"{r.fault} | {r.backend} | {r.load} | submissions {r.submissions} | accepted {r.accepted} | matters {r.matters} | "
            f"lost {r.lost} | doubled {r.doubled} | dead-lettered {r.dead_lettered} | {r.duration_s:.0f} s | {r.notes}"
            for r in rows
        )
        + "\n"
    )
    for r in rows:
        tails = (
            "\n".join(f"--- {name} ---\n{h.log_tail(name)}" for name in h.system.services)
            if r.problems or r.lost
            else ""
        )
        assert (r.lost, r.doubled, r.problems) == (0, 0, []), f"{r.fault}: {r}\n{tails}"
        assert r.matters == r.accepted == r.submissions - r.dead_lettered, r
