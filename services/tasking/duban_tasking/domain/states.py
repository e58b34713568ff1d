"""The task state machine (DESIGN.md §1, §2). Pure: no I/O.

Who may do what, from which state, is decided here and only here; the service layer
asks :func:`check` before it changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from duban_common.problems import Refused


class State(StrEnum):
    assigned = "assigned"  # 已交办, waiting for the lead unit to sign for it
    acknowledged = "acknowledged"  # 已签收
    in_progress = "in_progress"  # 办理中 (progress reported)
    declined = "declined"  # 已退回, waiting for the office to reassign
    completion_submitted = "completion_submitted"  # 待审核
    awaiting_unit_head = "awaiting_unit_head"  # 待单位领导审签: the completion report waits for the unit's head
    returned = "returned"  # 退回重办
    completed = "completed"  # 已办结 (销号)
    reopened = "reopened"  # 回访不满意, reopened


class Role(StrEnum):
    office = "supervision_office"
    lead_unit = "lead_unit"
    co_unit = "co_unit"
    unit_head = "unit_head"  # the head of the lead unit (单位领导), who signs its completion report off


class Action(StrEnum):
    acknowledge = "acknowledge"
    decline = "decline"
    reassign = "reassign"
    report_progress = "report_progress"
    send_input = "send_input"
    submit_completion = "submit_completion"
    accept = "accept"
    return_for_rework = "return_for_rework"
    reopen = "reopen"
    sign_completion = "sign_completion"
    refuse_completion = "refuse_completion"


WORKING = {State.acknowledged, State.in_progress, State.returned, State.reopened}
OPEN = WORKING | {State.assigned, State.declined, State.completion_submitted, State.awaiting_unit_head}

# action → (who may do it, from which states, to which state; None: state unchanged)
TRANSITIONS: dict[Action, tuple[Role, frozenset[State], State | None]] = {
    Action.acknowledge: (Role.lead_unit, frozenset({State.assigned}), State.acknowledged),
    Action.decline: (Role.lead_unit, frozenset({State.assigned}), State.declined),
    Action.reassign: (Role.office, frozenset({State.declined}), State.assigned),
    Action.report_progress: (Role.lead_unit, frozenset(WORKING), State.in_progress),
    Action.send_input: (Role.co_unit, frozenset(OPEN - {State.declined}), None),
    Action.submit_completion: (Role.lead_unit, frozenset(WORKING), State.completion_submitted),
    Action.accept: (Role.office, frozenset({State.completion_submitted}), State.completed),
    # a completion report, or a feedback report the office judges unsatisfactory (a return, not a report)
    Action.return_for_rework: (Role.office, frozenset({State.completion_submitted, State.in_progress}), State.returned),
    Action.reopen: (Role.office, frozenset({State.completed}), State.reopened),
    # the unit's own sign-off (审签): signed, the report reaches the office; refused, it goes back to the
    # handler, to the state it was submitted from (the service layer knows it)
    Action.sign_completion: (Role.unit_head, frozenset({State.awaiting_unit_head}), State.completion_submitted),
    Action.refuse_completion: (Role.unit_head, frozenset({State.awaiting_unit_head}), None),
}

LABELS = {
    State.assigned: "已交办",
    State.acknowledged: "已签收",
    State.in_progress: "办理中",
    State.declined: "已退回",
    State.completion_submitted: "待审核",
    State.returned: "退回重办",
    State.completed: "已办结",
    State.reopened: "重新办理",
    State.awaiting_unit_head: "待单位领导审签",
}
ACTION_LABELS = {
    Action.acknowledge: "签收",
    Action.decline: "退回",
    Action.reassign: "重新交办",
    Action.report_progress: "进展反馈",
    Action.send_input: "协办意见",
    Action.submit_completion: "办结报告",
    Action.accept: "审核通过",
    Action.return_for_rework: "退回重办",
    Action.reopen: "重新办理",
    Action.sign_completion: "审签办结报告",
    Action.refuse_completion: "退回办结报告",
}


class IllegalTransition(Refused):
    """Refused with a clear reason; nothing changes. ``status`` is the HTTP answer."""

    default_status = 409


@dataclass(frozen=True)
class Actor:
    role: str  # supervision_office | unit | unit_head
    unit: str | None = None
    person: str | None = None  # who acts, from the token (name, and unit for a unit handler)


def role_on(actor: Actor, lead_unit: str, co_units: list[str]) -> Role | None:
    if actor.role == "supervision_office":
        return Role.office
    if actor.role == "unit_head":
        return Role.unit_head if actor.unit and actor.unit == lead_unit else None
    if actor.unit and actor.unit == lead_unit:
        return Role.lead_unit
    if actor.unit and actor.unit in co_units:
        return Role.co_unit
    return None


def check(action: Action, state: State, actor: Actor, lead_unit: str, co_units: list[str]) -> State:
    """The state after ``action``, or :class:`IllegalTransition` with the reason."""
    needed, sources, target = TRANSITIONS[action]
    role = role_on(actor, lead_unit, co_units)
    if role != needed:
        who = {
            Role.office: "督查室",
            Role.lead_unit: f"牵头单位（{lead_unit}）",
            Role.co_unit: "协办单位",
            Role.unit_head: f"牵头单位（{lead_unit}）的单位领导",
        }[needed]
        raise IllegalTransition(f"只有{who}可以{ACTION_LABELS[action]}；当前操作方无权处理此任务", 403)
    if state not in sources:
        raise IllegalTransition(f"任务当前状态为“{LABELS[state]}”，不能{ACTION_LABELS[action]}")
    return target or state
