"""One timeline of everything that happened to a task, from the four services that know
a part of it (tasking's history and reports, deadline's changes and extensions,
escalation's urges and explanations). Pure: it only arranges what the page fetched."""

from __future__ import annotations

from datetime import datetime

from duban_common.calendar import TZ
from duban_common.contracts.events import URGE_REASONS

TASK_EVENTS = {
    "assigned": "交办",
    "acknowledged": "签收",
    "declined": "退回交办",
    "reassigned": "重新交办",
    "accepted": "审核通过，办结销号",
    "returned": "退回重办",
    "reopened": "回访不满意，重新办理",
    "completed": "办结销号",
    "spot_checked": "抽查回访",
}
REPORTS = {"progress": "进展反馈", "completion": "办结报告", "input": "协办意见"}
COVERED_BY_REPORTS = {
    "progress_reported": "progress",
    "completion_submitted": "completion",
    "input_sent": "input",
    "co_unit_input_sent": "input",
}
DEADLINE_REASONS = {
    "assigned": "确定办理期限",
    "extended": "延期获批，期限调整",
    "recomputed": "工作日历调整，期限重算",
    "reassigned": "重新交办，期限重算",
}
EXTENSION_STATUS = {"pending": "待审批", "approved": "已批准", "denied": "不予批准"}


def local(at: str | None) -> str:
    if not at:
        return ""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _event_name(event_type: str) -> str:
    parts = event_type.split(".")
    return parts[2] if len(parts) >= 4 else event_type


class _Timeline:
    """The entries of one task's timeline, gathered from the three services' answers."""

    def __init__(self, task: dict, names: dict[str, str]) -> None:
        self.task = task
        self.names = names
        self.items: list[dict] = []
        self.stored = {a["id"]: a for a in task.get("attachments") or [] if isinstance(a, dict) and "id" in a}

    def files(self, refs) -> list[dict]:
        """A report's files as {id, name, size, content_type}, whether it lists them or their ids."""
        return [
            ref if isinstance(ref, dict) else self.stored.get(ref, {"id": ref, "name": "附件"}) for ref in refs or []
        ]

    def add(
        self, at: str | None, what: str, text: str | None = None, who: str | None = None, files: list | None = None
    ) -> None:
        if at:
            self.items.append(
                {"at": at, "when": local(at), "what": what, "text": text, "who": who, "files": files or []}
            )

    def report(self, report: dict, at: str) -> None:
        what = REPORTS.get(report["type"], report["type"])
        if report["type"] == "progress" and report.get("progress") is not None:
            what += f"（进度 {report['progress']}%）"
        self.add(
            at,
            what,
            report.get("text"),
            self.names.get(report.get("unit"), report.get("unit")),
            self.files(report.get("attachments")),
        )

    def event_text(self, name: str, detail: dict) -> str | None:
        if name in ("assigned", "reassigned"):
            text = f"牵头单位：{self.names.get(detail.get('lead_unit'), detail.get('lead_unit') or '')}"
            return text + (f"；交办单 {detail['notice_no']}" if detail.get("notice_no") else "")
        return f"理由：{detail['reason']}" if detail.get("reason") else None

    def tasking(self) -> None:
        # a report's text goes where tasking's history (in the order things happened) has its event
        waiting = {kind: [r for r in self.task.get("reports", []) if r["type"] == kind] for kind in REPORTS}
        for entry in self.task.get("history", []):
            name = _event_name(entry["event_type"])
            if name in COVERED_BY_REPORTS:
                kind = COVERED_BY_REPORTS[name]
                if waiting.get(kind):
                    self.report(waiting[kind].pop(0), entry["at"])
                continue
            self.add(entry["at"], TASK_EVENTS.get(name, name), self.event_text(name, entry.get("detail") or {}))
        for report in (r for kind in waiting.values() for r in kind):  # reports without their event in the history
            self.report(report, report["at"])

    def deadline(self, deadline: dict) -> None:
        for change in deadline.get("history", []):
            previous = f"（原 {change['previous_due_on']}）" if change.get("previous_due_on") else ""
            self.add(
                change["at"],
                DEADLINE_REASONS.get(change["reason"], "期限调整"),
                f"办理期限：{change['due_on']}" + previous,
            )
        for asked in deadline.get("extensions", []):
            self.add(
                asked["requested_at"], "申请延期", f"申请延至 {asked['requested_due_on']}；理由：{asked['reason']}"
            )
            if asked.get("decided_at"):
                granted = f"，期限延至 {asked['granted_due_on']}" if asked.get("granted_due_on") else ""
                reason = f"；{asked['decision_reason']}" if asked.get("decision_reason") else ""
                self.add(
                    asked["decided_at"],
                    "延期审批",
                    f"{EXTENSION_STATUS.get(asked['status'], asked['status'])}{granted}{reason}",
                )

    def escalation(self, escalation: dict) -> None:
        for urge in escalation.get("urge_list", []):
            self.add(
                urge.get("at"),
                f"催办（第 {urge.get('urge_no', '')} 次）",
                URGE_REASONS.get(urge.get("reason"), urge.get("reason")),
            )
        for explanation in escalation.get("explanations", []):
            self.add(explanation.get("required_at") or explanation.get("created_at"), "责令书面说明", None)
            if explanation.get("submitted_at"):
                kept = [
                    {**f, "service": "escalation"} for f in self.files(explanation.get("attachments"))
                ]  # escalation keeps these files
                self.add(explanation["submitted_at"], "提交书面说明", explanation.get("text"), files=kept)


def build(task: dict, deadline: dict | None, escalation: dict | None, names: dict[str, str]) -> list[dict]:
    timeline = _Timeline(task, names)
    timeline.tasking()
    if deadline:
        timeline.deadline(deadline)
    if escalation:
        timeline.escalation(escalation)
    timeline.items.sort(key=lambda item: item["at"])
    return timeline.items
