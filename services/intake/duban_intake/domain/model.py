"""From a validated submission to the matters it becomes, and triage. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel

from duban_common.contracts import submissions as sub
from duban_common.contracts.events import MatterOrigin

PENDING_NO_LEAD_UNIT = "no_lead_unit"
PENDING_REVIEW = "review_required"


@dataclass(frozen=True)
class MatterDraft:
    item_seq: int
    title: str
    content: str
    lead_unit: str | None
    co_units: list[str] = field(default_factory=list)
    requested_due_on: date | None = None
    extra_origin: dict = field(default_factory=dict)

    @property
    def has_lead_unit(self) -> bool:
        return bool(self.lead_unit)


def drafts(data: BaseModel) -> list[MatterDraft]:
    """One draft per decision of a meeting; one for every other kind."""
    if isinstance(data, sub.MeetingDecision):
        return [
            MatterDraft(
                item_seq=d.seq,
                title=d.title,
                content=d.content,
                lead_unit=d.lead_unit,
                co_units=list(d.co_units),
                requested_due_on=d.due_on,
                extra_origin={"decision_seq": d.seq, "handled_by_office": d.handled_by_office},
            )
            for d in sorted(data.decisions, key=lambda d: d.seq)
        ]
    return [
        MatterDraft(
            item_seq=1,
            title=getattr(data, "title"),  # every kind but a meeting's decisions has one title and content
            content=getattr(data, "content"),
            lead_unit=getattr(data, "lead_unit", None),
            co_units=list(getattr(data, "co_units", []) or []),
            requested_due_on=getattr(data, "due_on", None),
            extra_origin={"handled_by_office": getattr(data, "handled_by_office", None)},
        )
    ]


def title_of(data: BaseModel) -> str:
    if isinstance(data, sub.MeetingDecision):
        return data.meeting.title
    return getattr(data, "title")


def triage(items: list[MatterDraft], review_required: bool) -> str | None:
    """None: register at once; otherwise why the submission waits for the supervision office."""
    if not all(d.has_lead_unit for d in items):
        return PENDING_NO_LEAD_UNIT
    return PENDING_REVIEW if review_required else None


def with_units(items: list[MatterDraft], choices: dict[int, dict]) -> list[MatterDraft]:
    """The office's choice of units (by item seq) applied over what was submitted."""
    out = []
    for draft in items:
        choice = choices.get(draft.item_seq)
        if choice is None:
            out.append(draft)
            continue
        out.append(
            MatterDraft(
                draft.item_seq,
                draft.title,
                draft.content,
                choice["lead_unit"],
                list(choice.get("co_units") or []),
                choice.get("due_on") or draft.requested_due_on,
                draft.extra_origin,
            )
        )
    return out


def origin(
    kind: str, source: str, submission_id: str, external_id: str, data: BaseModel, draft: MatterDraft
) -> MatterOrigin:
    matter_origin = MatterOrigin(
        kind=kind, source=source, submission_id=submission_id, external_id=external_id, **draft.extra_origin
    )
    if isinstance(data, sub.MeetingDecision):
        matter_origin.meeting_type, matter_origin.meeting_title, matter_origin.meeting_held_on = (
            data.meeting.type.value,
            data.meeting.title,
            data.meeting.held_on,
        )
        matter_origin.minutes_no, matter_origin.origin_on = data.meeting.minutes_no, data.meeting.held_on
    elif isinstance(data, sub.LeaderInstruction):
        matter_origin.leader_name, matter_origin.leader_role, matter_origin.origin_on = (
            data.leader.name,
            data.leader.role.value,
            data.instructed_on,
        )
    elif isinstance(data, sub.Proposal):
        matter_origin.led_by_leader, matter_origin.origin_on = data.led_by_leader, data.submitted_on
    elif isinstance(data, sub.Document):
        matter_origin.handling, matter_origin.origin_on = data.handling.value, data.received_on
    elif isinstance(data, (sub.OnlineMessage, sub.SuperiorAssignment)):
        matter_origin.origin_on = data.received_on
    elif isinstance(data, sub.WorkReportTask):
        # 「须在县"两会"结束后1周内下发」: the notice limit counts from it
        matter_origin.origin_on = data.congress_closed_on
    matter_origin.source_no = _source_number(data)
    return matter_origin


def _source_number(data: BaseModel) -> str | None:
    """The number the source platform gave the item (工单号, 提案号, 来文文号), for the reply back to it."""
    for name in ("number", "reference_no", "doc_no"):
        value = getattr(data, name, None)
        if value:
            return value
    return None
