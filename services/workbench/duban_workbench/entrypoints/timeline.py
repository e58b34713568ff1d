"""One timeline of everything that happened to a task, from the four services that know
a part of it (tasking's history and reports, deadline's changes and extensions,
escalation's urges and explanations). Pure: it only arranges what the page fetched."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")

TASK_EVENTS = {
    "assigned": "交办", "acknowledged": "签收", "declined": "退回交办", "reassigned": "重新交办", "accepted": "审核通过，办结销号",
    "returned": "退回重办", "reopened": "回访不满意，重新办理", "completed": "办结销号", "spot_checked": "抽查回访",
}
REPORTS = {"progress": "进展反馈", "completion": "办结报告", "input": "协办意见"}
COVERED_BY_REPORTS = {"progress_reported": "progress", "completion_submitted": "completion", "input_sent": "input",
                      "co_unit_input_sent": "input"}
URGE_REASONS = {"overdue": "逾期未办结", "returned": "办结报告被退回重办", "manual": "督查室催办"}
DEADLINE_REASONS = {"assigned": "确定办理期限", "extended": "延期获批，期限调整", "recomputed": "工作日历调整，期限重算",
                    "reassigned": "重新交办，期限重算"}
EXTENSION_STATUS = {"pending": "待审批", "approved": "已批准", "denied": "不予批准"}


def local(at: str | None) -> str:
    if not at:
        return ""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _event_name(event_type: str) -> str:
    parts = event_type.split(".")
    return parts[2] if len(parts) >= 4 else event_type


def build(task: dict, deadline: dict | None, escalation: dict | None, names: dict[str, str]) -> list[dict]:
    items: list[dict] = []
    stored = {a["id"]: a for a in task.get("attachments") or [] if isinstance(a, dict) and "id" in a}

    def files(refs) -> list[dict]:
        """A report's files as {id, name, size, content_type}, whether it lists them or their ids."""
        return [ref if isinstance(ref, dict) else stored.get(ref, {"id": ref, "name": "附件"}) for ref in refs or []]

    def add(at: str | None, what: str, text: str | None = None, who: str | None = None, files: list | None = None) -> None:
        if at:
            items.append({"at": at, "when": local(at), "what": what, "text": text, "who": who, "files": files or []})

    # a report's text goes where tasking's history (in the order things happened) has its event
    waiting = {kind: [r for r in task.get("reports", []) if r["type"] == kind] for kind in REPORTS}

    def report(rep: dict, at: str) -> None:
        what = REPORTS.get(rep["type"], rep["type"])
        if rep["type"] == "progress" and rep.get("progress") is not None:
            what += f"（进度 {rep['progress']}%）"
        add(at, what, rep.get("text"), names.get(rep.get("unit"), rep.get("unit")), files(rep.get("attachments")))

    for h in task.get("history", []):
        name = _event_name(h["event_type"])
        if name in COVERED_BY_REPORTS:
            kind = COVERED_BY_REPORTS[name]
            if waiting.get(kind):
                report(waiting[kind].pop(0), h["at"])
            continue
        detail = h.get("detail") or {}
        text = None
        if name in ("assigned", "reassigned"):
            text = f"牵头单位：{names.get(detail.get('lead_unit'), detail.get('lead_unit') or '')}"
            if detail.get("notice_no"):
                text += f"；交办单 {detail['notice_no']}"
        elif detail.get("reason"):
            text = f"理由：{detail['reason']}"
        add(h["at"], TASK_EVENTS.get(name, name), text)
    for rep in (r for kind in waiting.values() for r in kind):  # reports without their event in the history
        report(rep, rep["at"])
    if deadline:
        for entry in deadline.get("history", []):
            add(entry["at"], DEADLINE_REASONS.get(entry["reason"], "期限调整"), f"办理期限：{entry['due_on']}" + (f"（原 {entry['previous_due_on']}）" if entry.get("previous_due_on") else ""))
        for x in deadline.get("extensions", []):
            add(x["requested_at"], "申请延期", f"申请延至 {x['requested_due_on']}；理由：{x['reason']}")
            if x.get("decided_at"):
                text = f"{EXTENSION_STATUS.get(x['status'], x['status'])}" + (f"，期限延至 {x['granted_due_on']}" if x.get("granted_due_on") else "")
                add(x["decided_at"], "延期审批", text + (f"；{x['decision_reason']}" if x.get("decision_reason") else ""))
    if escalation:
        for u in escalation.get("urge_list", []):
            add(u.get("at"), f"催办（第 {u.get('urge_no', '')} 次）", URGE_REASONS.get(u.get("reason"), u.get("reason")))
        for e in escalation.get("explanations", []):
            add(e.get("required_at") or e.get("created_at"), "责令书面说明", None)
            if e.get("submitted_at"):
                kept = [{**f, "service": "escalation"} for f in files(e.get("attachments"))]  # escalation keeps these files
                add(e["submitted_at"], "提交书面说明", e.get("text"), files=kept)
    items.sort(key=lambda i: i["at"])
    return items
