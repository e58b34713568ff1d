"""Reporting's projections on real databases (SQLite and PostgreSQL): every event type, applied in
any order and any number of times, gives the same read models; the rebuild's swap replaces the
live read models (even with an outdated table layout) and its comparison finds them identical."""

from __future__ import annotations

import contextlib
import random
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Column, MetaData, String, Table

from duban_common import migrations, tenancy
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.consumer import apply as apply_event
from duban_common.contracts import events as ev
from duban_common.db import Database
from duban_common.envelope import new_event
from duban_common.outbox import UnitOfWork
from duban_reporting.adapters import orm, tables
from duban_reporting.entrypoints.consumers import HANDLERS

pytestmark = pytest.mark.usefixtures("operator_scope")  # the test reads and seeds as the operator

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
DUE = datetime(2026, 12, 7, 17, 30, tzinfo=TZ)


MODEL_TYPES = {model: event_type for event_type, model in ev.EVENT_TYPES.items()}


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def scenario() -> list:
    """Envelopes of five matters touching every event type reporting projects, in publishing order."""
    out, n = [], iter(range(1, 10_000))

    def emit(data):
        event_type = MODEL_TYPES[type(data)]
        out.append(new_event(tenant="t1", type=event_type, source="/test", data=data, time=at(next(n) / 100)))

    def origin(kind, **kw):
        return {
            "kind": kind,
            "source": "/platforms/x",
            "submission_id": str(uuid.uuid4()),
            "external_id": f"E-{kind}",
            **kw,
        }

    def matter(kind, title, lead=None, co=(), citizen=None, **o):
        m = str(uuid.uuid4())
        registered = {"title": title, "content": "…", "origin": origin(kind, **o), "registered_at": T0}
        emit(ev.MatterRegistered(matter_id=m, **registered, lead_unit=lead, co_units=list(co), citizen=citizen))
        return m, origin(kind, **o)

    def task(m, o, lead, co=(), notice=1, weight=1.0):
        t = str(uuid.uuid4())
        assigned = {"title": "x", "origin": o, "assigned_at": T0, "notice_no": f"督办〔2026〕{notice}号"}
        emit(
            ev.TaskAssigned(
                task_id=t, matter_id=m, lead_unit=lead, co_units=list(co), **assigned, weight=weight, version=1
            )
        )
        emit(
            ev.DeadlineSet(
                task_id=t, matter_id=m, start_on=T0.date(), due_on=DUE.date(), due_at=DUE, rule="r", revision=1
            )
        )
        return t

    def progressed(matter_id, progress, tasks, tasks_completed, hours):
        counts = {"tasks": tasks, "tasks_completed": tasks_completed, "completed": tasks_completed == tasks}
        emit(ev.MatterProgressed(matter_id=matter_id, progress=progress, **counts, at=at(hours)))

    m1, o1 = matter("meeting_decision", "推进老旧小区改造", "zjj", meeting_title="县政府第12次常务会议", decision_seq=1)
    t1 = task(m1, o1, "zjj", ["czj"], notice=1)
    of_t1 = {"task_id": t1, "matter_id": m1}
    by_zjj = {**of_t1, "unit": "zjj"}
    emit(ev.TaskAcknowledged(**by_zjj, acknowledged_at=at(1), version=2))
    emit(ev.AcknowledgementOverdue(**of_t1, timer_id="a1", scheduled_at=at(2), assigned_at=T0, limit_at=at(2)))
    emit(ev.TaskProgressReported(**by_zjj, reported_at=at(3), progress=50, version=3))
    progressed(m1, 50, tasks=1, tasks_completed=0, hours=3)
    emit(ev.TaskCompletionSubmitted(**by_zjj, submitted_at=at(4), version=4))
    emit(ev.TaskReturned(**by_zjj, reason="材料不全", returned_at=at(5), version=5))
    emit(ev.TaskCompletionSubmitted(**by_zjj, submitted_at=at(80), version=6))
    emit(ev.TaskCompleted(**by_zjj, completed_at=at(120), version=7))  # Tue 11-25
    progressed(m1, 100, tasks=1, tasks_completed=1, hours=120)
    emit(ev.TaskSpotChecked(**by_zjj, spot_check_id="sc0", satisfied=True, checked_at=at(130)))

    m2, o2 = matter("leader_instruction", "关于农村供水的批示", "fgj", leader_name="王县长", leader_role="principal")
    t2 = task(m2, o2, "fgj", notice=2)
    of_t2 = {"task_id": t2, "matter_id": m2}
    extended_on, extended_at = date(2026, 12, 21), datetime(2026, 12, 21, 17, 30, tzinfo=TZ)
    late = {"origin_on": date(2026, 11, 18), "limit_on": date(2026, 11, 19), "issued_on": date(2026, 11, 20)}
    emit(ev.NoticeLate(**of_t2, kind="leader_instruction", limit_rule="x", **late, late_workdays=1, note="迟"))
    emit(ev.TaskDeclined(**of_t2, unit="fgj", reason="非本单位职责", declined_at=at(6), declines=1, version=2))
    reassigned = {"reassigned_at": at(7), "notice_no": "督办〔2026〕3号", "version": 3}
    emit(ev.TaskReassigned(**of_t2, previous_unit="fgj", lead_unit="jyj", **reassigned))
    emit(ev.DeclineWindowClosed(**of_t2, timer_id="d2", scheduled_at=at(8), assigned_at=T0, closed_at=at(8)))
    extension = {"extension_id": "x2", **of_t2, "requested_due_on": extended_on}
    emit(ev.ExtensionRequested(**extension, reason="需调研", requested_at=at(9)))
    decided = {"previous_due_on": DUE.date(), "new_due_on": extended_on, "decided_at": at(10)}
    emit(ev.ExtensionDecided(**extension, decision="approved", **decided))
    extended = {"due_on": extended_on, "due_at": extended_at, "rule": "r", "revision": 2}
    emit(ev.DeadlineSet(**of_t2, start_on=T0.date(), **extended, reason="extension_approved"))
    reminder = {"timer_id": "r2", "scheduled_at": at(300), "due_on": extended_on, "due_at": extended_at}
    emit(ev.DeadlineReminder(**of_t2, **reminder, workdays_left=2))

    citizen = ev.CitizenRef(name_masked="张*三", phone_masked="139****5678", contact_ref="S-3")
    m3, o3 = matter("online_message", "反映供暖问题，联系电话13912345678", "wjj", citizen=citizen)
    t3 = task(m3, o3, "wjj", notice=4)
    of_t3 = {"task_id": t3, "matter_id": m3}
    report_due = {"seq": 1, "report_due_on": date(2026, 11, 25), "due_on": DUE.date()}
    emit(ev.ProgressDue(**of_t3, timer_id="p3", scheduled_at=at(100), **report_due))
    emit(ev.DeadlineOverdue(**of_t3, timer_id="o3", scheduled_at=DUE, due_on=DUE.date(), due_at=DUE))
    esc = {**of_t3, "unit": "wjj"}

    def after(days):
        return DUE + timedelta(days=days)

    for k in (1, 2):
        urge = {"urge_id": f"u{k}", "urge_no": k, "notice_no": f"催办〔2026〕{k}号"}
        emit(ev.EscalationUrged(**esc, **urge, reason="overdue", urged_at=after(k)))
    emit(ev.EscalationStepTaken(**esc, step=1, urges=1, actions=["bulletin"], taken_at=after(1)))
    emit(ev.EscalationBulletined(**esc, step=1, issued_by="supervision_office", text="通报", bulletined_at=after(1)))
    emit(ev.EscalationExplanationRequired(**esc, step=2, due_at=after(5), required_at=after(2)))
    emit(ev.EscalationExplanationSubmitted(**esc, step=2, on_time=True, submitted_at=after(3)))
    emit(ev.EscalationDeducted(**esc, deduction_id="d1", points=1.5, reason="催办", deducted_at=after(1)))
    signatures = {"proposed_by": "a", "approved_by": "b", "signed_by": "c", "issued_at": after(4)}
    emit(
        ev.SupervisionOrderIssued(
            **esc, order_id="o1", notice_no="督办单〔2026〕1号", requirement="限期整改", **signatures
        )
    )
    emit(ev.EscalationTransferred(**esc, case_id="c1", transferred_at=after(9)))

    m4, o4 = matter("meeting_decision", "分解事项", "jwjw", meeting_title="县政府第12次常务会议", decision_seq=2)
    t4a, t4b = task(m4, o4, "zjj", notice=5, weight=3), task(m4, o4, "czj", notice=6)
    by_czj = {"task_id": t4b, "matter_id": m4, "unit": "czj"}
    emit(ev.TaskAcknowledged(task_id=t4a, matter_id=m4, unit="zjj", acknowledged_at=at(11), version=2))
    emit(ev.TaskCompletionSubmitted(**by_czj, submitted_at=at(12), version=2))
    emit(ev.TaskCompleted(**by_czj, completed_at=at(13), version=3))
    progressed(m4, 25, tasks=2, tasks_completed=1, hours=13)
    emit(ev.TaskSpotChecked(**by_czj, spot_check_id="sc1", satisfied=False, note="回访不满意", checked_at=at(14)))
    emit(ev.TaskReopened(**by_czj, reason="回访不满意", reopened_at=at(14), spot_check_id="sc1", version=4))

    matter("document", "未交办的公文", None)
    rejected = {"kind": "online_message", "source": "/x", "external_id": "E", "title": "重复来件"}
    emit(ev.SubmissionRejected(submission_id=str(uuid.uuid4()), **rejected, reason="重复", rejected_at=at(1)))
    return out


def fields(row: dict, names: tuple[str, ...]) -> tuple:
    return tuple(row[name] for name in names)


async def apply(db: Database, envs: list) -> None:
    for env in envs:  # as the consumer runner does: each delivery in its tenant's scope
        with tenancy.scoped(env.tenant):
            async with db.transaction() as s:
                uow = UnitOfWork(s, orm.infra, FixedClock(T0), "/duban/reporting")
                if await uow.record_inbox(orm.PROJECTIONS_CONSUMER, env):
                    await apply_event(
                        HANDLERS["projections"][env.type], env, f"duban.ev.t1.{env.aggregate}.{env.name}", uow
                    )


@contextlib.asynccontextmanager
async def database(backend: str, tmp_path, pg_url: str | None):
    if backend == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
        yield db
        await db.dispose()
        return
    import asyncpg

    admin = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"{admin.rsplit('/', 1)[1]}_rp_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    db = Database(f"{pg_url.rsplit('/', 1)[0]}/{name}")
    try:
        yield db
    finally:
        await db.dispose()
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def pg(request, backend):
    return request.getfixturevalue("pg_url") if backend == "postgresql" else None


async def test_every_order_and_every_repeat_gives_the_same_read_models(backend, pg, tmp_path):
    envs = scenario()
    async with database(backend, tmp_path, pg) as in_order:
        await in_order.create_all(orm.metadata)
        await apply(in_order, envs)
        ledger = {r["title"]: r for r in await tables._rows(in_order, orm.ledger)}
        assert len(ledger) == 5
        m1 = ledger["推进老旧小区改造"]
        assert (m1["status"], m1["progress"], m1["returns"], m1["notice_no"], m1["co_units"]) == (
            "completed",
            100,
            1,
            "督办〔2026〕1号",
            ["czj"],
        )
        assert m1["completed_at"] == at(120) and m1["due_on"] == DUE.date()
        m2 = ledger["关于农村供水的批示"]
        assert (m2["lead_unit"], m2["notice_no"], m2["extensions"], m2["due_on"], m2["leader_name"]) == (
            "jyj",
            "督办〔2026〕3号",
            1,
            date(2026, 12, 21),
            "王县长",
        )
        m3 = next(r for t, r in ledger.items() if t.startswith("反映供暖"))
        assert "13912345678" not in m3["title"] and "139****5678" in m3["title"] and m3["citizen_name"] == "张*三"
        assert m3["urges"] == 2
        assert m3["status"] == "transferred"  # 已移交纪委监委, not the state the unit left it in
        m4 = ledger["分解事项"]
        assert (m4["status"], m4["lead_units"], m4["task_id"], m4["notice_no"]) == (
            "in_progress",
            ["zjj", "czj"],
            None,
            "督办〔2026〕5号、督办〔2026〕6号",
        )
        assert ledger["未交办的公文"]["status"] == "registered"
        facts = sorted(r["fact"] for r in await tables._rows(in_order, orm.task_facts))
        assert facts == sorted(
            [
                *("acknowledgement_overdue", "returned", "spot_check_satisfied"),
                *("notice_late", "declined", "decline_window_closed", "extension_requested", "extension_approved"),
                *("reminder", "progress_due", "overdue", "urged", "urged", "escalation_step", "bulletined"),
                *("explanation_required", "explanation_submitted", "deducted", "order_issued", "transferred"),
                *("spot_check_not_satisfied", "spot_check_reopened"),
            ]
        )
        points = [r["points"] for r in await tables._rows(in_order, orm.task_facts) if r["fact"] == "deducted"]
        assert points == [1.5]
        units = {
            (r["unit"], r["role"])
            for r in await tables._rows(in_order, orm.ledger_units)
            if r["matter_id"] == m1["matter_id"]
        }
        assert units == {("zjj", "lead"), ("czj", "co")}
        t1 = next(r for r in await tables._rows(in_order, orm.task_states) if r["matter_id"] == m1["matter_id"])
        assert t1["handling_workdays"] == 3  # Fri 11-20 → Tue 11-25: Mon, Tue... 23, 24, 25

        from duban_reporting.domain.periods import parse
        from duban_reporting.service_layer.statistics import report

        async with in_order.read() as s:
            q4 = await report(s, "t1", parse("2026-Q4"), as_of=T0, names={"wjj": "县卫生健康局"}, bottom=3)
        wjj = next(u for u in q4["by_unit"] if u["unit"] == "wjj")
        scores = (
            "unit_name",
            "overdue",
            "urges",
            "bulletins",
            "supervision_orders",
            "transfers",
            "deductions",
            "score",
        )
        assert fields(wjj, scores) == ("县卫生健康局", 1, 2, 1, 1, 1, 1.5, 98.5)
        zjj = next(u for u in q4["by_unit"] if u["unit"] == "zjj")
        handling = ("assigned", "completed", "completed_on_time", "returns", "avg_handling_workdays")
        assert fields(zjj, handling) == (2, 1, 1, 1, 3.0)
        assert q4["totals"]["rejected"] == 1 and q4["totals"]["deductions"] == 1.5
        spot = ("spot_checks", "spot_checks_satisfied", "spot_checks_not_satisfied", "satisfaction_rate")
        assert tuple(zjj[k] for k in spot) == (1, 1, 0, 100.0)
        czj = next(u for u in q4["by_unit"] if u["unit"] == "czj")
        assert tuple(czj[k] for k in spot) == (1, 0, 1, 0.0), (
            "the reopening after the check is not counted a second time"
        )
        assert tuple(wjj[k] for k in spot) == (0, 0, 0, None)
        meetings = next(k for k in q4["by_kind"] if k["kind"] == "meeting_decision")
        assert tuple(meetings[k] for k in spot) == (2, 1, 1, 50.0)
        assert tuple(q4["totals"][k] for k in spot) == (2, 1, 1, 50.0)

        for seed in range(4):
            mixed = envs + random.Random(seed).sample(envs, 12)  # redeliveries
            random.Random(seed).shuffle(mixed)
            async with database("sqlite", tmp_path, None) as other:
                await other.create_all(orm.metadata)
                await apply(other, mixed)
                assert await tables.compare(other, in_order) == [], f"order of seed {seed}"
                async with other.read() as s:
                    again = await report(s, "t1", parse("2026-Q4"), as_of=T0, names={}, bottom=3)
                assert tuple(again["totals"][k] for k in spot) == (2, 1, 1, 50.0), (
                    f"redelivered spot checks, seed {seed}"
                )


async def test_the_swap_replaces_live_read_models_even_with_an_outdated_layout(backend, pg, tmp_path):
    envs = scenario()
    async with database("sqlite", tmp_path, None) as fresh, database(backend, tmp_path, pg) as live:
        await fresh.create_all(orm.metadata)
        await apply(fresh, envs)
        old = MetaData()
        Table(
            "ledger", old, Column("matter_id", String(36), primary_key=True), Column("tenant", String(40))
        )  # an older layout
        await live.create_all(old)
        await live.create_all(orm.metadata)
        async with live.transaction() as s:  # what a live model that went wrong might hold
            await s.execute(
                orm.task_states.insert().values(
                    task_id="stale", matter_id="m", tenant="t1", status="assigned", version=9
                )
            )
            await s.execute(
                orm.infra.inbox.insert().values(
                    consumer=orm.PROJECTIONS_CONSUMER, event_key="t1 /x stale", event_type="x", processed_at=T0
                )
            )
            await s.execute(
                orm.infra.inbox.insert().values(
                    consumer="another-consumer", event_key="kept", event_type="x", processed_at=T0
                )
            )
        await tables.swap(fresh, live)
        assert await tables.compare(fresh, live) == []
        assert (await tables.counts(live))["ledger"] == 5
        await apply(live, envs)  # the live consumer redelivering what the rebuild already applied changes nothing
        assert await tables.compare(fresh, live) == []
        async with live.read() as s:
            kept = (
                await s.execute(orm.infra.inbox.select().where(orm.infra.inbox.c.consumer == "another-consumer"))
            ).all()
        assert len(kept) == 1, "only the projections consumer's inbox rows are replaced"


async def test_rebuild_from_the_stream_skips_a_poison_event_as_the_live_consumer_does(fresh_nats, tmp_path):
    import nats

    from duban_common.provisioning import ensure_streams
    from duban_reporting.config import ReportingSettings
    from duban_reporting.service_layer.rebuild import rebuild

    settings = ReportingSettings(data_dir=tmp_path / "live", nats_url=fresh_nats.url, rebuild_batch=7)
    envs = scenario()
    poison = new_event(
        tenant="t1",
        type=ev.EXTENSION_REQUESTED,
        source="/test",
        time=T0,
        data=ev.ExtensionRequested(
            extension_id="x9", task_id="no-such-task", reason="?", requested_due_on=date(2026, 12, 9), requested_at=T0
        ),
    )  # no matter: never applicable
    stream = [*envs[:10], poison, *envs[10:]]
    nc = await nats.connect(fresh_nats.url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings)
        for env in stream:
            await js.publish(f"duban.ev.t1.{env.aggregate}.{env.name}", env.to_bytes(), headers={"Nats-Msg-Id": env.id})
        await js.publish("duban.ev.t1.task.assigned", b"not json")  # dead-lettered live: ignored by a rebuild
    finally:
        await nc.close()
    live = Database(settings.db_url())
    await migrations.upgrade(live, "reporting", orm.metadata)  # as the service leaves it
    await apply(live, envs[:20])  # the live read model is behind

    behind = await rebuild(settings, check=True)
    assert behind.differences and len(behind.replayed.failed) == 1 and "no-such-task" in behind.replayed.failed[0]
    assert (behind.replayed.applied, behind.replayed.ignored) == (len(envs), 1)

    done = await rebuild(settings)
    assert done.counts["ledger"] == 5 and done.caught_up.applied == 0
    assert (await rebuild(settings, check=True)).differences == []
    async with database("sqlite", tmp_path, None) as expected:
        await expected.create_all(orm.metadata)
        await apply(expected, envs)
        assert await tables.compare(expected, live) == []
    await live.dispose()
