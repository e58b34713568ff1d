"""The demo quarter of the demo tenant (2026年第四季度): what arrives on which day and how each unit
handles its tasks. What arrives (the meetings and their decisions, the leaders' instructions, the
proposals, the work report's tasks, the documents, the words of the citizens' messages) is data, in
demo/quarter.json; this module makes the submissions from it. Deterministic: every choice comes from
one seeded generator.

Each registered matter gets a profile: ``on_time`` (signs, reports, closes before the deadline),
``late`` (closes a few working days after the deadline, after the first urge) or ``ladder`` (signs
and then does nothing: urged, bulletined twice, transferred to the discipline body).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date

from .embedded import demo_quarter_path

TENANT = "demo"
QUARTER_START, QUARTER_END = date(2026, 10, 1), date(2026, 12, 31)
PERIOD = "2026-Q4"
HANDLERS = ["fgj", "zjj", "jyj", "wjj", "nyj", "sthj", "czj", "scjgj", "rsj", "jtj", "yjj", "cgj", "cgz", "xlz"]
LATE_SHARE = {"wjj": 0.5, "xlz": 0.6, "rsj": 0.35}  # units that often miss deadlines; the others rarely do
LADDER_UNIT = "sthj"
SPOT_CHECK_DAYS = (date(2026, 10, 30), date(2026, 11, 30), date(2026, 12, 28))


@dataclass
class Item:
    day: date
    label: str
    envelope: dict
    profiles: dict[int | None, str] = field(default_factory=dict)  # decision seq (None: single matter) → profile

    @property
    def kind(self) -> str:
        return self.envelope["type"].split(".")[2]


def _envelope(kind: str, ext_id: str, source: str, day: date, data: dict) -> dict:
    return {
        "specversion": "1.0",
        "id": ext_id,
        "source": source,
        "type": f"duban.submission.{kind}.v1",
        "time": f"{day.isoformat()}T09:30:00+08:00",
        "tenant": TENANT,
        "datacontenttype": "application/json",
        "data": data,
    }


def _profile(rng: random.Random, unit: str) -> str:
    return "late" if rng.random() < LATE_SHARE.get(unit, 0.05) else "on_time"


def _message_days(count: int) -> list[date]:
    from duban_common.calendar import WorkCalendar

    cal, day, days = WorkCalendar(), date(2026, 10, 9), []
    while day <= date(2026, 12, 25):
        if cal.is_workday(day):
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return [days[i * len(days) // count] for i in range(count)] if count else []


def citizen(rng: random.Random, quarter: dict) -> dict:
    return {
        "name": rng.choice(quarter["surnames"]) + rng.choice(quarter["given_names"]),
        "phone": "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
    }


def _single_item(
    rng: random.Random, day: date, label: str, kind: str, ext_id: str, data: dict, source: str = "/platforms/oa"
) -> Item:
    """One matter (not a meeting's decisions), profiled by its lead unit."""
    return Item(day, label, _envelope(kind, ext_id, source, day, data), {None: _profile(rng, data["lead_unit"])})


def _meeting_items(rng: random.Random, quarter: dict) -> list[Item]:
    """The meetings' decisions, one item per meeting."""
    items = []
    for meeting_no, meeting in enumerate(quarter["meetings"], 1):
        day, mtype, decisions = date.fromisoformat(meeting["held_on"]), meeting["type"], meeting["decisions"]
        data = {
            "meeting": {key: meeting[key] for key in ("type", "title", "held_on", "minutes_no")},
            "decisions": [
                {"seq": i + 1, "title": t, "content": c, "lead_unit": lead, "co_units": co}
                for i, (t, c, lead, co) in enumerate(decisions)
            ],
        }
        profiles = {
            i + 1: "ladder" if lead == LADDER_UNIT and mtype == "executive" and i == 0 else _profile(rng, lead)
            for i, (_, _, lead, _) in enumerate(decisions)
        }
        items.append(
            Item(
                day,
                meeting["label"],
                _envelope("meeting_decision", f"oa-hy-2026-{meeting_no:02d}", "/platforms/oa", day, data),
                profiles,
            )
        )
    return items


def _instruction_items(rng: random.Random, quarter: dict) -> list[Item]:
    """The leaders' written instructions."""
    items = []
    for number, (instructed_on, leader, role, title, lead, co_units) in enumerate(quarter["instructions"], 1):
        day = date.fromisoformat(instructed_on)
        data = {
            "leader": {"name": leader, "role": role},
            "instructed_on": instructed_on,
            "title": title,
            "content": "请牵头单位抓紧研究落实，按时报送办理情况。",
            "lead_unit": lead,
            "co_units": co_units,
        }
        items.append(_single_item(rng, day, "领导批示", "leader_instruction", f"ps-2026-{number:04d}", data))
    return items


def _proposal_items(rng: random.Random, quarter: dict) -> list[Item]:
    """The deputies' suggestions and the CPPCC members' proposals."""
    items = []
    for number, (kind, title, lead, co_units) in enumerate(quarter["proposals"], 1):
        day = date(2026, 10, 20) if kind == "deputy_suggestion" else date(2026, 10, 21)
        source, label = (
            ("/platforms/npc-proposals", "人大代表建议")
            if kind == "deputy_suggestion"
            else ("/platforms/cppcc-proposals", "政协提案")
        )
        proposer = (
            f"县人大代表{rng.choice(quarter['surnames'])}某"
            if kind == "deputy_suggestion"
            else f"县政协委员{rng.choice(quarter['surnames'])}某"
        )
        data = {
            "number": f"第{number:03d}号",
            "proposer": proposer,
            "title": title,
            "content": "建议有关部门统筹研究，加快推进。",
            "submitted_on": "2026-03-06",
            "lead_unit": lead,
            "co_units": co_units,
        }
        items.append(_single_item(rng, day, label, kind, f"{kind[:2]}-2026-{number:03d}", data, source))
    return items


def _work_report_items(rng: random.Random, quarter: dict) -> list[Item]:
    """The government work report's tasks."""
    items = []
    for number, (section, title, lead, co_units, due) in enumerate(quarter["work_report"], 1):
        day = date(2026, 10, 13)
        data = {
            "year": 2026,
            "section": section,
            "title": title,
            "content": title,
            "lead_leader": "王县长",
            "lead_unit": lead,
            "co_units": co_units,
            "due_on": due,
        }
        items.append(
            _single_item(rng, day, "政府工作报告任务分解", "work_report_task", f"gzbg-2026-{number:02d}", data)
        )
    return items


def _other_items(rng: random.Random, quarter: dict) -> list[Item]:
    """Assignments from above and official documents."""
    items = []
    for number, (received_on, kind, data) in enumerate(quarter["others"], 1):
        day, data = date.fromisoformat(received_on), {**data, "received_on": received_on}
        label = "上级交办" if kind == "superior_assignment" else "公文交办"
        items.append(_single_item(rng, day, label, kind, f"{kind[:3]}-2026-{number:03d}", data))
    return items


def _message_items(rng: random.Random, quarter: dict, messages: int) -> list[Item]:
    """The citizens' online messages."""
    items = []
    for number, day in enumerate(_message_days(messages), 1):
        issue, lead = rng.choice(quarter["issues"])
        place = rng.choice(quarter["places"])
        data = {
            "channel": rng.choice(quarter["channels"]),
            "number": f"LY{day:%Y%m%d}{number:04d}",
            "title": f"反映{place}{issue}",
            "content": f"{place}{issue}，希望有关部门尽快处理。",
            "received_on": day.isoformat(),
            "citizen": citizen(rng, quarter),
            "lead_unit": lead,
        }
        source = "/platforms/message-board"
        items.append(_single_item(rng, day, "网民留言", "online_message", f"ly-2026-{number:05d}", data, source))
    return items


def build(seed: int = 20261001, messages: int = 200) -> list[Item]:
    """Everything the quarter brings, in day order."""
    rng = random.Random(seed)  # one generator, drawn from in this order: the same seed, the same quarter
    quarter = json.loads(demo_quarter_path().read_text(encoding="utf-8"))
    items = [
        *_meeting_items(rng, quarter),
        *_instruction_items(rng, quarter),
        *_proposal_items(rng, quarter),
        *_work_report_items(rng, quarter),
        *_other_items(rng, quarter),
        *_message_items(rng, quarter, messages),
    ]
    return sorted(items, key=lambda item: item.day)
