"""The short fault suite: the same scenarios as ``python -m tests.fault --long``,
at the short scale, on real processes. Lost 0, doubled 0, every poison message dead-lettered
with a reason, no consumer left with a backlog, no service left dead.

The SQLite scenarios share one system (starting five services costs more than most
scenarios); the PostgreSQL restart (test_fault_postgres.py, a file of its own so that the
second pytest-xdist worker runs it alongside) has a system of its own on a private cluster.
Each test writes its numbers to ``fault-report.md`` in its tmp folder; docs/reliability.md
is only ever written by the long run.
"""

from __future__ import annotations

import pytest

from .conftest import check
from .scenarios import (
    SHORT,
    poison_mixed_in,
    publish_three_times,
    restart_nats,
    sigkill_services,
    tasking_down_while_the_ladder_climbs,
)

pytestmark = pytest.mark.e2e


def test_sigkill_each_service_during_a_load(sqlite_system, tmp_path, rng):
    rows = sigkill_services(sqlite_system, SHORT, rng)
    check(rows, tmp_path, sqlite_system)
    assert sum(sp.restarts for sp in sqlite_system.system.services.values()) >= 5 * SHORT.kills_per_service
    # and then every escalation step once: each overdue task urged three times, up the ladder to the transfer
    [steps] = [r.tallies["escalation steps"] for r in rows if "escalation steps" in r.tallies]
    assert steps.expected >= SHORT.kill_load * 3, steps  # urges, rungs, bulletins, explanation, transfer, deductions
    assert (steps.seen, steps.doubled, steps.missing) == (steps.expected, 0, 0), steps


def test_nats_restart_idle_and_busy_consumers_resume_by_themselves(sqlite_system, tmp_path):
    check(restart_nats(sqlite_system, SHORT), tmp_path, sqlite_system)


def test_every_submission_published_three_times_is_one_matter(sqlite_system, tmp_path, rng):
    check(publish_three_times(sqlite_system, SHORT, rng), tmp_path, sqlite_system)


def test_poison_is_dead_lettered_with_a_reason_and_good_ones_flow(sqlite_system, tmp_path, rng):
    rows = poison_mixed_in(sqlite_system, SHORT, rng)
    check(rows, tmp_path, sqlite_system)
    assert sum(r.dead_lettered for r in rows) == SHORT.poison_bad
    assert [r.matters for r in rows] == [SHORT.poison_good, 0]
    assert (
        "8 of 8 cut dead letters lead back" in rows[1].notes
    )  # kinds 7-10, each twice: kept in part, whole by reference


def test_with_tasking_down_the_ladder_climbs_and_each_unit_is_urged(sqlite_system, tmp_path):
    rows = tasking_down_while_the_ladder_climbs(sqlite_system, SHORT)
    check(rows, tmp_path, sqlite_system)
    [row] = rows
    sms, steps = row.tallies["urge SMS"], row.tallies["escalation steps"]
    assert sms.expected == SHORT.tasking_down_load * 3 and (sms.seen, sms.doubled, sms.missing) == (
        sms.expected,
        0,
        0,
    ), sms
    assert (steps.seen, steps.doubled, steps.missing) == (steps.expected, 0, 0), steps
