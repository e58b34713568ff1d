"""One error format for every service and route (docs/domain.md §7):

    {"detail": "<what was wrong, in Chinese>", "errors": [{"loc": [...], "msg": "<中文>", "type": "..."}]}

Validation errors are said in Chinese, as the users write it (「办理时限格式应为 2026-11-30」,
「缺少必填项：反馈内容」); pydantic's English stays in ``type`` only. No answer echoes what was
sent: FastAPI's items carry the whole input value (a 5 MB body came back as a 21 MB 422), so
``input`` and ``ctx`` are dropped and every message is cut short. The answers themselves are
built in duban_common.http (this module stays free of the web framework: service layers use it).
"""

from __future__ import annotations

from typing import Any

MSG_MAX = 200  # characters of one message; a value quoted in a message never comes back whole


class Refused(Exception):
    """A request refused, nothing changed: the reason (Chinese, for the caller) and the HTTP status
    to answer with (``default_status`` unless the raiser names one)."""

    default_status = 422

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = self.default_status if status is None else status


# The fields as the users name them. A field not named here is shown as it is called.
LABELS = {
    "body": "请求内容",
    "title": "标题",
    "content": "内容",
    "text": "反馈内容",
    "reason": "理由",
    "note": "备注",
    "due_on": "办理时限",
    "requested_due_on": "申请延期至",
    "lead_unit": "牵头单位",
    "co_units": "协办单位",
    "unit": "单位",
    "units": "单位",
    "responsible_person": "责任人",
    "requirement": "办理要求",
    "weight": "权重",
    "progress": "进度",
    "attachments": "附件",
    "satisfied": "是否满意",
    "rate": "抽查比例",
    "kind": "类别",
    "period": "期间",
    "status": "状态",
    "light": "亮灯",
    "limit": "每页条数",
    "offset": "起始位置",
    "q": "关键词",
    "name": "名称",
    "code": "代码",
    "decision": "决定",
    "year": "年份",
    "date": "日期",
    "from": "起始日期",
    "to": "截止日期",
    "holidays": "节假日",
    "working_weekends": "调休上班日",
    "published_by": "发布单位",
    "matter_id": "事项",
    "campaign": "专项行动",
    "tasks": "任务",
    "items": "条目",
    "phone": "电话",
    "leader": "领导",
    "source": "来源",
    "by": "签署人",
    "proposed_by": "提出人",
    "requested_by": "申请人",
    "decided_by": "审批人",
    "type": "类型",
    "id": "编号",
    "tenant": "租户",
    "idempotency-key": "幂等键",
}
_EXAMPLES = {"date": "2026-11-30", "datetime": "2026-11-30T09:00:00+08:00", "time": "09:00"}
_LOCATIONS = {"query": "查询参数", "path": "路径", "header": "请求头", "cookie": "Cookie"}


def label(loc: list | tuple) -> str:
    """The field a location names, in the users' words: the last name in it, with its list index."""
    names = [str(p) for p in loc if not isinstance(p, int) and p not in ("body", "query", "path", "header", "cookie")]
    if not names:
        return _LOCATIONS.get(str(loc[0]), "请求内容") if loc else "请求内容"
    field = names[-1]
    where = f"第 {loc[-1] + 1} 项" if isinstance(loc[-1], int) else ""
    return LABELS.get(field.lower(), field) + where


def chinese(error: dict[str, Any]) -> str:
    """One validation error as a sentence in Chinese."""
    code, ctx, field = error.get("type", ""), error.get("ctx") or {}, label(error.get("loc", ()))
    for kind in ("datetime", "date", "time"):
        if code.startswith(f"{kind}_"):
            return f"{field}格式应为 {_EXAMPLES[kind]}"
    if code == "missing":
        return f"缺少必填项：{field}"
    if code == "json_invalid":
        return "请求内容不是有效的 JSON"
    if code in ("string_too_short", "too_short"):
        least = ctx.get("min_length", 1)
        return (
            f"{field}不能为空" if least <= 1 else f"{field}至少 {least} {'个字' if code.startswith('string') else '项'}"
        )
    if code in ("string_too_long", "too_long"):
        return f"{field}过长：最多 {ctx.get('max_length')} {'个字' if code.startswith('string') else '项'}"
    bounds = {
        "greater_than": "应大于",
        "greater_than_equal": "不能小于",
        "less_than": "应小于",
        "less_than_equal": "不能大于",
    }
    if code in bounds:
        return f"{field}{bounds[code]} {next(iter(ctx.values()), '')}"
    if code in ("literal_error", "enum"):
        return f"{field}应为以下之一：{cut(str(ctx.get('expected', '')))}"
    if code == "string_pattern_mismatch":
        return f"{field}格式不对"
    if code == "extra_forbidden":
        return f"不认识的字段：{field}"
    kinds = {
        "int": "整数",
        "float": "数字",
        "decimal": "数字",
        "bool": "true 或 false",
        "string": "文字",
        "list": "列表",
        "dict": "对象",
        "model": "对象",
        "uuid": "编号（UUID）",
    }
    for prefix, word in kinds.items():
        if code.startswith(f"{prefix}_") or code == prefix:
            return f"{field}应为{word}"
    if code in ("value_error", "assertion_error"):
        return f"{field}不符合要求：{cut(str(error.get('msg', '')).removeprefix('Value error, '))}"
    return f"{field}不符合要求"


def cut(text: str) -> str:
    return text if len(text) <= MSG_MAX else text[: MSG_MAX - 1] + "…"


def items(errors: list[dict[str, Any]], prefix: tuple = ()) -> list[dict[str, Any]]:
    """Pydantic's errors as the format's items: loc, a Chinese msg, the English type; no input."""
    return [{"loc": [*prefix, *e.get("loc", ())], "msg": chinese(e), "type": e.get("type", "invalid")} for e in errors]


def summary(errs: list[dict[str, Any]]) -> str:
    first = "；".join(e["msg"] for e in errs[:3])
    return first + (f"（另有 {len(errs) - 3} 处）" if len(errs) > 3 else "")
