"""The assignment notice (督办事项交办单) as an official document: addressed to the lead unit,
the matter and what is required by when in a form, the office's contact, and a 签收回执 stub
that the unit returns. Pure: no I/O."""

from __future__ import annotations

from datetime import date

from duban_common.documents import Document, Issuing, Receipt, Table, chinese_date


def assignment_notice(
    *,
    number: str,
    issuing: Issuing,
    title: str,
    content: str,
    lead_unit: str,
    co_units: list[str],
    responsible: str | None,
    requirement: str | None,
    due_on: date | None,
    issued_on: date,
) -> Document:
    due = f"{chinese_date(due_on)}前" if due_on else "按督办期限规定执行"
    co_units_clause = f"，{'、'.join(co_units)}协助办理" if co_units else ""
    demands = [
        *([requirement.strip()] if requirement and requirement.strip() else []),
        f"请于收到本交办单之日起1个工作日内签收，并将签收回执反馈{issuing.body}。",
        f"请于{due_on and chinese_date(due_on) or '办理时限届满'}前办结，并报送办结报告及佐证材料；办理中遇到重大问题的，及时报告。",
        "因客观原因确需延期的，请在办理时限届满前书面申请，说明理由和预计办结时间。",
    ]
    rows = (
        ("督办事项", title),
        ("事项内容", content),
        ("牵头单位", lead_unit),
        ("协办单位", "、".join(co_units) if co_units else "无"),
        ("责任人", responsible or "由牵头单位确定"),
        ("办理时限", due),
        ("办理要求", "".join(f"（{n}）{d}" for n, d in zip("一二三四五", demands))),
    )
    return Document(
        kind="assignment",
        issuing=issuing,
        number=number,
        title=f"关于“{title}”的督办事项交办单",
        addressee=f"{lead_unit}：",
        body=(
            f"现将“{title}”交由你单位牵头办理{co_units_clause}，请按以下要求认真办理，按时反馈办理结果。",
            Table(None, rows),
        ),
        issued_on=issued_on,
        receipt=Receipt(
            "签收回执", (("签收单位", ""), ("签收人", ""), ("签收时间", "　　年　　月　　日　　时"), ("联系电话", ""))
        ),
        copies_to=tuple(co_units),
    )
