"""docs/rules.md, generated from the default rules: ``python -m duban_deadline.rules_doc``
(a unit test checks the committed file against the code)."""

from __future__ import annotations

import sys
from pathlib import Path

from .domain.notice import DEFAULT_NOTICE_LIMITS
from .domain.policy import DEFAULT_RULES, label_of
from .domain.settings import TenantPolicy

DOCS = Path(__file__).resolve().parents[3] / "docs" / "rules.md"

# rule → (what it covers, the origin kind its label speaks of, the document's words)
SOURCES: dict[str, tuple[str, str | None, str]] = {
    "office_itself": (
        "item handled by the supervision office itself",
        None,
        "county rules: 「县政府办公室（含督查室）督办件，一般应在10个工作日内…」",
    ),
    "one_unit": (
        "item passed to one department or township",
        None,
        "county rules: 「转交乡镇或部门的督办件…15个工作日」",
    ),
    "with_co_units": ("item needing co-units", None, "county rules: 「由乡镇和部门协办的督办件…25个工作日」"),
    "meeting_plenary": (
        "plenary meeting decision (全体会议)",
        "meeting_decision",
        "county notice: 「县政府全体会议…须在会后1个月内向县政府督查室反馈」",
    ),
    "meeting_executive": (
        "executive meeting decision (常务会议)",
        "meeting_decision",
        "county notice: 「县政府常务会的落实情况须在会后半个月内…」",
    ),
    "meeting_office": (
        "county head's office meeting (县长办公会)",
        "meeting_decision",
        "county notice: 「县长办公会…须在会后1周内…」",
    ),
    "meeting_weekly": (
        "weekly work meeting (每周工作例会)",
        "meeting_decision",
        "county notice: 「县政府每周工作例会等会议…须在会后1周内…」",
    ),
    "meeting_topic": (
        "topic meeting (专题会议)",
        "meeting_decision",
        "county notice: 「县政府专题会议…的落实情况，须在交办后1周内…」",
    ),
    "meeting_special_body": (
        "special body's matter (专门机构)",
        "meeting_decision",
        "county notice: 「专门机构交办事项…须在交办后1周内」",
    ),
    "instruction_principal": (
        "principal leader's instruction (主要领导批示)",
        "leader_instruction",
        "county notice: 「县政府主要领导重要批示、交办事项的落实情况，须在1周内…」",
    ),
    "instruction_deputy": (
        "deputy leader's instruction (分管领导批示)",
        "leader_instruction",
        "county notice: 「县政府分管领导的批示…须在交办后1周内…」",
    ),
    "online_message": ("online message (网民留言)", None, "「10个工作日内办结」"),
    "proposal": ("deputy suggestion / CPPCC proposal", None, "「答复」 within 3 months, never beyond 6"),
    "proposal_led_by_leader": ("proposal led by a government leader (领衔办理)", None, "「答复」 within 6 months"),
    "document_single": ("document, one department", None, "「上报办理结果」 in 5 working days"),
    "document_multi": ("document, several departments", None, "「上报办理结果」 in 7 working days"),
    "document_investigation": ("document needing an investigation", None, "「上报办理结果」 in 20 working days"),
    "document_urgent": ("urgent document", None, "「上报办理结果」 in 3 working days"),
    "superior_no_deadline": (
        "superior document with no stated deadline",
        None,
        "report within 3 months of its receipt",
    ),
}


def _rules_section(tenant_policy: TenantPolicy) -> list[str]:
    lines = [
        "# Deadline rules",
        "",
        "Generated from the code (`python -m duban_deadline.rules_doc`; a unit test checks this file).",
        "Every rule is a per-tenant setting (`GET/PUT /v1/tenants/<t>/deadline-policies`); these are the",
        "defaults, from the reference documents. The start day is not counted; a period that ends on a",
        "non-working day runs to the next working day.",
        "",
        "- `counted_from`: `origin` (the meeting or the instruction itself), `assignment` (the notice), or",
        "  `receipt` (the document's receipt). A notice issued days after a meeting gives no extra days.",
        "- `satisfied_by`: `feedback` (a progress report in time on where the work stands meets it; the",
        f"  next is then due `feedback_every` later, {tenant_policy.feedback_every.label} by default, and a missed one is late like a deadline) or",
        "  `completion` (only the completion report meets it). A feedback report the office returns",
        "  (退回重办) meets nothing.",
        "",
        "| rule | what | default | counted from | satisfied by | shown as | document |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rule in DEFAULT_RULES.items():
        what, kind, words = SOURCES[name]
        period = rule.period.label + (f" (at most {rule.maximum.label})" if rule.maximum else "")
        lines.append(
            f"| `{name}` | {what} | {period} | {rule.counted_from} | {rule.satisfied_by} | {label_of(rule, kind)} | {words} |"
        )
    return lines


def _notices_section() -> list[str]:
    lines = [
        "",
        "## Assignment notices",
        "",
        "The supervision office's own limit to issue the assignment notice, counted from the meeting,",
        "the instruction, or the day the people's congress closed (work report tasks). Issuing later is",
        "shown (`deadline.notice_late`).",
        "",
        "| rule | limit |",
        "|---|---|",
    ]
    lines += [f"| `{k}` | {v.label} |" for k, v in DEFAULT_NOTICE_LIMITS.items()]
    return lines


def _timers_section(tenant_policy: TenantPolicy) -> list[str]:
    return [
        "",
        "## Timers and lights",
        "",
        f"- sign-for limit (签收): {tenant_policy.acknowledge_workdays} working day(s) after the assignment;",
        f"- decline window (退回): {tenant_policy.decline_workdays} working days after the assignment;",
        f"- pre-deadline reminder: {tenant_policy.reminder_workdays} working days before the due day, at {tenant_policy.reminder_time:%H:%M};",
        f"- yellow light: {tenant_policy.yellow_workdays} working days before the due day; red from the due time,",
        f"  {tenant_policy.due_time:%H:%M} of the due day.",
        "",
        "The deadline service owns these per tenant and announces them in `deadline.set`",
        "(`acknowledge_by`, `decline_until`, `yellow_from`, `due_at`).",
        "",
    ]


def render() -> str:
    tenant_policy = TenantPolicy()
    return "\n".join(_rules_section(tenant_policy) + _notices_section() + _timers_section(tenant_policy))


def main() -> int:
    DOCS.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
