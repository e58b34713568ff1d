"""The deadline service on a real NATS server (SQLite, simulated clock): what it consumes, what it
publishes, and that every published event matches its contract model."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timezone

import pytest

from deadline_support import TENANT, origin, running_deadline, task_assigned
from duban_common.calendar import TZ
from duban_common.contracts import events as ev

START = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)  # Friday; an executive meeting's task is due Mon Dec 7
# what an executive meeting's task left alone publishes after its deadline, in firing order
EVERY_TIMER = [
    ev.DEADLINE_ACKNOWLEDGEMENT_OVERDUE,
    ev.DEADLINE_DECLINE_WINDOW_CLOSED,
    ev.DEADLINE_REMINDER,
    ev.DEADLINE_OVERDUE,
]


def local(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def check_contract(events: list[dict]) -> None:
    for e in events:
        ev.EVENT_TYPES[e["type"]].model_validate(e["data"])
        assert e["tenant"] == TENANT and e["source"] in ("/duban/deadline", "/duban/tasking")


def of_task(events: list[dict], task_id: str, prefix: str = "duban.deadline.") -> list[dict]:
    return [e for e in events if e["type"].startswith(prefix) and e["data"].get("task_id") == task_id]


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'deadline.db'}"


def about(task: ev.TaskAssigned) -> dict:
    return {"task_id": task.task_id, "matter_id": task.matter_id}


async def assign(d, **kw) -> ev.TaskAssigned:
    t = task_assigned(d.runtime.clock.now(), **kw)
    await d.publish(ev.TASK_ASSIGNED, t)
    await d.wait_for(lambda: d.deadline(t.task_id), what="the deadline")
    return t


async def test_an_assigned_task_gets_its_deadline_and_its_timers_fire_once_in_order(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        t = await assign(d)
        row = await d.deadline(t.task_id)
        assert (row["due_on"], row["light"], row["rule"], row["revision"]) == (
            "2026-12-07",
            "green",
            "meeting_executive",
            1,
        )
        assert [(x["kind"], x["state"]) for x in row["timers"]] == [
            ("acknowledgement", "pending"),
            ("decline", "pending"),
            ("reminder", "pending"),
            ("overdue", "pending"),
        ]

        await d.set_time(local(2026, 12, 3))
        assert (await d.deadline(t.task_id))["light"] == "yellow"
        metrics = (await d.http.get("/metrics")).text  # the gauges count every tenant's timers
        assert 'duban_deadline_timers_pending{kind="overdue"} 1.0' in metrics
        await d.set_time(local(2026, 12, 7, 17, 30))
        assert (await d.deadline(t.task_id))["light"] == "red"
        await d.set_time(local(2026, 12, 20))  # nothing fires twice
        metrics = (await d.http.get("/metrics")).text
        assert 'duban_deadline_timers_pending{kind="overdue"} 0.0' in metrics
        assert 'duban_deadline_timers_fired_total{kind="reminder"}' in metrics
        assert 'duban_deadline_timer_lateness_seconds_bucket{kind="overdue",le="0.1"}' in metrics
        assert "duban_deadline_provisional_deadlines 0.0" in metrics

        events = await d.events()
        check_contract(events)
        mine = of_task(events, t.task_id)
        assert [e["type"] for e in mine] == [ev.DEADLINE_SET, *EVERY_TIMER]
        set_, ack, _, reminder, overdue = (e["data"] for e in mine)
        assert (set_["reason"], set_["revision"], set_["previous_due_on"], set_["lead_unit"]) == (
            "assigned",
            1,
            None,
            "zjj",
        )
        assert ack["limit_at"] == "2026-11-23T09:30:00Z"  # Monday 17:30, one working day after Friday
        assert (reminder["workdays_left"], reminder["scheduled_at"]) == (2, "2026-12-03T01:00:00Z")
        assert overdue["due_at"] == "2026-12-07T09:30:00Z"
        assert len({e["data"]["timer_id"] for e in mine[1:]}) == 4
        assert [e["time"] for e in mine[3:]] == ["2026-12-03T01:00:00.000000Z", "2026-12-07T09:30:00.000000Z"]


async def test_later_task_facts_cancel_the_timers_they_make_pointless(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        signed, done, bounced = await assign(d), await assign(d), await assign(d)
        now = d.runtime.clock.now()
        await d.tell(ev.TaskAcknowledged(**about(signed), unit="zjj", acknowledged_at=now))
        await d.tell(ev.TaskCompletionSubmitted(**about(done), unit="zjj", submitted_at=now))
        await d.tell(ev.TaskDeclined(**about(bounced), unit="zjj", reason="不属于本单位职责", declined_at=now))
        await d.wait_for(
            lambda: _states(d, bounced.task_id, "cancelled", 4), what="the declined task's timers cancelled"
        )
        await d.tell(ev.TaskReassigned(**about(bounced), previous_unit="zjj", lead_unit="fgj", reassigned_at=now))
        await d.wait_for(lambda: _states(d, bounced.task_id, "pending", 4), what="the reassigned task's new timers")
        await d.wait_for(lambda: _states(d, done.task_id, "cancelled", 4), what="the completed task's timers cancelled")
        await d.wait_for(
            lambda: _states(d, signed.task_id, "cancelled", 2), what="the signed task's sign-for timers cancelled"
        )

        await d.set_time(local(2026, 12, 8))
        events = await d.events()
        check_contract(events)
        assert [e["type"] for e in of_task(events, signed.task_id)] == [
            ev.DEADLINE_SET,
            ev.DEADLINE_REMINDER,
            ev.DEADLINE_OVERDUE,
        ]
        assert [e["type"] for e in of_task(events, done.task_id)] == [ev.DEADLINE_SET]
        assert (await d.deadline(done.task_id))["light"] == "green"
        fired = of_task(events, bounced.task_id)
        assert [e["type"] for e in fired] == [ev.DEADLINE_SET, ev.DEADLINE_SET, *EVERY_TIMER]
        assert all(e["data"]["lead_unit"] == "fgj" for e in fired[1:])
        # the same deadline, announced again with the new unit's limits (tasking keeps no window of its own)
        first, again = fired[0]["data"], fired[1]["data"]
        assert (again["reason"], again["due_on"], again["revision"]) == ("reassigned", first["due_on"], 2)
        assert again["decline_until"] and again["acknowledge_by"]  # counted from the reassignment (here the same day)


async def _states(d, task_id: str, state: str, n: int) -> bool:
    row = await d.deadline(task_id)
    return row is not None and sum(1 for x in row["timers"] if x["state"] == state) >= n


async def test_a_fact_about_an_unknown_task_is_retried_then_dead_lettered_with_the_reason(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, START, max_deliver=2) as d:
        await d.publish(ev.TASK_COMPLETED, ev.TaskCompleted(task_id="no-such-task", matter_id="m", completed_at=START))
        await d.publish(
            ev.TASK_ASSIGNED, {"task_id": "t-bad", "matter_id": "m", "title": "x", "lead_unit": "zjj"}
        )  # no origin, no assigned_at
        letters = await d.wait_for(lambda: _at_least(d.events("duban.dlq.demo.deadline"), 2), what="two dead letters")
        reasons = {json.loads(x["original"])["type"]: x["reason"] for x in letters}
        assert (
            "has no deadline yet" in reasons[ev.TASK_COMPLETED] and "after 2 deliveries" in reasons[ev.TASK_COMPLETED]
        )
        assert "does not match its contract" in reasons[ev.TASK_ASSIGNED] and "origin" in reasons[ev.TASK_ASSIGNED]
        assert next(x for x in letters if "contract" in x["reason"])["deliveries"] == 1  # refused at once, not retried
        t = await assign(d)  # and the consumer keeps going
        assert (await d.deadline(t.task_id))["due_on"] == "2026-12-07"


async def _at_least(events_coro, n: int):
    events = await events_coro
    return events if len(events) >= n else None


async def test_extensions_are_checked_decided_and_move_the_deadline_and_its_timers(fresh_nats, db_url, duban_auth):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        t = await assign(d)
        url = f"/v1/tenants/{TENANT}/tasks/{t.task_id}/extensions"
        for body, loc in [
            ({"reason": " ", "requested_due_on": "2026-12-18"}, ["body", "reason"]),
            ({"reason": "需协调多部门", "requested_due_on": "2026-12-04"}, ["body", "requested_due_on"]),
            ({"reason": "需协调多部门", "requested_due_on": "2026-13-01"}, ["body", "requested_due_on"]),
            ({"reason": "需协调多部门"}, ["body", "requested_due_on"]),
        ]:
            r = await d.http.post(url, json=body)
            assert r.status_code == 422 and r.json()["errors"][0]["loc"] == loc, r.text
        assert (await d.http.get(url)).json()["items"] == []

        handler = {
            "Authorization": "Bearer " + duban_auth.token(tenant=TENANT, roles=["unit"], unit="zjj", name="王五")
        }
        r = await d.http.post(
            url, json={"reason": "涉及征地，需协调自然资源局", "requested_due_on": "2026-12-19"}, headers=handler
        )
        assert r.status_code == 201, r.text
        ext = r.json()
        assert (
            await d.http.post(url, json={"reason": "再延", "requested_due_on": "2026-12-30"})
        ).status_code == 409  # one at a time

        decision = f"{url}/{ext['id']}/decision"
        r = await d.http.post(decision, json={"decision": "denied"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "reason"]
        office = {
            "Authorization": "Bearer " + duban_auth.token(tenant=TENANT, roles=["supervision_office"], name="李敏")
        }
        r = await d.http.post(decision, json={"decision": "approved", "reason": "同意"}, headers=office)
        assert r.status_code == 200, r.text
        [recorded] = (await d.http.get(url)).json()["items"]
        assert (recorded["requested_by"], recorded["decided_by"]) == (
            "王五（zjj）",
            "李敏",
        )  # who acted, from the tokens
        assert (await d.http.post(decision, json={"decision": "approved"})).status_code == 409  # decided already

        row = await d.deadline(t.task_id)
        assert (row["due_on"], row["rule"], row["revision"]) == ("2026-12-21", "extension", 2)  # Sat Dec 19 → Monday
        assert [(h["revision"], h["reason"], h["due_on"]) for h in row["history"]] == [
            (1, "assigned", "2026-12-07"),
            (2, "extension_approved", "2026-12-21"),
        ]
        assert [(x["status"], x["granted_due_on"]) for x in row["extensions"]] == [("approved", "2026-12-21")]
        pending = {x["kind"]: x["due_at"] for x in row["timers"] if x["state"] == "pending"}
        assert pending["reminder"] == "2026-12-17T01:00:00Z" and pending["overdue"] == "2026-12-21T09:30:00Z"

        events = await d.events()
        check_contract(events)
        mine = [e for e in events if e["data"].get("task_id") == t.task_id and e["source"] == "/duban/deadline"]
        assert [e["type"] for e in mine] == [
            ev.DEADLINE_SET,
            ev.EXTENSION_REQUESTED,
            ev.EXTENSION_DECIDED,
            ev.DEADLINE_SET,
        ]
        assert mine[2]["data"]["decision"] == "approved" and mine[2]["data"]["new_due_on"] == "2026-12-21"
        assert (mine[3]["data"]["previous_due_on"], mine[3]["data"]["reason"], mine[3]["data"]["extension_id"]) == (
            "2026-12-07",
            "extension_approved",
            ext["id"],
        )

        await d.set_time(local(2026, 12, 22))  # too late now: asked after the deadline
        r = await d.http.post(url, json={"reason": "仍需时间", "requested_due_on": "2026-12-31"})
        assert r.status_code == 409 and "届满前" in r.json()["detail"]


async def test_an_extension_requested_by_tasking_is_recorded_once_and_a_late_one_denied_with_the_reason(
    fresh_nats, db_url
):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        t = await assign(d)
        asked = ev.ExtensionRequested(
            extension_id="ext-1",
            task_id=t.task_id,
            matter_id=t.matter_id,
            unit="zjj",
            reason="需补充材料",
            requested_due_on=date(2026, 12, 14),
            requested_at=START.astimezone(timezone.utc),
        )
        for _ in range(2):
            await d.publish(ev.EXTENSION_REQUESTED, asked)
        late = asked.model_copy(update={"extension_id": "ext-2", "requested_at": local(2026, 12, 8)})
        await d.publish(ev.EXTENSION_REQUESTED, late)
        items = await d.wait_for(lambda: _extensions(d, t.task_id, 2), what="two recorded requests")
        assert [(x["id"], x["channel"], x["status"]) for x in items] == [
            ("ext-1", "event", "pending"),
            ("ext-2", "event", "denied"),
        ]
        assert "pending" not in items[1]["decision_reason"] and "不符合延期规定" in items[1]["decision_reason"]
        decided = [e for e in await d.events() if e["type"] == ev.EXTENSION_DECIDED]
        assert [(e["data"]["extension_id"], e["data"]["decision"]) for e in decided] == [("ext-2", "denied")]


async def _extensions(d, task_id: str, n: int):
    items = (await d.http.get(f"/v1/tenants/{TENANT}/tasks/{task_id}/extensions")).json()["items"]
    return items if len(items) >= n else None


async def test_a_local_holiday_recomputes_the_open_deadlines_it_touches_and_says_which_moved(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        executive, message = await assign(d), await assign(d, origin_=origin("online_message"))
        assert (await d.deadline(message.task_id))["due_on"] == "2026-12-04"  # 10 working days
        url = f"/v1/tenants/{TENANT}/calendar/local-holidays/2026-12-07"
        assert (await d.http.put(url, json={})).json()["errors"][0]["loc"] == ["body", "name"]
        assert (
            await d.http.put(f"/v1/tenants/{TENANT}/calendar/local-holidays/2026-12-32", json={"name": "x"})
        ).status_code == 422
        r = await d.http.put(url, json={"name": "自治县成立纪念日"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["moved"] == [
            {
                "task_id": executive.task_id,
                "matter_id": executive.matter_id,
                "from": "2026-12-07",
                "to": "2026-12-08",
                "provisional": False,
            }
        ]
        assert body["recomputed"] == 1  # the message is due Dec 4: untouched
        row = await d.deadline(executive.task_id)
        assert {x["kind"]: x["due_at"] for x in row["timers"] if x["state"] == "pending"}[
            "overdue"
        ] == "2026-12-08T09:30:00Z"
        calendar = (
            await d.http.get(f"/v1/tenants/{TENANT}/calendar", params={"from": "2026-12-05", "to": "2026-12-08"})
        ).json()
        assert [x["kind"] for x in calendar["days"]] == ["weekend", "weekend", "local_holiday", "workday"]
        assert calendar["today"] == START.astimezone(TZ).date().isoformat()  # the simulated day, not the real one

        r = await d.http.delete(url)
        assert r.json()["moved"][0]["to"] == "2026-12-07"
        assert (await d.http.delete(url)).status_code == 404
        sets = await d.published(ev.DEADLINE_SET, executive.task_id)
        assert [(s["due_on"], s["reason"], s["revision"]) for s in sets] == [
            ("2026-12-07", "assigned", 1),
            ("2026-12-08", "calendar_changed", 2),
            ("2026-12-07", "calendar_changed", 3),
        ]


async def test_a_deadline_in_an_unscheduled_year_is_provisional_until_the_schedule_is_loaded(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, local(2026, 11, 2)) as d:
        t = await assign(d, origin_=origin("deputy_suggestion", led_by_leader="县长 张三"))
        row = await d.deadline(t.task_id)
        assert (row["due_on"], row["provisional"]) == ("2027-05-03", True)
        assert [x["seq"] for x in row["timers"] if x["kind"] == "progress"] == [1, 2, 3, 4, 5]  # monthly reports
        years = {y["year"]: y for y in (await d.http.get(f"/v1/tenants/{TENANT}/calendar/years")).json()["years"]}
        assert (years[2026]["schedule"], years[2027]["schedule"], years[2027]["provisional"]) == (
            "chinese-calendar",
            None,
            True,
        )

        url = f"/v1/tenants/{TENANT}/calendar/years/2027"
        for body, loc in [
            ({"holidays": ["2026-10-01"]}, ["body", "holidays", 0]),
            ({"holidays": ["2027-01-01"], "working_weekends": ["2027-02-22"]}, ["body", "working_weekends", 0]),
            ({"holidays": []}, ["body", "holidays"]),
        ]:
            r = await d.http.put(url, json=body)
            assert r.status_code == 422 and r.json()["errors"][0]["loc"] == loc, r.text
        schedule = {
            "holidays": [
                "2027-01-01",
                *[f"2027-05-0{n}" for n in range(1, 6)],
                *[f"2027-10-0{n}" for n in range(1, 8)],
            ],
            "working_weekends": ["2027-04-25", "2027-05-08", "2027-10-09"],
            "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        }
        r = await d.http.put(url, json=schedule)
        assert r.status_code == 200, r.text
        assert r.json()["moved"] == [
            {
                "task_id": t.task_id,
                "matter_id": t.matter_id,
                "from": "2027-05-03",
                "to": "2027-05-06",
                "provisional": False,
            }
        ]
        assert (await d.deadline(t.task_id))["provisional"] is False
        sets = await d.published(ev.DEADLINE_SET)
        assert [(s["due_on"], s["provisional"], s["reason"]) for s in sets] == [
            ("2027-05-03", True, "assigned"),
            ("2027-05-06", False, "schedule_loaded"),
        ]


async def test_policies_are_per_tenant_and_the_office_issuing_late_is_shown(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        url = f"/v1/tenants/{TENANT}/deadline-policies"
        r = await d.http.put(
            url,
            json={
                "rules": {"meeting_executive": {"period": {"unit": "weeks", "amount": 3}}},
                "settings": {"due_time": "noon"},
            },
        )
        assert r.status_code == 422 and r.json()["errors"][0]["loc"][:3] == ["body", "settings", "due_time"]
        r = await d.http.put(url, json={"rules": {"meeting_party": {"period": {"unit": "days", "amount": 3}}}})
        assert (
            r.status_code == 422
            and r.json()["errors"][0]["loc"] == ["body", "rules"]
            and "meeting_party" in r.json()["errors"][0]["msg"]
        )
        assert (await d.http.get(url)).json()["overrides"] == {}  # nothing changed
        r = await d.http.put(
            url,
            json={
                "rules": {"meeting_executive": {"period": {"unit": "weeks", "amount": 3}}},
                "settings": {"reminder_workdays": 3, "due_time": "18:00"},
            },
        )
        assert r.status_code == 200, r.text
        got = (await d.http.get(url)).json()
        assert got["rules"]["meeting_executive"] == {
            "period": {"unit": "weeks", "amount": 3},
            "maximum": None,
            "counted_from": "origin",
            "satisfied_by": "feedback",
            "label": "会后3周",
            "overridden": True,
        }
        assert got["settings"]["yellow_workdays"] == 3 and got["settings"]["due_time"] == "18:00"
        assert (await d.http.get("/v1/tenants/other-county/deadline-policies")).json()["rules"]["meeting_executive"][
            "overridden"
        ] is False

        t = await assign(
            d, origin_=origin(meeting_type="executive", origin_on="2026-11-16")
        )  # the meeting was on Monday
        row = await d.deadline(t.task_id)
        assert (row["due_on"], row["due_at"]) == (
            "2026-12-07",
            "2026-12-07T10:00:00Z",
        )  # 3 weeks from the meeting, 18:00
        assert (row["notice_limit_on"], row["notice_late_workdays"], row["notice_late"]) == ("2026-11-19", 1, True)
        late = await d.published(ev.DEADLINE_NOTICE_LATE)
        assert [(x["task_id"], x["late_workdays"], x["limit_rule"]) for x in late] == [
            (t.task_id, 1, "meeting_executive")
        ]
        assert "迟 1 个工作日" in late[0]["note"]


async def test_timers_due_while_the_service_was_down_fire_on_start_and_reminders_wait_for_working_hours(
    fresh_nats, db_url
):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        early, late = await assign(d), await assign(d, origin_=origin("online_message"))  # due Dec 7 and Dec 4
    # down over the weekend; back on Saturday night Dec 5 (the reminders were due Dec 2 and 3 at 09:00)
    async with running_deadline(fresh_nats.url, db_url, local(2026, 12, 5, 22, 0)) as d:
        await d.wait_for(lambda: _states(d, late.task_id, "fired", 3), what="the overdue task's timers fired on start")
        events = await d.events()
        assert [e["type"] for e in of_task(events, late.task_id)] == [
            ev.DEADLINE_SET,
            ev.DEADLINE_ACKNOWLEDGEMENT_OVERDUE,
            ev.DEADLINE_DECLINE_WINDOW_CLOSED,
            ev.DEADLINE_OVERDUE,
        ]
        skipped = [x for x in (await d.deadline(late.task_id))["timers"] if x["kind"] == "reminder"]
        assert skipped[0]["state"] == "skipped" and "deadline" in skipped[0]["note"]
        waiting = [x for x in (await d.deadline(early.task_id))["timers"] if x["kind"] == "reminder"][0]
        assert (waiting["state"], waiting["due_at"]) == (
            "pending",
            "2026-12-07T01:00:00Z",
        )  # Monday 09:00, not Saturday night
        await d.set_time(local(2026, 12, 7, 9, 0))
        events = await d.events()
        assert Counter(e["type"] for e in of_task(events, early.task_id)) == Counter(
            {
                ev.DEADLINE_SET: 1,
                ev.DEADLINE_ACKNOWLEDGEMENT_OVERDUE: 1,
                ev.DEADLINE_DECLINE_WINDOW_CLOSED: 1,
                ev.DEADLINE_REMINDER: 1,
            }
        )
        check_contract(events)


async def test_a_returned_task_keeps_its_deadline_and_a_reopened_one_gets_a_fresh_period(fresh_nats, db_url):
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        returned, reopened = await assign(d), await assign(d)
        now = d.runtime.clock.now()
        for t in (returned, reopened):
            await d.tell(ev.TaskCompletionSubmitted(**about(t), unit="zjj", submitted_at=now))
        await d.tell(ev.TaskReturned(**about(returned), unit="zjj", reason="材料不全", returned_at=now))
        await d.tell(ev.TaskCompleted(**about(reopened), completed_at=now))
        # one consumer applies task.* in order: once the later acceptance shows, the return was applied
        await d.wait_for(lambda: _status(d, reopened.task_id, "completed"), what="the accepted task")
        await d.wait_for(
            lambda: _states(d, returned.task_id, "pending", 2), what="the returned task's timers planned again"
        )
        row = await d.deadline(returned.task_id)
        assert (row["status"], row["due_on"]) == ("open", "2026-12-07")
        assert sorted(x["kind"] for x in row["timers"] if x["state"] == "pending") == ["overdue", "reminder"]

        await d.set_time(local(2026, 12, 10))  # a spot check finds it not done
        await d.tell(
            ev.TaskReopened(**about(reopened), unit="zjj", reason="回访不满意", reopened_at=local(2026, 12, 10))
        )
        await d.wait_for(lambda: _status(d, reopened.task_id, "open"), what="the reopened task")
        row = await d.deadline(reopened.task_id)
        assert (row["due_on"], row["light"], row["revision"]) == ("2026-12-25", "green", 2)  # 15 days from Dec 10
        sets = await d.published(ev.DEADLINE_SET, reopened.task_id)
        assert [(s["reason"], s["previous_due_on"], s["due_on"]) for s in sets] == [
            ("assigned", None, "2026-12-07"),
            ("reopened", "2026-12-07", "2026-12-25"),
        ]
        overdue = [e for e in await d.events() if e["type"] == ev.DEADLINE_OVERDUE]
        assert [e["data"]["task_id"] for e in overdue] == [
            returned.task_id
        ]  # the returned one is late; the reopened one is not


async def _status(d, task_id: str, status: str) -> bool:
    row = await d.deadline(task_id)
    return row is not None and row["status"] == status


async def test_provisional_deadlines_are_recomputed_on_start_when_a_newer_calendar_knows_the_year(
    fresh_nats, db_url, monkeypatch
):
    async with running_deadline(fresh_nats.url, db_url, local(2026, 11, 2)) as d:
        t = await assign(d, origin_=origin("cppcc_proposal", led_by_leader="副县长 李四"))
        assert ((await d.deadline(t.task_id))["due_on"], (await d.deadline(t.task_id))["provisional"]) == (
            "2027-05-03",
            True,
        )

    # the service is upgraded with a chinese-calendar release that knows 2027 (Labour Day May 1-5)
    import chinese_calendar

    import duban_common.calendar as calendar_module

    known, real_is_workday = calendar_module._package_knows, chinese_calendar.is_workday
    off_2027 = {date(2027, 1, 1), *(date(2027, 5, n) for n in range(1, 6))}
    monkeypatch.setattr(calendar_module, "_package_knows", lambda year: year == 2027 or known(year))
    monkeypatch.setattr(
        chinese_calendar,
        "is_workday",
        lambda day: (day.weekday() < 5 and day not in off_2027) if day.year == 2027 else real_is_workday(day),
    )
    async with running_deadline(fresh_nats.url, db_url, local(2026, 11, 3)) as d:
        row = await d.wait_for(lambda: _not_provisional(d, t.task_id), what="the deadline recomputed on start")
        assert row["due_on"] == "2027-05-06"
        sets = await d.published(ev.DEADLINE_SET)
        assert [(s["due_on"], s["provisional"], s["reason"]) for s in sets] == [
            ("2027-05-03", True, "assigned"),
            ("2027-05-06", False, "calendar_updated"),
        ]


async def _not_provisional(d, task_id: str):
    row = await d.deadline(task_id)
    return row if row and not row["provisional"] else None


async def test_a_feedback_report_in_time_meets_a_meeting_deadline_and_the_next_is_due_monthly(fresh_nats, db_url):
    """County notice: 「县政府常务会的落实情况须在会后半个月内…反馈」, a feedback report, not the end of
    the work; Bozhou: 「办理时限规定超过1个月的，由办理单位分月报告工作进展情况」. A unit that reports in
    time is not overdue; its next report is due a month later, and missing that one is 逾期不报."""
    async with running_deadline(fresh_nats.url, db_url, START) as d:
        t = await assign(d)  # executive meeting held the day of the assignment: due Dec 7
        await d.set_time(local(2026, 12, 4, 10))
        await d.tell(ev.TaskProgressReported(**about(t), unit="zjj", reported_at=local(2026, 12, 4, 10), progress=0))
        await d.wait_for(lambda: _due(d, t.task_id, "2027-01-07"), what="the next feedback's day")
        await d.set_time(local(2026, 12, 8, 10))
        assert (await d.deadline(t.task_id))["light"] == "green"
        sets = await d.published(ev.DEADLINE_SET, t.task_id)
        assert [(s["reason"], s["due_on"], s["satisfied_by"], s["counted_from"], s["rule_label"]) for s in sets] == [
            ("assigned", "2026-12-07", "feedback", "origin", "会后半个月"),
            ("feedback_received", "2027-01-07", "feedback", "origin", "会后半个月"),
        ]
        assert (
            sets[0]["decline_until"] == "2026-11-24T09:30:00Z" and sets[0]["acknowledge_by"] == "2026-11-23T09:30:00Z"
        )
        await d.set_time(local(2027, 1, 8, 10))  # the January report missed: late like a deadline
        overdue = await d.published(ev.DEADLINE_OVERDUE, t.task_id)
        assert [o["due_on"] for o in overdue] == ["2027-01-07"]
        check_contract(await d.events())


async def _due(d, task_id: str, due_on: str) -> bool:
    row = await d.deadline(task_id)
    return row is not None and row["due_on"] == due_on
