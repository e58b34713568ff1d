"""Ledger rules: a matter's status from its tasks, and status lights. Pure: no I/O."""

from __future__ import annotations

from datetime import date, datetime

from duban_common.calendar import WorkCalendar, local_day
from duban_common.contracts.submissions import KIND_LABEL  # noqa: F401 - re-exported: the ledger, dashboard and documents name kinds from here

STATUS_LABEL = {
    "registered": "已立项",
    "assigned": "已交办",
    "acknowledged": "已签收",
    "in_progress": "办理中",
    "declined": "已退回",
    "completion_submitted": "待审核",
    "returned": "退回重办",
    "completed": "已办结",
    "reopened": "重新办理",
    "transferred": "已移交纪委监委",
}
# Every status but completed is open. As an IN list (not `!= 'completed'`) the light filters can
# range-scan the (tenant, status, due_at, due_on) index once per open status.
OPEN_STATUSES = tuple(s for s in STATUS_LABEL if s != "completed")
# escalation's facts as the office names them (dashboard, bulletins, special reports)
ESCALATION_LABEL = {
    "urged": "催办",
    "bulletined": "通报",
    "explanation_required": "责令书面说明",
    "deducted": "扣分",
    "order_issued": "督办单",
    "transferred": "移交纪委监委",
}
LIGHT_LABEL = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


def light_label(light_: str | None, status: str) -> str:
    """The light as the office reads it: a transferred matter's says so."""
    label = LIGHT_LABEL.get(light_ or "", "未定时限")
    return f"{label}（已移交纪委监委）" if status == "transferred" else label


# task event type → the task's state after it
TASK_STATE = {
    "duban.task.assigned.v1": "assigned",
    "duban.task.reassigned.v1": "assigned",
    "duban.task.acknowledged.v1": "acknowledged",
    "duban.task.declined.v1": "declined",
    "duban.task.progress_reported.v1": "in_progress",
    "duban.task.completion_submitted.v1": "completion_submitted",
    "duban.task.returned.v1": "returned",
    "duban.task.completed.v1": "completed",
    "duban.task.reopened.v1": "reopened",
}


def task_status(state: str, transferred: bool) -> str:
    """A task the escalation ladder handed to the discipline body shows that until it is done,
    whatever the unit did after."""
    return "transferred" if transferred and state != "completed" else state


def matter_status(task_states: list[str]) -> str:
    """One task: its state. Several (split): completed when all are, transferred when one is,
    assigned while none has moved, otherwise in progress. No task yet: registered."""
    if not task_states:
        return "registered"
    if "transferred" in task_states:
        return "transferred"
    if len(task_states) == 1:
        return task_states[0]
    if all(s == "completed" for s in task_states):
        return "completed"
    if all(s == "assigned" for s in task_states):
        return "assigned"
    return "in_progress"


def yellow_until(cal: WorkCalendar, now: datetime, workdays: int) -> date:
    """Deadlines on or before this day (and not yet passed) are yellow."""
    return cal.add_workdays(local_day(now), workdays).day


def light(
    status: str,
    due_on: date | None,
    due_at: datetime | None,
    now: datetime,
    yellow_day: date,
    yellow_from: datetime | None = None,
) -> str | None:
    """green on track, yellow near the deadline, red overdue; None before a deadline is set. Yellow
    from ``yellow_from`` as the deadline service announced it (the tenant's policy); ``yellow_day``
    (the service's setting) only for a deadline announced before it said so."""
    if due_at is None or due_on is None:
        return None
    if status == "completed":
        return "green"
    if now > due_at:
        return "red"
    if yellow_from is not None:
        return "yellow" if now >= yellow_from else "green"
    return "yellow" if due_on <= yellow_day else "green"


def source_label(row: dict) -> str:
    """来源 as the office writes it: the kind, then what identifies the origin (the meeting, the
    leader's instruction, the masked citizen)."""
    kind = KIND_LABEL.get(row.get("kind") or "", row.get("kind") or "")
    detail: list[str] = []
    if row.get("meeting_title"):
        seq = row.get("decision_seq")
        detail.append(f"{row['meeting_title']}第{seq}项" if seq else row["meeting_title"])
    if row.get("leader_name"):
        detail.append(f"{row['leader_name']}批示")
    if row.get("led_by_leader"):
        detail.append(f"{row['led_by_leader']}领衔")
    if row.get("citizen_name") or row.get("citizen_phone"):
        detail.append(" ".join(x for x in (row.get("citizen_name"), row.get("citizen_phone")) if x))
    if not detail and row.get("external_id"):
        detail.append(row["external_id"])
    return f"{kind}（{'；'.join(detail)}）" if detail else kind
