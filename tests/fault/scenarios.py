"""The fault scenarios. Each takes a running :class:`Harness`, puts a bounded load
on it, breaks something on purpose while the load flows, reconciles, and returns rows for
the reliability report. The scale (short for the test suite, long for docs/reliability.md)
is the only difference between the two runs."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import nats

from duban_cli.embedded import SERVICES
from duban_common.calendar import TZ
from duban_common.contracts.dead_letters import fetch_original
from e2e_support import LEADS, meeting_decision, set_clock

from .harness import (
    Harness,
    Load,
    LoadResult,
    Message,
    consumer_backlog,
    dead_letters,
    deadline_events,
    exit_reason,
    reconcile_when_settled,
    settle,
)
from .ladder import (
    AFTER_CLIMB,
    CLIMB,
    Tally,
    clock_now,
    move_clock,
    owed,
    published,
    tally,
    urge_notices,
    urges_reached,
)

REMINDER_TIME = datetime(
    2026, 12, 3, 9, 0, tzinfo=TZ
)  # two working days before the 2026-12-07 deadline of START's meetings


@dataclass(frozen=True)
class Scale:
    name: str
    kills_per_service: int  # SIGKILLs of each of the five services during one load
    kill_load: int  # submissions during the SIGKILL storm
    nats_load: int  # submissions around each NATS restart
    pg_load: int
    pg_restarts: int
    duplicate_load: int  # submissions, each published three times
    poison_good: int
    poison_bad: int
    settle_s: float  # how long the system may take to drain after the load
    env: dict[str, str] = field(default_factory=dict)  # service settings for this scale
    climb_kills: int = 1  # SIGKILLs of escalation at each rung of the ladder climb
    tasking_down_load: int = 20  # meeting decisions whose tasks climb the ladder while tasking is stopped


# The short scale runs in CI on two cores in about three minutes. Its one departure from the
# production settings: ack_wait 10 s instead of 30 s, so that what a killed broker or service
# held unacknowledged comes back within the test's budget (the long scale keeps 30 s).
SHORT = Scale(
    "short",
    kills_per_service=1,
    kill_load=40,
    nats_load=20,
    pg_load=40,
    pg_restarts=2,
    duplicate_load=30,
    poison_good=120,
    poison_bad=24,
    settle_s=120,
    env={"DUBAN_ACK_WAIT_S": "10"},
)
# The numbers: 10 SIGKILLs of each service during one load, 1,000 poison messages mixed
# into 10,000 good ones. A restarted service is ready again in 3-5 s on two cores, since its
# bytecode is compiled at install (duban.sh); a poison message costs its whole fetch a second,
# one-by-one pass.
LONG = Scale(
    "long",
    kills_per_service=10,
    kill_load=500,
    nats_load=100,
    pg_load=200,
    pg_restarts=4,
    duplicate_load=200,
    poison_good=10_000,
    poison_bad=1000,
    settle_s=1800,
    climb_kills=2,
    tasking_down_load=200,
)


@dataclass
class Row:
    fault: str
    backend: str
    load: str
    submissions: int
    accepted: int
    matters: int
    lost: int
    doubled: int
    dead_lettered: int = 0
    duration_s: float = 0.0
    notes: str = ""
    problems: list[str] = field(
        default_factory=list
    )  # anything else that went wrong (a service died, a consumer stalled)
    task_ids: dict[str, str] = field(default_factory=dict, repr=False)  # for the timer check that may follow
    tallies: dict[str, Tally] = field(default_factory=dict)  # facts owed against facts published (the ladder climb)


def run_id() -> str:
    return uuid.uuid4().hex[:6]


def good(prefix: str, n: int) -> list[Message]:
    out = []
    for i in range(n):
        env = meeting_decision(f"{prefix}{i:05d}", decisions=1)
        out.append(
            Message(
                "duban.in.demo.meeting_decision", json.dumps(env, ensure_ascii=False).encode(), env["id"], env["id"]
            )
        )
    return out


@dataclass
class Attempt:
    """One scenario's load of meeting decisions, their external ids under ``prefix``, timed from
    when the attempt is made."""

    h: Harness
    scale: Scale
    prefix: str
    started: float = field(default_factory=time.monotonic)

    def row(self, fault: str, load: str, submissions: int, result: LoadResult, notes: str = "") -> Row:
        """The report's row once what the load got accepted is reconciled against the ledger and tasking."""
        rec = reconcile_when_settled(self.h, self.prefix, result.acked, self.scale.settle_s)
        row = Row(
            fault,
            self.h.backend,
            load,
            submissions,
            len(result.acked),
            rec.matters,
            rec.lost,
            rec.doubled,
            duration_s=time.monotonic() - self.started,
            notes=notes,
        )
        row.task_ids = rec.task_ids
        _check_health(self.h, row, result.error)
        return row


def _check_health(h: Harness, row: Row, load_error: str | None = None) -> None:
    if load_error:
        row.problems.append(f"publisher: {load_error}")
    dead = h.dead_services()
    if dead:
        row.problems.append(f"services not running: {', '.join(dead)}")
    backlog = consumer_backlog(h)
    if backlog:
        row.problems.append(f"consumers not drained (pending, ack pending): {backlog}")


# --- 1. SIGKILL every service, N times, at random moments -----------------------------------


def sigkill_services(h: Harness, scale: Scale, rng: random.Random | None = None) -> list[Row]:
    rng = rng or random.Random()
    prefix = f"fk-{run_id()}-"
    messages = good(prefix, scale.kill_load)
    victims = [name for name in SERVICES for _ in range(scale.kills_per_service)]
    rng.shuffle(victims)
    attempt = Attempt(h, scale, prefix)
    # Spread the publishing over roughly the time the kills take (each restart waits for /readyz).
    load = Load(h.nats_url, messages, duration_s=1.0 * len(victims) + 5).start()
    for name in victims:
        time.sleep(rng.uniform(0.1, 1.5))
        sp = h.system.services[name]
        sp.wait_ready()  # killed before: back at work before it is killed again (the others restart meanwhile)
        sp.kill()  # SIGKILL: mid-transaction, mid-ack, mid-publish, wherever it is
        sp.start()
        sp.restarts += 1
    for sp in h.system.services.values():
        sp.wait_ready()
    result = load.join()
    notes = f"{len(victims)} SIGKILLs ({scale.kills_per_service} per service), publisher retries {result.retries}"
    described = f"{scale.kill_load} meeting decisions, {len(victims)} kills"
    rows = [attempt.row("SIGKILL each service during the load", described, len(messages), result, notes)]
    rows.append(timers_fire_once(h, rows[0].task_ids, scale))
    rows.append(ladder_climbs_once(h, rows[0].task_ids, scale, rng))
    return rows


def timers_fire_once(h: Harness, task_ids: dict[str, str], scale: Scale) -> Row:
    """Move the shared clock to the reminder day and SIGKILL the deadline service while its
    timers fire: each task gets its deadline.set and its reminder exactly once."""
    started = time.monotonic()
    expected = set(task_ids.values())
    asyncio.run(set_clock(h.nats_url, REMINDER_TIME))
    deadline = h.system.services["deadline"]
    time.sleep(0.3)
    deadline.kill()
    deadline.start()
    deadline.restarts += 1
    deadline.wait_ready()
    reminders = settle(
        lambda: (lambda c: c if expected <= set(c) else None)(deadline_events(h, "reminder")), scale.settle_s
    ) or deadline_events(h, "reminder")
    settle(lambda: not consumer_backlog(h), 60)
    reminders = deadline_events(h, "reminder")
    sets = deadline_events(h, "set")
    lost = len(expected - set(reminders)) + len(expected - set(sets))
    doubled = sum(reminders[t] - 1 for t in expected if reminders[t] > 1) + sum(
        sets[t] - 1 for t in expected if sets[t] > 1
    )
    row = Row(
        "SIGKILL deadline while its timers fire",
        h.backend,
        f"{len(expected)} tasks × (deadline.set + reminder)",
        len(expected),
        len(expected),
        sum(1 for t in expected if reminders[t]),
        lost,
        doubled,
        duration_s=time.monotonic() - started,
        notes="matters = tasks whose reminder fired; lost/doubled count timers",
    )
    _check_health(h, row)
    return row


def ladder_climbs_once(h: Harness, task_ids: dict[str, str], scale: Scale, rng: random.Random) -> Row:
    """Move the shared clock past the tasks' deadline rung by rung (:data:`ladder.CLIMB`), so
    that every task climbs the default ladder up to the transfer rung, and SIGKILL deadline while
    its overdue timers fire and escalation while it urges and its own re-urge and explanation
    timers fire. Then each urge, each rung and what each rung does is published exactly once,
    and the overdue timer of each task fired once; time moving on past the transfer rung adds nothing."""
    started = time.monotonic()
    tasks = set(task_ids.values())
    was = clock_now(h)
    kills, problems = 0, []
    for n, stage in enumerate(CLIMB):
        move_clock(h, stage.at, wait=False)  # the services take it up on their own, so a kill lands mid-firing
        victims = ["escalation"] * scale.climb_kills + (["deadline"] if n == 0 else [])
        rng.shuffle(victims)
        for name in victims:
            time.sleep(rng.uniform(0.05, 1.5))
            _ready(h, name, problems)  # killed before: back at work before it is killed again
            sp = h.system.services[name]
            sp.kill()
            sp.start()
            sp.restarts += 1
            kills += 1
        for name in h.system.services:
            _ready(h, name, problems)
        move_clock(h, stage.at)  # returns once every service has seen the time and fired what fell due
        settle(lambda: urges_reached(h, tasks, stage.urges), scale.settle_s, interval_s=0.2)
    move_clock(h, AFTER_CLIMB)
    settle(lambda: not consumer_backlog(h), 60)
    owes = sum((owed(t, [s.reason for s in CLIMB]) for t in tasks), Counter())
    facts = published(h, tasks)
    steps = tally(owes, facts)
    overdue = deadline_events(h, "overdue")
    timers = tally(Counter(tasks), Counter({t: overdue[t] for t in tasks if overdue[t]}))
    move_clock(h, was)  # back where the scenario found it, for whatever runs next on this system
    row = Row(
        "SIGKILL escalation and deadline while overdue tasks climb the ladder",
        h.backend,
        f"{len(tasks)} overdue tasks × {len(CLIMB)} urges, {kills} kills",
        len(tasks),
        len(tasks),
        sum(1 for t in tasks if facts[(t, "step_taken", len(CLIMB))]),
        steps.missing + timers.missing,
        steps.doubled + timers.doubled,
        duration_s=time.monotonic() - started,
        notes=f"escalation steps: {steps}; overdue timers: {timers}; matters = tasks at the transfer rung (the office assesses)",
    )
    row.tallies = {"escalation steps": steps, "overdue timers": timers}
    row.problems += problems
    _check_health(h, row)
    return row


def tasking_down_while_the_ladder_climbs(h: Harness, scale: Scale, _rng: random.Random | None = None) -> list[Row]:
    """Tasks are assigned while tasking runs; then tasking is stopped and stays down while the shared
    clock moves past their deadline rung by rung. Escalation names and addresses the units from its
    own copy of the units directory, so each urge, rung and urge SMS to the lead unit is published
    exactly once, as with tasking up."""
    prefix = f"td-{run_id()}-"
    messages = good(prefix, scale.tasking_down_load)
    attempt = Attempt(h, scale, prefix)
    result = Load(h.nats_url, messages).start().join()
    assigned = attempt.row("tasks assigned before tasking stops", "", len(messages), result)
    settle(lambda: not consumer_backlog(h), 60)  # escalation has applied every task.assigned: it knows the unit to urge
    tasks, was, tasking = set(assigned.task_ids.values()), clock_now(h), h.system.services["tasking"]
    tasking.stop()
    try:
        for stage in CLIMB:
            move_clock(h, stage.at, services=tuple(name for name in SERVICES if name != "tasking"))
            settle(lambda: urges_reached(h, tasks, stage.urges), scale.settle_s, interval_s=0.2)
        facts = published(h, tasks)
        steps = tally(sum((owed(t, [s.reason for s in CLIMB]) for t in tasks), Counter()), facts)
        sms = tally(
            Counter({(t, LEADS[0]): len(CLIMB) for t in tasks}),
            Counter({key: n for key, n in urge_notices(h, tasks).items() if key[1] == LEADS[0]}),
        )
        at_transfer_rung = sum(1 for t in tasks if facts[(t, "step_taken", len(CLIMB))])
    finally:
        tasking.start()
        tasking.wait_ready()
    move_clock(h, was)
    row = Row(
        "tasking down while the ladder climbs",
        h.backend,
        f"{len(tasks)} overdue tasks × {len(CLIMB)} urges, tasking stopped",
        len(messages),
        len(result.acked),
        at_transfer_rung,
        assigned.lost + steps.missing + sms.missing,
        assigned.doubled + steps.doubled + sms.doubled,
        duration_s=time.monotonic() - attempt.started,
        notes=f"escalation steps: {steps}; urge SMS to the lead unit: {sms}; matters = tasks at the transfer rung (the office assesses)",
    )
    row.tallies = {"escalation steps": steps, "urge SMS": sms}
    row.problems += assigned.problems
    # the clock's move back and tasking's restart set the consumers working again: the backlog is
    # checked once they have had the time the other rows give them (a bounded wait, as reconcile's)
    settle(lambda: not consumer_backlog(h), scale.settle_s)
    _check_health(h, row)
    return [row]


def _ready(h: Harness, name: str, problems: list[str], attempts: int = 10) -> None:
    """Wait until a restarted service is ready. One that exits by itself instead is a problem
    for the report; it is started again, as Kubernetes would, so the climb goes on and the
    count still says what the restarts cost."""
    sp = h.system.services[name]
    for _ in range(attempts):
        try:
            return sp.wait_ready()
        except RuntimeError:
            problems.append(
                f"{name} exited by itself (code {sp.proc.returncode}) after a SIGKILL: {exit_reason(h, name)}"
            )
            sp.start()
            sp.restarts += 1
    sp.wait_ready()


# --- 2. restart the NATS server, consumers idle and busy ------------------------------------


def restart_nats(h: Harness, scale: Scale) -> list[Row]:
    rows = []
    for busy in (False, True):
        prefix = f"fn{'b' if busy else 'i'}-{run_id()}-"
        restarts_before = h.restarts()
        attempt = Attempt(h, scale, prefix)
        if busy:
            # A backlog is flowing through every consumer when the server goes down (SIGKILL).
            messages = good(prefix, scale.nats_load)
            load = Load(h.nats_url, messages, duration_s=3).start()
            settle(lambda: bool(consumer_backlog(h)), 10, interval_s=0.1)
            time.sleep(1.0)
            h.nats.kill()
            time.sleep(1.0)
            h.nats.start()
            result = load.join()
            how = "SIGKILL while consumers are busy"
        else:
            # The consumers have nothing to do (their pull requests wait on the server) when it restarts.
            first, second = (
                good(prefix, scale.nats_load // 2),
                good(prefix + "b", scale.nats_load - scale.nats_load // 2),
            )
            first_result = Load(h.nats_url, first).start().join()
            reconcile_when_settled(h, prefix, first_result.acked, scale.settle_s)
            h.nats.restart()  # SIGTERM, then the same port and store
            time.sleep(2.0)
            result = Load(h.nats_url, second).start().join()
            result.acked |= first_result.acked
            messages = first + second
            how = "restart while consumers are idle"
        described, notes = f"{len(messages)} meeting decisions, 1 restart", f"publisher retries {result.retries}"
        row = attempt.row(f"NATS server {how}", described, len(messages), result, notes)
        if h.restarts() != restarts_before:
            row.problems.append("a service had to be restarted: consumers did not resume by themselves")
        rows.append(row)
    return rows


# --- 3. restart PostgreSQL during the load ------------------------------------------------


def restart_postgres(h: Harness, scale: Scale, rng: random.Random | None = None) -> list[Row]:
    assert h.pg is not None, "restart_postgres needs a Harness on the private PostgreSQL cluster"
    rng = rng or random.Random()
    prefix = f"fp-{run_id()}-"
    messages = good(prefix, scale.pg_load)
    restarts_before = h.restarts()
    attempt = Attempt(h, scale, prefix)
    load = Load(h.nats_url, messages, duration_s=4.0 * scale.pg_restarts).start()
    modes = []
    for n in range(scale.pg_restarts):
        time.sleep(rng.uniform(0.5, 2.0))
        mode = ("fast", "immediate")[n % 2]  # a clean shutdown that cuts every session, then a crash
        h.pg.stop(mode)
        time.sleep(rng.uniform(1.0, 3.0))
        h.pg.start()
        h.pg.restarts += 1
        modes.append(mode)
    result = load.join()
    notes = f"pg_ctl stop -m {'/'.join(sorted(set(modes)))}, 1–3 s down; publisher retries {result.retries}"
    described = f"{len(messages)} meeting decisions, {len(modes)} restarts"
    row = attempt.row("PostgreSQL restart during the load", described, len(messages), result, notes)
    if h.restarts() != restarts_before:
        row.problems.append("a service had to be restarted after the database came back")
    return [row]


# --- 4. every submission published three times ----------------------------------------------


def publish_three_times(h: Harness, scale: Scale, rng: random.Random | None = None) -> list[Row]:
    """Each submission three times: twice with the same Nats-Msg-Id (JetStream drops the
    second), once more with a new message id but the same envelope id (intake's dedup on
    tenant, source and external id must drop it)."""
    rng = rng or random.Random()
    prefix = f"fd-{run_id()}-"
    originals = good(prefix, scale.duplicate_load)
    again = [Message(m.subject, m.data, m.msg_id, m.key) for m in originals]
    other_id = [Message(m.subject, m.data, f"{m.msg_id}#republished", m.key) for m in originals]
    rng.shuffle(again)
    rng.shuffle(other_id)
    messages = originals + [m for pair in zip(again, other_id) for m in pair]
    attempt = Attempt(h, scale, prefix)
    result = Load(h.nats_url, messages, duration_s=2).start().join()
    described = f"{len(originals)} meeting decisions × 3 publishes"
    notes = "same Nats-Msg-Id twice, then a new message id with the same envelope id"
    return [attempt.row("every submission published three times", described, len(originals), result, notes)]


# --- 5. poison among good messages -----------------------------------------------------------

MARKER = re.compile(r"poison-[0-9a-f]{6}-\d{5}")


BROKER_MAX_PAYLOAD = 1024 * 1024  # nats-server's default max_payload, as the harness runs it
POISON_KINDS = 12


def poison(marker: str, variant: int) -> Message:
    """A message intake can never process, of one of :data:`POISON_KINDS` kinds, with ``marker``
    inside (at the start of the large ones, so that the start a dead letter keeps names it)."""
    env = meeting_decision(marker, decisions=1)
    subject = "duban.in.demo.meeting_decision"
    head = f"<<{marker}>>".encode()
    match variant % POISON_KINDS:
        case 0:
            data = f"<<{marker}>> this is not JSON".encode()
        case 1:
            data = json.dumps({"hello": marker}).encode()  # JSON, but not an envelope
        case 2:
            env["tenant"] = "other-county"  # the subject says demo
            data = json.dumps(env).encode()
        case 3:
            env["type"] = "duban.submission.horoscope.v1"
            data = json.dumps(env).encode()
        case 4:
            env["data"].pop("decisions")
            data = json.dumps(env, ensure_ascii=False).encode()
        case 5:
            env["tenant"], subject = "nosuch-county", "duban.in.nosuch-county.meeting_decision"  # no such tenant
            data = json.dumps(env, ensure_ascii=False).encode()
        case 6:
            env["type"] = "duban.submission.meeting_decision.v9"
            data = json.dumps(env, ensure_ascii=False).encode()
        case 7:  # a control-character flood: six times larger as JSON escapes than on the wire
            data = head + b"\x01" * 200_000
        case 8:  # invalid UTF-8: twice as large in hex
            data = head + b"\xff\xfe" * 150_000
        case 9:  # under the intake's size limit, far above the broker's maximum once escaped
            data = head + b"\x1f" * (999_000 - len(head))
        case 10:  # just under the broker's maximum, above the intake's size limit
            data = head + b"\x00" * (BROKER_MAX_PAYLOAD - 4096 - len(head))
        case _:  # a valid submission on a subject with a token more than intake takes
            subject = "duban.in.demo.meeting_decision.extra"
            data = json.dumps(env, ensure_ascii=False).encode()
    return Message(subject, data, marker)


async def _originals_kept(url: str, letters: list[dict]) -> int:
    """How many of the cut dead letters do NOT lead back to their whole original (stream, sequence, SHA-256)."""
    nc = await nats.connect(url)
    try:
        js, broken = nc.jetstream(timeout=10), 0
        for letter in letters:
            try:
                await fetch_original(js, letter)
            except Exception:  # noqa: BLE001 - counted as lost
                broken += 1
        return broken
    finally:
        await nc.close()


CLASSIC_KINDS = 7  # kinds 0-6; the others grow past the broker's maximum, are not UTF-8, or take a wrong subject
CLASSIC = (
    "not JSON, not an envelope, tenant mismatch, unknown type, invalid data, unknown tenant, unknown major version"
)
OUTGROWN = (
    "control-character flood, invalid UTF-8, escaping past the broker's maximum, near the broker's maximum, "
    "subject with an extra token"
)


def poison_mixed_in(h: Harness, scale: Scale, rng: random.Random | None = None) -> list[Row]:
    """Two rows: the good submissions with the classic poison among them, and the poison whose
    dead letter would outgrow the broker's maximum or that came on a subject intake does not take."""
    rng = rng or random.Random()
    run = run_id()
    prefix = f"fg-{run}-"
    goods = good(prefix, scale.poison_good)
    bad = [poison(f"poison-{run}-{i:05d}", i) for i in range(scale.poison_bad)]
    messages = goods + bad
    rng.shuffle(messages)
    attempt = Attempt(h, scale, prefix)
    result = Load(h.nats_url, messages).start().join()
    classic = {m.msg_id for i, m in enumerate(bad) if i % POISON_KINDS < CLASSIC_KINDS}
    outgrown = {m.msg_id for m in bad} - classic
    submissions = len(goods) + len(classic)
    row = attempt.row(
        "poison messages mixed into good ones", f"{len(classic)} poison in {submissions} messages", submissions, result
    )
    letters = dead_letters(h)
    per_marker: dict[str, int] = {}
    without_reason: set[str] = set()
    for entry in letters:
        found = MARKER.search(entry.get("original", "")) or MARKER.search(
            bytes.fromhex(entry["original"]).decode(errors="replace")
            if re.fullmatch(r"[0-9a-f]*", entry.get("original", ""))
            else ""
        )
        if found and found.group(0) in classic | outgrown:
            per_marker[found.group(0)] = per_marker.get(found.group(0), 0) + 1
            if not entry.get("reason"):
                without_reason.add(found.group(0))
    cut = [e for e in letters if e.get("original_truncated")]
    unreachable = asyncio.run(_originals_kept(h.nats_url, cut))
    big = Row(
        "poison that outgrows the broker's maximum once encoded, or on a stray subject",
        h.backend,
        f"{len(outgrown)} poison among the {len(messages)} messages above",
        len(outgrown),
        0,
        0,
        0,
        0,
        duration_s=row.duration_s,
    )
    for r, wanted, kinds in ((row, classic, CLASSIC), (big, outgrown, OUTGROWN)):
        lettered = [m for m in wanted if m in per_marker]
        r.dead_lettered = len(lettered)
        r.lost += len(wanted) - len(lettered)  # poison that was neither processed nor dead-lettered: a silent drop
        r.doubled += sum(per_marker[m] - 1 for m in lettered)
        r.notes = f"dead letters with a reason: {len(set(lettered) - without_reason)} of {len(wanted)} poison ({kinds})"
        if without_reason & wanted:
            r.problems.append(f"{len(without_reason & wanted)} dead letters without a reason")
    big.lost += unreachable  # a dead letter that keeps only the start must lead back to the whole original
    big.notes += f"; {len(cut) - unreachable} of {len(cut)} cut dead letters lead back to their whole original (stream sequence, SHA-256)"
    return [row, big]
