"""Extension rules (延期申请, DESIGN.md §5). Pure.

Requested before the deadline, with reasons, for a later day (within the rule's
maximum); one request at a time. The supervision office approves (possibly for an
earlier day than asked, never earlier than the current deadline) or denies with reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .lights import DONE


@dataclass
class Refused(Exception):
    """``field`` is None when the refusal is about the task's state, not the input (409)."""

    message: str
    field: str | None = None

    def __str__(self) -> str:
        return self.message


def check_request(
    *,
    now: datetime,
    status: str,
    due_on: date,
    due_at: datetime,
    requested_on: date,
    cap_on: date | None,
    pending: bool,
) -> None:
    """``requested_on`` is the requested day rolled to a working day."""
    if status in DONE:
        raise Refused("任务已报办结，不能申请延期")
    if pending:
        raise Refused("该任务已有待审批的延期申请")
    if now >= due_at:
        raise Refused(f"延期申请须在办理期限（{due_on.isoformat()}）届满前提出")
    if requested_on <= due_on:
        raise Refused(f"申请的期限须晚于当前期限 {due_on.isoformat()}", "requested_due_on")
    if cap_on is not None and requested_on > cap_on:
        raise Refused(f"申请的期限 {requested_on.isoformat()} 超过最长期限 {cap_on.isoformat()}", "requested_due_on")


def check_decision(
    *,
    request_status: str,
    approved: bool,
    reason: str | None,
    granted_on: date | None,
    current_due_on: date,
    cap_on: date | None,
) -> None:
    """``granted_on``: the day the office grants when it differs from the request (rolled to a working day)."""
    if request_status != "pending":
        raise Refused("该延期申请已审批，不能重复审批")
    if not approved and not (reason and reason.strip()):
        raise Refused("不予批准须说明理由", "reason")
    if granted_on is not None:
        if not approved:
            raise Refused("不予批准时不能指定期限", "due_on")
        if granted_on <= current_due_on:
            raise Refused(f"批准的期限须晚于当前期限 {current_due_on.isoformat()}", "due_on")
        if cap_on is not None and granted_on > cap_on:
            raise Refused(f"批准的期限 {granted_on.isoformat()} 超过最长期限 {cap_on.isoformat()}", "due_on")
