"""The escalation's official documents: the urging notice (催办单), the supervision order (督办单)
and the letter that transfers a case to the discipline body (移送函) with its dossier as an
annex. Each quotes the task, its deadline, how late it is, the urges before it and what is
required by when. Pure: no I/O (the caller passes the working day the reply is due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from duban_common.calendar import local_day
from duban_common.contracts.events import URGE_REASONS
from duban_common.documents import Annex, Document, Heading, Issuing, Table, chinese_date
from duban_common.pii import mask_phones_in_text


@dataclass(frozen=True)
class TaskFacts:
    title: str
    unit: str  # the lead unit's name
    notice_no: str | None  # the 交办单's number
    assigned_on: date | None
    due_on: date | None
    earlier_urges: tuple[date, ...] = ()  # the days of the urges before this document


def _day(day: date | None) -> str:
    return chinese_date(day) if day else "未定"


def lateness(facts: TaskFacts, today: date) -> str:
    if facts.due_on is None:
        return "尚未确定办理时限"
    if today > facts.due_on:
        return f"已超过办理时限{(today - facts.due_on).days}天，仍未办结"
    return f"距办理时限还有{(facts.due_on - today).days}天，尚未报送办结报告"


def _history(facts: TaskFacts, today: date) -> str:
    assigned = f"于{chinese_date(facts.assigned_on)}" if facts.assigned_on else ""
    number = f"（交办单号：{facts.notice_no}）" if facts.notice_no else ""
    return f"我办{assigned}交办你单位牵头办理的“{facts.title}”{number}，办理时限为{_day(facts.due_on)}。截至{chinese_date(today)}，该事项{lateness(facts, today)}。"


def _urges_before(facts: TaskFacts) -> str:
    if not facts.earlier_urges:
        return ""
    return f"此前已于{'、'.join(chinese_date(d) for d in facts.earlier_urges)}催办{len(facts.earlier_urges)}次。"


def _task_table(facts: TaskFacts, today: date, *rows: tuple[str, str]) -> Table:
    """The form of an urge or an order: the task, its number, deadline and lateness, then ``rows``."""
    task_rows = (
        ("督办事项", facts.title),
        ("交办单号", facts.notice_no or "—"),
        ("办理时限", _day(facts.due_on)),
        ("办理情况", lateness(facts, today)),
    )
    return Table(None, task_rows + rows)


def _to_lead_unit(
    facts: TaskFacts,
    kind: str,
    title: str,
    body: tuple,
    *,
    number: str,
    issuing: Issuing,
    issued_on: date,
    copies_to: tuple[str, ...],
) -> Document:
    """An urge or an order: addressed to the task's lead unit, copied to ``copies_to``."""
    return Document(kind, issuing, number, title, body, issued_on, addressee=f"{facts.unit}：", copies_to=copies_to)


def urge_notice(
    facts: TaskFacts,
    *,
    number: str,
    urge_no: int,
    reason: str,
    issuing: Issuing,
    issued_on: date,
    reply_by: date,
    copies_to: tuple[str, ...],
) -> Document:
    why = URGE_REASONS.get(reason, reason)
    body = (
        _history(facts, issued_on) + _urges_before(facts) + f"因{why}，现予第{urge_no}次催办。",
        f"请你单位高度重视，于{chinese_date(reply_by)}前向{issuing.body}书面反馈办理进展和存在的问题；"
        "已办结的，请同时报送办结报告及佐证材料。逾期仍未办结的，将按规定予以通报。",
        _task_table(
            facts,
            issued_on,
            ("催办事由", why),
            ("催办次数", f"第{urge_no}次"),
            ("反馈时限", f"{chinese_date(reply_by)}前"),
        ),
    )
    title = f"关于“{facts.title}”的督办事项催办单"
    return _to_lead_unit(
        facts, "urge", title, body, number=number, issuing=issuing, issued_on=issued_on, copies_to=copies_to
    )


def supervision_order(
    facts: TaskFacts,
    *,
    number: str,
    requirement: str,
    proposed_by: str,
    approved_by: str | None,
    signed_by: str | None,
    issuing: Issuing,
    issued_on: date,
    reply_by: date,
    copies_to: tuple[str, ...],
) -> Document:
    body = (
        _history(facts, issued_on)
        + _urges_before(facts)
        + "经县人民政府领导批准，现对该事项下发督办单，请你单位按以下要求办理：",
        requirement.strip(),
        f"请于{chinese_date(reply_by)}前将落实情况书面报告{issuing.body}。",
        _task_table(
            facts,
            issued_on,
            ("报告时限", f"{chinese_date(reply_by)}前"),
            ("拟办", proposed_by),
            ("审批", approved_by or "—"),
            ("签发", signed_by or "—"),
        ),
    )
    title = f"关于“{facts.title}”的督办单"
    return _to_lead_unit(
        facts, "order", title, body, number=number, issuing=issuing, issued_on=issued_on, copies_to=copies_to
    )


ENTRY_LABEL = {
    "matter": "立项",
    "assigned": "交办",
    "reassigned": "改派",
    "deadline": "确定办理时限",
    "extension": "延期申请",
    "urge": "催办",
    "bulletin": "通报",
    "explanation_required": "责令书面说明",
    "admonition": "约谈",
    "order": "下发督办单",
    "deduction": "扣分",
    "transfer": "移交纪委监委",
}


def _at(value: str | None) -> str:
    return chinese_date(local_day(datetime.fromisoformat(value))) if value else "—"


def _label(labels: dict[str, str], value: str | None) -> str:
    """A stored code in words; an unknown code as it is; none as nothing."""
    return labels.get(value or "", value or "")


def _entry(entry: dict) -> str:
    detail = {
        "urge": lambda: (
            f"第{entry.get('urge_no')}次，{entry.get('notice_no') or ''}，{_label(URGE_REASONS, entry.get('reason'))}"
        ),
        "assigned": lambda: f"交办单号{entry.get('notice_no') or '—'}",
        "deadline": lambda: f"办理时限{_day(date.fromisoformat(entry['due_on'])) if entry.get('due_on') else '—'}",
        "extension": lambda: _label({"approved": "批准", "rejected": "不予批准"}, entry.get("decision")),
        "order": lambda: entry.get("notice_no") or "",
    }.get(entry["type"])
    return ENTRY_LABEL.get(entry["type"], entry["type"]) + (f"（{detail()}）" if detail else "")


def _matter_blocks(matter: dict) -> list:
    return [
        Heading("一、事项基本情况"),
        mask_phones_in_text(
            f"事项名称：{matter.get('title') or '—'}。立项时间：{_at(matter.get('registered_at'))}。"
            f"事项内容：{matter.get('content') or '—'}"
        ),
    ]


def _task_blocks(tasks: list, names: dict[str, str]) -> list:
    if not tasks:
        return []
    rows = tuple(
        (
            task.get("notice_no") or "—",
            names.get(task.get("lead_unit"), task.get("lead_unit") or "—"),
            "、".join(names.get(c, c) for c in task.get("co_units") or []) or "无",
            _at(task.get("assigned_at")),
        )
        for task in tasks
    )
    return [Heading("二、交办情况"), Table(("交办单号", "牵头单位", "协办单位", "交办日期"), rows)]


def _unit_blocks(units: list) -> list:
    if not units:
        return []
    rows = tuple((u.get("name") or u.get("code"), u.get("head") or "—", u.get("contact") or "—") for u in units)
    return [Heading("三、相关单位"), Table(("单位", "负责人", "联系人"), rows)]


def _urge_blocks(urges: list) -> list:
    if not urges:
        return []
    rows = tuple(
        (
            f"第{u.get('urge_no')}次",
            _at(u.get("at")),
            u.get("notice_no") or "—",
            URGE_REASONS.get(u.get("reason"), u.get("reason") or ""),
        )
        for u in urges
    )
    return [Heading("四、催办情况"), Table(("次数", "日期", "催办单号", "事由"), rows)]


def _explanation_line(explanation: dict) -> str:
    submitted = (
        f"{_at(explanation.get('submitted_at'))}提交：{explanation.get('text')}"
        if explanation.get("submitted_at")
        else "逾期未提交。"
    )
    return mask_phones_in_text(
        f"第{explanation.get('step')}级：要求于{_at(explanation.get('due_at'))}前提交，" + submitted
    )


def _assessment_line(assessment: dict | None) -> list[str]:
    """The office's judgement of the explanation (充分 / 不充分) and its reason, when it made one."""
    if not assessment:
        return []
    reason = assessment.get("reason")
    said = f"{_at(assessment.get('assessed_at'))}，督查室审核认定书面说明{assessment.get('assessment') or ''}"
    return [mask_phones_in_text(said + (f"，理由：{reason}" if reason else "") + "。")]


def _explanation_blocks(explanations: list, assessment: dict | None) -> list:
    if not explanations and not assessment:
        return []
    lines = [_explanation_line(e) for e in explanations]
    return [Heading("五、书面说明情况"), *lines, *_assessment_line(assessment)]


def _timeline_blocks(timeline: list) -> list:
    if not timeline:
        return []
    rows = tuple((str(i + 1), _at(e.get("at")), _entry(e)) for i, e in enumerate(timeline))
    return [Heading("六、办理过程记录"), Table(("序号", "日期", "事项"), rows)]


def _approval_blocks(approvals: list) -> list:
    """Who proposed and who approved the transfer, and when (the sign-off chain's steps)."""
    if not approvals:
        return []
    rows = tuple((a.get("action") or "—", a.get("person") or "—", _at(a.get("at"))) for a in approvals)
    return [Heading("七、移送审批"), Table(("环节", "签批人", "日期"), rows)]


def dossier_annex(dossier: dict, names: dict[str, str]) -> Annex:
    blocks = [
        *_matter_blocks(dossier.get("matter") or {}),
        *_task_blocks(dossier.get("tasks") or [], names),
        *_unit_blocks(dossier.get("units") or []),
        *_urge_blocks(dossier.get("urges") or []),
        *_explanation_blocks(dossier.get("explanations") or [], dossier.get("assessment")),
        *_timeline_blocks(dossier.get("timeline") or []),
        *_approval_blocks(dossier.get("approvals") or []),
    ]
    return Annex("督办问题线索卷宗", tuple(blocks))


def _judged(dossier: dict) -> str:
    """The office's 不充分 and its reason: why an explanation did not end the ladder."""
    assessment = dossier.get("assessment") or {}
    if not assessment or assessment.get("adequate"):
        return ""
    explained = any(e.get("submitted_at") for e in dossier.get("explanations") or [])
    judged = (
        "该单位提交了书面说明，经我办审核，说明理由不充分"
        if explained
        else "该单位未提交书面说明，经我办审核，认定为不充分"
    )
    reason = assessment.get("reason")
    return mask_phones_in_text(judged + (f"（{reason}）" if reason else "") + "。")


def _consented(dossier: dict, issuing: Issuing) -> str:
    """经县人民政府同意: said when a government leader approved the transfer (its sign-off's last step)."""
    if not any(a.get("role") == "leader" for a in dossier.get("approvals") or []):
        return ""
    return f"经{issuing.body.removesuffix('办公室')}同意，"


def transfer_letter(
    task: TaskFacts,
    dossier: dict,
    *,
    number: str,
    addressee: str,
    issuing: Issuing,
    issued_on: date,
    names: dict[str, str],
) -> Document:
    urges = len(dossier.get("urges") or [])
    bulletins = len(dossier.get("bulletins") or [])
    missing = sum(1 for e in dossier.get("explanations") or [] if not e.get("submitted_at"))
    steps = "、".join(
        x
        for x in (
            f"催办{urges}次" if urges else "",
            f"通报{bulletins}次" if bulletins else "",
            f"{missing}次未按期提交书面说明" if missing else "",
        )
        if x
    )
    facts = (
        f"{task.unit}牵头办理的“{task.title}”（交办单号：{task.notice_no or '—'}），办理时限为{_day(task.due_on)}。截至{chinese_date(issued_on)}，"
        f"该事项{lateness(task, issued_on)}" + (f"，期间经{steps}" if steps else "") + "。"
    )
    body = (
        facts + _judged(dossier),
        _consented(dossier, issuing)
        + "根据督查督办工作有关规定，现将该问题线索移送你委，请依规依纪依法处理，并将处理结果函告我办。",
        "事项的交办、催办、通报、书面说明及审核、移送审批等情况详见附件。",
    )
    title = f"关于移送“{task.title}”督办问题线索的函"
    annexes = (dossier_annex(dossier, names),)
    return Document("transfer", issuing, number, title, body, issued_on, addressee, mark_suffix="", annexes=annexes)
