"""The assignment notice (督办事项交办单)."""

from __future__ import annotations

from datetime import date

from duban_common.documents import chinese_date, official_notice


def render(*, number: str, issuer: str, title: str, content: str, lead_unit: str, co_units: list[str], responsible: str | None,
           requirement: str | None, due_on: date | None, issued_on: date) -> bytes:
    return official_notice(title="督办事项交办单", number=number, issuer=issuer, issued_on=issued_on, rows=[
        ("督办事项", title),
        ("事项内容", content),
        ("牵头单位", lead_unit),
        ("协办单位", "、".join(co_units) if co_units else "无"),
        ("责任人", responsible or "由牵头单位确定"),
        ("办理要求", requirement or "请按要求认真办理，按时反馈办理结果。"),
        ("办理时限", f"{chinese_date(due_on)}前" if due_on else "按督办期限规定执行"),
    ])
