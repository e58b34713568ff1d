"""Inbound submissions (CONTRACT.md): one pydantic model per source kind.

Dates are ``YYYY-MM-DD`` (Asia/Shanghai). Unit fields are the tenant's unit codes.
Extra fields are allowed (platforms may send more than we read) and kept, within bounds: the
fields an object of ``data`` carries beyond those named here are refused when they nest deeper
than :data:`EXTRA_DEPTH` or take more than :data:`EXTRA_BYTES` as JSON (a 960 KB array nested
190 deep was stored as part of a matter).
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


EXTRA_DEPTH = 8  # levels of lists and objects in one unknown field
EXTRA_BYTES = 32_000  # the unknown fields of one object, as UTF-8 JSON


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _bounded_extras(self):
        extra = self.model_extra
        if not extra:
            return self
        for name, value in extra.items():
            if _deeper_than(value, EXTRA_DEPTH):
                raise ValueError(f"附加字段 {name} 嵌套超过 {EXTRA_DEPTH} 层，请精简后再报送")
        size = len(json.dumps(extra, ensure_ascii=False, default=str).encode())
        if size > EXTRA_BYTES:
            raise ValueError(
                f"附加字段（{'、'.join(list(extra)[:5])}）共 {size} 字节，超过上限 {EXTRA_BYTES} 字节，请精简后再报送"
            )
        return self


def _deeper_than(value, limit: int) -> bool:
    """Whether lists and objects nest in ``value`` more than ``limit`` levels (without recursion)."""
    level = [value]
    for _ in range(limit + 1):
        level = [v for x in level if isinstance(x, (list, dict)) for v in (x.values() if isinstance(x, dict) else x)]
        if not level:
            return False
    return True


class _Units(_Data):
    lead_unit: UnitCode | None = None
    co_units: list[UnitCode] = Field(default_factory=list, max_length=50)
    handled_by_office: bool | None = Field(
        None,
        description="the supervision office handles it itself (县政府办公室（含督查室）督办件): 10 working days where the tenant counts by who handles the item",
    )

    @model_validator(mode="after")
    def _lead_not_co(self):
        if self.lead_unit and self.lead_unit in self.co_units:
            raise ValueError(f"lead_unit {self.lead_unit!r} is also listed in co_units")
        return self


class MeetingType(StrEnum):
    plenary = "plenary"
    executive = "executive"
    office = "office"
    weekly = "weekly"
    topic = "topic"
    special_body = "special_body"


class Meeting(_Data):
    type: MeetingType
    title: Title
    held_on: date
    minutes_no: Short | None = None


class Decision(_Units):
    seq: int = Field(ge=1, le=10000)
    title: Title
    content: Text
    due_on: date | None = None


class MeetingDecision(_Data):
    meeting: Meeting
    decisions: list[Decision] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _unique_seq(self):
        seqs = [decision.seq for decision in self.decisions]
        dup = sorted({s for s in seqs if seqs.count(s) > 1})
        if dup:
            raise ValueError(f"decision seq must be unique within a meeting; repeated: {dup}")
        return self


class LeaderRole(StrEnum):
    principal = "principal"
    deputy = "deputy"


class Leader(_Data):
    name: Short
    role: LeaderRole


class LeaderInstruction(_Units):
    leader: Leader
    instructed_on: date
    title: Title
    content: Text
    due_on: date | None = None


class Proposal(_Units):
    number: Short = Field(description="the number the congress or the CPPCC gave it (建议号, 提案号)")
    proposer: Short
    title: Title
    content: Text
    submitted_on: date = Field(description="the day it was submitted at the congress or the CPPCC session")
    led_by_leader: Short | None = None


class Channel(StrEnum):
    """The platform an online message came in on: 人民网领导留言板 (people_daily), 国务院“互联网+督查”
    (state_council), 12345 热线 (hotline_12345), the government's portal (portal)."""

    people_daily = "people_daily"
    state_council = "state_council"
    hotline_12345 = "hotline_12345"
    portal = "portal"


class Citizen(_Data):
    name: Short | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,20}$")] | None = None


class OnlineMessage(_Data):
    channel: Channel
    number: Short = Field(description="the platform's own number for the message (工单号)")
    title: Title
    content: Text
    received_on: date
    citizen: Citizen | None = None
    lead_unit: UnitCode | None = None


class WorkReportTask(_Units):
    year: int = Field(ge=2000, le=2100)
    title: Title
    content: Text
    section: Short | None = None
    lead_leader: Short | None = None
    due_on: date | None = None
    congress_closed_on: date | None = Field(
        None, description="the day the county people's congress closed: the breakdown must go out within 1 week of it"
    )


class SuperiorAssignment(_Units):
    issuer: Short
    reference_no: Short = Field(description="the superior office's document number (来文文号)")
    title: Title
    content: Text
    received_on: date = Field(description="the day the superior office's document arrived (收文日期)")
    due_on: date | None = None


class Handling(StrEnum):
    single = "single"
    multi = "multi"
    investigation = "investigation"
    urgent = "urgent"


class Document(_Units):
    doc_no: Short = Field(description="the document's number in the OA system (发文字号)")
    title: Title
    content: Text
    handling: Handling
    received_on: date
    due_on: date | None = None


# each kind as the office names it (ledger, dashboard, documents, workbench)
KIND_LABEL = {
    "meeting_decision": "会议议定事项",
    "leader_instruction": "领导批示",
    "deputy_suggestion": "人大代表建议",
    "cppcc_proposal": "政协提案",
    "online_message": "网民留言",
    "work_report_task": "政府工作报告任务",
    "superior_assignment": "上级交办",
    "document": "公文交办",
}

KINDS: dict[str, type[BaseModel]] = {
    "meeting_decision": MeetingDecision,
    "leader_instruction": LeaderInstruction,
    "deputy_suggestion": Proposal,
    "cppcc_proposal": Proposal,
    "online_message": OnlineMessage,
    "work_report_task": WorkReportTask,
    "superior_assignment": SuperiorAssignment,
    "document": Document,
}


def submission_type(kind: str) -> str:
    return f"duban.submission.{kind}.v1"
