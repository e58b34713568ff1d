"""The escalation ladder's reconciliation: what every overdue task is owed once it has been
urged N times (each urge, each rung, each bulletin, explanation demand, transfer and its
dossier, each deduction), against what was published on NATS. Facts are multisets keyed
by task, so a fact published twice and a fact nobody owed both count as doubled."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import nats

from duban_common.calendar import TZ
from duban_common.clock import SERVICES, read_now, set_shared_time
from duban_escalation.domain.ladder import DEFAULT_LADDER, Ladder, steps_reached

from .harness import Harness, read_subject


@dataclass(frozen=True)
class Stage:
    at: datetime  # the shared clock is moved here
    urges: int  # the urges every task overdue since the 2026-12-07 deadline has had by then
    reason: str  # why the last of them was given


# The climb of the default ladder (DESIGN.md §5), as tests/e2e/test_escalation_ladder.py drives it.
CLIMB = (
    Stage(datetime(2026, 12, 8, 10, 0, tzinfo=TZ), 1, "overdue"),  # past the deadline: urge 1, rung 1
    Stage(datetime(2026, 12, 15, 10, 0, tzinfo=TZ), 2, "overdue_again"),  # five working days on: urge 2, rung 2
    # the explanation limit passes on 12-18 (recorded, not an urge); five more working days on: urge 3, rung 3
    Stage(datetime(2026, 12, 22, 10, 0, tzinfo=TZ), 3, "overdue_again"),
)
# Past one more re-urge date (12-29): a task at the transfer rung must be urged no more.
AFTER_CLIMB = datetime(2026, 12, 31, 10, 0, tzinfo=TZ)


async def _move_clock(url: str, at: datetime, *, services: tuple[str, ...]) -> None:
    nc = await nats.connect(url)
    try:
        await set_shared_time(nc.jetstream(), at, services=services, timeout_s=120)
    finally:
        await nc.close()


def move_clock(h: Harness, at: datetime, *, wait: bool = True, services: tuple[str, ...] = SERVICES) -> None:
    """``wait``: until each of ``services`` has seen the new time (and fired what fell due); else return once it is set."""
    asyncio.run(_move_clock(h.nats_url, at, services=services if wait else ()))


def clock_now(h: Harness) -> datetime:
    async def run() -> datetime:
        nc = await nats.connect(h.nats_url)
        try:
            return (await read_now(nc.jetstream()))[0]
        finally:
            await nc.close()

    return asyncio.run(run())


@dataclass(frozen=True)
class Tally:
    """Facts owed against facts published."""

    expected: int
    seen: int  # owed facts published (once each at most)
    doubled: int  # publications beyond what was owed: repeats, and facts nobody owed
    missing: int

    def __str__(self) -> str:
        return f"{self.expected} expected, {self.seen} seen, doubled {self.doubled}, missing {self.missing}"


def tally(owed: Counter, published: Counter) -> Tally:
    return Tally(
        expected=sum(owed.values()),
        seen=sum(min(n, published[k]) for k, n in owed.items()),
        doubled=sum(max(n - owed[k], 0) for k, n in published.items()),
        missing=sum(max(n - published[k], 0) for k, n in owed.items()),
    )


def owed(task_id: str, reasons: list[str], ladder: Ladder = DEFAULT_LADDER) -> Counter:
    """What the ladder owes a task urged for ``reasons`` in turn, keyed like :func:`fact_key`."""
    out = Counter()
    for n, reason in enumerate(reasons, start=1):
        out[(task_id, "urged", n, reason)] += 1
        if ladder.urge_deduction:
            out[(task_id, "deducted", ladder.urge_deduction)] += 1
    for n, step in steps_reached(ladder, len(reasons), set()):
        out[(task_id, "step_taken", n)] += 1
        if step.deduction:
            out[(task_id, "deducted", step.deduction)] += 1
        for action in step.actions:  # an admonition publishes nothing of its own
            if action in ("bulletin_office", "bulletin_government"):
                out[
                    (
                        task_id,
                        "bulletined",
                        n,
                        "supervision_office" if action == "bulletin_office" else "government_office",
                    )
                ] += 1
            elif action == "explanation":
                out[(task_id, "explanation_required", n)] += 1
            # the transfer rung asks the office to assess the unit's explanation: nothing is published
            # until people decide (docs/decisions/0022-sign-off.md), so the ladder owes nothing more
    return out


def fact_key(event: dict) -> tuple:
    d, kind = event["data"], event["type"].split(".")[2]
    match kind:
        case "urged":
            return d["task_id"], kind, d["urge_no"], d["reason"]
        case "deducted":
            return d["task_id"], kind, d["points"]
        case "bulletined":
            return d["task_id"], kind, d["step"], d["issued_by"]
        case "step_taken" | "explanation_required":
            return d["task_id"], kind, d["step"]
        case "transferred":
            return d["task_id"], kind
        case _:  # anything else escalation says about the task is owed by nobody here
            return d["task_id"], kind, event["id"]


def escalation_events(h: Harness) -> list[dict]:
    return read_subject(h, "duban.ev.demo.escalation.>")


def published(h: Harness, task_ids: set[str]) -> Counter:
    """The escalation facts published about ``task_ids`` (and the dossiers sent for their cases)."""
    events = [e for e in escalation_events(h) if e["data"].get("task_id") in task_ids]
    out = Counter(fact_key(e) for e in events)
    case_task = {e["data"]["case_id"]: e["data"]["task_id"] for e in events if e["type"].split(".")[2] == "transferred"}
    for message in read_subject(h, "duban.out.demo.discipline.transfer"):
        dossier = message["data"]
        if dossier["case_id"] in case_task:
            out[(case_task[dossier["case_id"]], "dossier")] += 1
        elif any(t.get("task_id") in task_ids for t in dossier["tasks"]):
            out[(None, "dossier", dossier["case_id"])] += (
                1  # a dossier for one of our tasks without its escalation.transferred
            )
    return out


def urges_reached(h: Harness, task_ids: set[str], n: int) -> bool:
    """Every task has been urged at least ``n`` times (the rungs come in the same transaction)."""
    urged = {
        e["data"]["task_id"]
        for e in escalation_events(h)
        if e["type"].split(".")[2] == "urged" and e["data"]["urge_no"] >= n and e["data"]["task_id"] in task_ids
    }
    return urged >= task_ids


def urge_notices(h: Harness, task_ids: set[str]) -> Counter:
    """(task id, unit) → the urge SMS requested for the task's units (its lead unit; copies are keyed alike)."""
    return Counter(
        (n["data"]["ref"]["task_id"], n["data"]["recipient"]["unit"])
        for n in read_subject(h, "duban.out.demo.notification.sms")
        if n["data"]["template"] == "urge" and n["data"]["ref"]["task_id"] in task_ids
    )
