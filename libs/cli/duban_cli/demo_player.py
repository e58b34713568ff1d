"""Plays the demo quarter against a running Duban through its public interfaces only: submissions
published on ``duban.in.<tenant>.<kind>`` like an integrating platform, the units' and the office's
actions on tasking's HTTP API (role headers), and the shared simulated clock moved like
``duban clock set`` (each move returns once every service has seen it)."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, time

import httpx
import nats

from duban_common import subjects
from duban_common.calendar import WorkCalendar, at_local
from duban_common.clock import set_shared_time

from .demo_scenario import PERIOD, QUARTER_END, QUARTER_START, SPOT_CHECK_DAYS, TENANT, Item

# Bearer tokens of the embedded issuer (duban_common.auth), set by use_issuer() before playing:
# OFFICE for the supervision office, unit_headers(code) for a unit handler, head_headers(code) for its head.
OFFICE: dict[str, str] = {}
_ISSUER = None


def use_issuer(issuer) -> None:
    global _ISSUER
    _ISSUER = issuer
    OFFICE["Authorization"] = f"Bearer {issuer.token(tenant=TENANT, roles=['supervision_office'], name='县政府督查室')}"


def leader_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {_ISSUER.token(tenant=TENANT, roles=['leader'], name='县政府分管领导')}"}


def director_headers() -> dict[str, str]:
    """The government office's director, who signs (签发) the office's bulletins."""
    return {
        "Authorization": f"Bearer {_ISSUER.token(tenant=TENANT, roles=['office_director'], name='县政府办公室主任')}"
    }


def unit_headers(unit: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_ISSUER.token(tenant=TENANT, roles=['unit'], unit=unit)}"}


def head_headers(unit: str) -> dict[str, str]:
    """The unit's head (单位领导), who signs its completion reports off before the office sees them."""
    return {
        "Authorization": f"Bearer {_ISSUER.token(tenant=TENANT, roles=['unit_head'], unit=unit, subject=f'head-{unit}', name='单位领导')}"
    }


ORDER = {"acknowledge": 0, "progress": 1, "completion": 2, "accept": 3}


@dataclass(order=True)
class Step:
    day: date
    order: int
    key: tuple
    action: str = field(compare=False)
    task_id: str = field(compare=False)
    unit: str = field(compare=False)
    body: dict | None = field(compare=False, default=None)


@dataclass
class Outcome:
    published: Counter = field(default_factory=Counter)  # kind → matters
    actions: Counter = field(default_factory=Counter)
    spot_checks: Counter = field(default_factory=Counter)  # satisfied / not_satisfied
    ladder_task: str | None = None
    failures: list[str] = field(default_factory=list)


async def poll(probe, *, what: str, timeout_s: float = 60.0, interval_s: float = 0.2):
    """Ask ``probe`` until it answers something truthy: the services work asynchronously."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        found = await probe()
        if found:
            return found
        if loop.time() > deadline:
            raise TimeoutError(f"演示等待超时：{what}")
        await asyncio.sleep(interval_s)


def working_days(cal: WorkCalendar) -> list[date]:
    days, day = [], QUARTER_START
    while day <= QUARTER_END:
        if cal.is_workday(day):
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return days


class Player:
    def __init__(self, urls: dict[str, str], nats_url: str, items: list[Item], seed: int, progress=None) -> None:
        self.urls, self.nats_url, self.items, self.progress = urls, nats_url, items, progress
        self.cal, self.rng = WorkCalendar(), random.Random(seed + 1)
        self.steps: dict[date, list[Step]] = defaultdict(list)
        self.pending: dict[tuple, tuple[Item, str]] = {}
        self.tasks: dict[str, tuple] = {}  # task id → matter key
        self.out = Outcome()

    def after_workdays(self, day: date, count: int) -> date:
        return self.cal.add_workdays(day, count).day if count >= 0 else self.cal.subtract_workdays(day, -count).day

    async def play(self) -> Outcome:
        days = working_days(self.cal)
        by_day: dict[date, list[Item]] = defaultdict(list)
        for item in self.items:
            by_day[item.day].append(item)
        nc = await nats.connect(self.nats_url, connect_timeout=5)
        self.js = nc.jetstream()
        try:
            async with httpx.AsyncClient(timeout=30) as self.http:
                await set_shared_time(self.js, at_local(QUARTER_START, time(9)))
                for index, day in enumerate(days):
                    await set_shared_time(self.js, at_local(day, time(9)))
                    await self._resolve(day)
                    labels = [i.label for i in by_day[day]]
                    for item in by_day[day]:
                        await self._publish(item)
                    await self._act(day)
                    if day in SPOT_CHECK_DAYS:
                        await self._spot_check(day)
                        labels.append("回访抽查")
                    if self.progress:
                        self.progress(index + 1, len(days) + 1, day, _label(labels))
                await set_shared_time(self.js, at_local(QUARTER_END, time(18)))  # the last deadlines of the year pass
                if self.progress:
                    self.progress(len(days) + 1, len(days) + 1, QUARTER_END, "季度结束")
        finally:
            await nc.close()
        return self.out

    async def _publish(self, item: Item) -> None:
        env = item.envelope
        await self.js.publish(
            subjects.inbound(TENANT, item.kind),
            json.dumps(env, ensure_ascii=False).encode(),
            headers={"Nats-Msg-Id": f"{env['source']}#{env['id']}"},
        )
        for seq, profile in item.profiles.items():
            self.pending[(env["source"], env["id"], seq)] = (item, profile)
            self.out.published[item.kind] += 1

    async def _resolve(self, day: date) -> None:
        """Matters published earlier are now tasks with a deadline: plan what their units do."""
        if not self.pending:
            return
        found = await poll(self._ledger_matches, what=f"{len(self.pending)} matters assigned with a deadline")
        for key, row in sorted(found.items()):
            item, profile = self.pending.pop(key)
            self._plan(day, key, row, item, profile)

    async def _ledger_matches(self) -> dict | None:
        found, offset = {}, 0
        while True:
            response = await self.http.get(
                f"{self.urls['reporting']}/v1/tenants/{TENANT}/ledger",
                headers=OFFICE,
                params={"sort": "-registered_at", "limit": 500, "offset": offset},
            )
            response.raise_for_status()
            page = response.json()
            for row in page["items"]:
                key = (
                    row["source"],
                    row["external_id"],
                    row["decision_seq"] if row["kind"] == "meeting_decision" else None,
                )
                # every part of it arrived: the task (its unit and notice) and its deadline (events may come in any order)
                if key in self.pending and row["task_id"] and row["due_on"] and row["lead_unit"] and row["notice_no"]:
                    found[key] = row
            offset += 500
            if len(found) == len(self.pending):
                return found
            if offset >= page["total"]:
                return None

    def _plan(self, today: date, key: tuple, row: dict, item: Item, profile: str) -> None:
        task, unit, due = row["task_id"], row["lead_unit"], date.fromisoformat(row["due_on"])
        assigned = item.day  # tasking assigns on registration, the day it arrives
        self.tasks[task] = key

        def at(day: date, action: str, body: dict | None = None) -> None:
            self.steps[max(day, today)].append(Step(max(day, today), ORDER[action], key, action, task, unit, body))

        at(self.after_workdays(assigned, 1), "acknowledge")
        if profile == "ladder":
            self.out.ladder_task = task
            return
        span = self.cal.workdays_between(assigned, due)
        if due > QUARTER_END:  # runs into next year: monthly progress, some close early
            done = self.after_workdays(assigned, self.rng.randint(12, 40)) if self.rng.random() < 0.4 else None
            for offset, pct in ((15, 30), (35, 60)):
                if done is None or self.after_workdays(assigned, offset) < done:
                    at(
                        self.after_workdays(assigned, offset),
                        "progress",
                        {"text": "按计划推进，已完成阶段性工作", "progress": pct},
                    )
            if done:
                at(done, "completion", {"text": "已办结并书面答复，对方对办理结果表示满意"})
                at(self.after_workdays(done, 1), "accept")
            return
        if (
            span >= 8 and profile != "late"
        ):  # a late unit reports nothing in time (逾期不报): a report would meet a feedback rule
            at(
                self.after_workdays(assigned, span // 2),
                "progress",
                {"text": "正在按要求推进，已完成过半", "progress": 50},
            )
        if profile == "late":  # urged, it reports only when done: a late feedback would open the next month's period
            done = self.after_workdays(due, 2)
            at(done, "completion", {"text": "已办结（逾期），附整改情况说明"})
            at(self.after_workdays(done, 1), "accept")
            return
        done = max(self.after_workdays(due, -self.rng.randint(1, 3)), self.after_workdays(assigned, 1))
        at(done, "completion", {"text": "已按要求办结，附办理情况报告"})
        at(min(self.after_workdays(done, 1), due), "accept")

    async def _act(self, day: date) -> None:
        for step in sorted(self.steps.pop(day, [])):
            headers = OFFICE if step.action == "accept" else unit_headers(step.unit)
            response = await self.http.post(
                f"{self.urls['tasking']}/v1/tenants/{TENANT}/tasks/{step.task_id}/{step.action}",
                json=step.body,
                headers=headers,
            )
            if response.status_code == 200 and response.json().get(
                "draft_id"
            ):  # 待单位领导审签: the head signs it off the same day
                response = await self.http.post(
                    f"{self.urls['tasking']}/v1/tenants/{TENANT}/drafts/{response.json()['draft_id']}/steps",
                    json={"decision": "approve"},
                    headers=head_headers(step.unit),
                )
            if response.status_code != 200:
                self.out.failures.append(
                    f"{day} {step.action} {step.key[1]}: {response.status_code} {response.text[:200]}"
                )
                continue
            self.out.actions[step.action] += 1

    async def _task(self, task_id: str) -> dict:
        return (
            (await self.http.get(f"{self.urls['tasking']}/v1/tenants/{TENANT}/tasks/{task_id}", headers=OFFICE))
            .raise_for_status()
            .json()
        )

    async def _spot_check(self, day: date) -> None:
        """The office draws at least 30% of the closed online messages and calls the citizens back."""
        response = await self.http.post(
            f"{self.urls['tasking']}/v1/tenants/{TENANT}/spot-checks", json={"kind": "online_message"}, headers=OFFICE
        )
        if response.status_code == 409:
            return  # nothing closed since the last draw
        if response.status_code != 201:
            self.out.failures.append(f"{day} spot check: {response.status_code} {response.text[:200]}")
            return
        check = response.json()
        selected = sorted(check["selected"], key=lambda t: self.tasks.get(t, ("", t)))
        for index, task in enumerate(selected):
            satisfied = not (index == 0 or self.rng.random() < 0.12)
            body = {"satisfied": satisfied, "note": None if satisfied else "群众反映问题仍未解决"}
            callback = await self.http.post(
                f"{self.urls['tasking']}/v1/tenants/{TENANT}/spot-checks/{check['id']}/callbacks/{task}",
                json=body,
                headers=OFFICE,
            )
            if callback.status_code != 200:
                self.out.failures.append(f"{day} callback {task}: {callback.status_code} {callback.text[:200]}")
                continue
            self.out.spot_checks["satisfied" if satisfied else "not_satisfied"] += 1
            if not satisfied:  # the unit handles it again and the office closes it again
                key, unit = self.tasks.get(task, ("", task, None)), (await self._task(task))["lead_unit"]
                redo = self.after_workdays(day, 2)
                self.steps[redo].append(
                    Step(redo, ORDER["completion"], key, "completion", task, unit, {"text": "已重新办理并回访群众"})
                )
                self.steps[self.after_workdays(redo, 1)].append(
                    Step(self.after_workdays(redo, 1), ORDER["accept"], key, "accept", task, unit)
                )


def _label(labels: list[str]) -> str:
    named = [x for x in dict.fromkeys(labels) if x != "网民留言"]
    messages = labels.count("网民留言")
    return "、".join(named + ([f"网民留言{messages}件"] if messages else [])) or "日常办理"


__all__ = ["Player", "Outcome", "PERIOD"]
