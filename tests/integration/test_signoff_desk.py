"""The sign-off desk on real SQLite and PostgreSQL: a draft moves through its chain and only the
last step issues it (numbered there, gapless: a refused draft takes none), a retry changes
nothing, each step is in the audit log, and the shared routes answer in Chinese."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, select

from duban_common import audit, sequences
from duban_common.calendar import WorkCalendar
from duban_common.clock import FixedClock
from duban_common.db import Database
from duban_common.outbox import InfraTables, UnitOfWork
from duban_common.signoff import Chain, Decision, Desk, DocumentKind, SignoffError, SignoffTables, Turn
from duban_common.signoff import routes as signoff_routes
from duban_common.signoff.reminders import remind_waiting
from e2e_support import START

pytestmark = pytest.mark.usefixtures("operator_scope")

md = MetaData()
infra = InfraTables(md)
tables = SignoffTables(md)
numbers = sequences.sequence_table(md)
DEPUTY, LEADER, DIRECTOR = (
    Turn(f"{role}-1", frozenset({role})) for role in ("office_deputy", "leader", "office_director")
)


class Owner:
    """A service's runtime as far as the desk and its routes need it."""

    def __init__(self, db: Database) -> None:
        self.db, self.clock, self.issued, self.refused = db, FixedClock(START), [], []

        async def issue(uow: UnitOfWork, draft: dict) -> str:
            value = await sequences.next_value(uow.session, numbers, draft["tenant"], 2026, "order")
            self.issued.append((draft["id"], [s["person"] for s in draft["steps"]]))
            return sequences.format_number("督办单", 2026, value)

        async def refuse(uow: UnitOfWork, draft: dict) -> None:
            self.refused.append(draft["id"])

        self.signoff = Desk(tables, {"supervision_order": DocumentKind(issue, refuse), "transfer": DocumentKind(issue)})

    @contextlib.asynccontextmanager
    async def unit_of_work(self):
        async with self.db.transaction() as session:
            yield UnitOfWork(session, infra, self.clock, "/duban/escalation")


@pytest.fixture
async def owner(either_db_url):
    db = Database(either_db_url)
    await db.create_all(md)
    yield Owner(db)
    await db.dispose()


async def create(owner: Owner, key: str, doc_type: str = "supervision_order") -> dict:
    async with owner.unit_of_work() as uow:
        return await owner.signoff.create(
            uow,
            "demo",
            doc_type,
            key,
            title="关于督办道路维修的督办单",
            payload={"requirement": "十日内修复"},
            created_by="督查室",
            task_id="task-1",
        )


async def act(owner: Owner, draft_id: str, turn: Turn, decision: str = "approve", reason: str | None = None) -> dict:
    async with owner.unit_of_work() as uow:
        return await owner.signoff.act(uow, "demo", draft_id, turn, turn.person, Decision(decision, reason))


async def test_three_people_take_the_three_steps_and_only_the_last_issues_with_a_number(owner):
    made = await create(owner, "order:1")
    assert (made["status"], made["waiting_role"]) == ("pending", "office_deputy")
    assert (await act(owner, made["id"], DEPUTY))["waiting_role"] == "leader"
    assert (await act(owner, made["id"], LEADER))["number"] is None and owner.issued == []
    done = await act(owner, made["id"], DIRECTOR)
    assert (done["status"], done["number"]) == ("issued", "督办单〔2026〕1号")
    assert owner.issued == [(made["id"], ["office_deputy-1", "leader-1", "office_director-1"])]
    async with owner.db.read() as session:
        logged = (
            await session.execute(
                select(audit.audit_log.c.action, audit.audit_log.c.refs).where(
                    audit.audit_log.c.action == "signoff.step"
                )
            )
        ).all()
    assert [('"office_deputy-1"' in refs, '"提出"' in refs) for _, refs in logged][0] == (True, True)
    assert len(logged) == 3


async def test_a_retry_changes_nothing_and_the_same_person_may_not_take_the_next_step(owner):
    made = await create(owner, "order:2")
    await act(owner, made["id"], DEPUTY)
    again = await act(owner, made["id"], DEPUTY)
    assert (again["next_step"], len(again["steps"])) == (1, 1)
    both = Turn("office_deputy-1", frozenset({"office_deputy", "leader"}))
    with pytest.raises(SignoffError, match="同一人不能签批"):
        await act(owner, made["id"], both)
    assert (await create(owner, "order:2"))["id"] == made["id"]  # the same key: the same draft


async def test_a_refused_draft_takes_no_number_and_the_next_one_is_gapless(owner):
    first = await create(owner, "order:3")
    await act(owner, first["id"], DEPUTY)
    with pytest.raises(SignoffError, match="退回须写明理由"):
        await act(owner, first["id"], LEADER, "refuse")
    refused = await act(owner, first["id"], LEADER, "refuse", "要求不具体")
    assert (refused["status"], refused["number"], owner.refused) == ("refused", None, [first["id"]])
    with pytest.raises(SignoffError, match="已退回"):
        await act(owner, first["id"], DIRECTOR)
    second = await create(owner, "order:4")
    for turn in (DEPUTY, LEADER, DIRECTOR):
        done = await act(owner, second["id"], turn)
    assert done["number"] == "督办单〔2026〕1号"


async def test_an_automatic_type_is_issued_as_it_is_created_and_the_rules_hold(owner):
    async with owner.unit_of_work() as uow:
        await owner.signoff.set_chain(uow, "demo", "supervision_order", Chain(), "督查室")
        with pytest.raises(SignoffError, match="不能自动签发"):
            await owner.signoff.set_chain(uow, "demo", "transfer", Chain(), "督查室")
    made = await create(owner, "order:5")
    assert (made["status"], made["number"]) == ("issued", "督办单〔2026〕1号")


async def test_the_queue_shows_what_waits_for_me_and_reminds_after_the_tenants_working_days(owner):
    made = await create(owner, "order:6")
    async with owner.db.read() as session:
        assert [d["id"] for d in await owner.signoff.mine(session, "demo", DEPUTY)] == [made["id"]]
        assert await owner.signoff.mine(session, "demo", LEADER) == []
        assert (
            await owner.signoff.reminders_due(session, START + timedelta(days=1), WorkCalendar(), lambda tenant: 2)
            == []
        )
        due = await owner.signoff.reminders_due(session, START + timedelta(days=7), WorkCalendar(), lambda tenant: 2)
    assert [d["id"] for d in due] == [made["id"]]


async def test_replicas_that_find_the_same_draft_due_remind_once_and_not_after_a_step(owner):
    """Two replicas read the draft as due before either reminds (``prepare`` yields between): one
    reminder. A step taken after it was found due (it waits anew) stops the reminder too."""
    waiting, moved_on = await create(owner, "order:8"), await create(owner, "order:9")
    sent: list[str] = []
    stepped: list[str] = []

    async def prepare(draft: dict) -> None:
        await asyncio.sleep(0.05)  # the other replica reads the same due drafts meanwhile
        if draft["id"] == moved_on["id"] and not stepped:
            stepped.append((await act(owner, moved_on["id"], DEPUTY))["id"])

    async def send(uow: UnitOfWork, draft: dict, _found) -> None:
        sent.append(draft["id"])

    def replica():
        moment = (START + timedelta(days=7), WorkCalendar())
        return remind_waiting(owner.signoff, owner.db, owner.unit_of_work, moment, lambda tenant: 2, send, prepare)

    counts = await asyncio.gather(replica(), replica())
    assert sorted(counts) == [0, 1] and sent == [waiting["id"]]


async def test_the_routes_take_steps_and_refuse_in_chinese(owner):
    app = FastAPI()
    app.state.runtime = owner
    app.include_router(signoff_routes.router)
    made = await create(owner, "order:7")
    path = f"/v1/tenants/demo/drafts/{made['id']}/steps"
    warmed: list[str] = []  # what the owner reads of other services is asked before each step's transaction

    async def warm(tenant: str) -> None:
        warmed.append(tenant)

    owner.signoff.warm = warm

    def as_(role: str, person: str) -> dict:
        return {"x-duban-role": role, "x-duban-person": person}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        wrong = await client.post(path, json={"decision": "approve"}, headers=as_("leader", "l1"))
        assert (wrong.status_code, wrong.json()["detail"]) == (403, "这一步（提出）须由政府办公室分管副主任办理")
        assert (
            await client.post(path, json={"decision": "approve"}, headers=as_("office_deputy", "d1"))
        ).status_code == 200
        assert warmed == ["demo", "demo"]  # the refused step's too: asking changes nothing
        early = await client.post(
            path, json={"decision": "approve", "action": "签发"}, headers=as_("office_director", "c1")
        )
        assert early.status_code == 409 and "不能签发" in early.json()["detail"]
        queue = (await client.get("/v1/tenants/demo/approvals?mine=1", headers=as_("leader", "l1"))).json()
        assert [(d["id"], d["waiting_for"]) for d in queue] == [(made["id"], "县政府领导同意")]
        chain = (await client.get("/v1/tenants/demo/signoff-chains/supervision_order")).json()
        assert (chain["own"], chain["describe"]) == (
            False,
            "政府办公室分管副主任提出 → 县政府领导同意 → 政府办公室主任签发",
        )
        bad = await client.put("/v1/tenants/demo/signoff-chains/transfer", json={"steps": []})
        assert (bad.status_code, bad.json()["detail"]) == (
            422,
            "移送函（移交纪委监委）不能自动签发，最后一步须由县政府领导办理",
        )
        shown = (await client.get(f"/v1/tenants/demo/drafts/{made['id']}")).json()
    assert [(s["action"], s["person"]) for s in shown["steps"]] == [("提出", "d1"), ("同意", None), ("签发", None)]
