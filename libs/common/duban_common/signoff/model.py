"""Sign-off as data (docs/decisions/0022-sign-off.md): the document types, their chains of steps
(提出 → 同意 → 签发, each naming the role that may take it), the defaults the reference documents
give, what a tenant may change, and whose turn it is. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ..auth import LEADER, OFFICE, OFFICE_DEPUTY, OFFICE_DIRECTOR, ROLES, UNIT, UNIT_HEAD

DOC_TYPES: dict[str, str] = {
    "urge_notice": "催办单",
    "supervision_order": "督办单",
    "bulletin_office": "督查室通报",
    "bulletin_government": "政府办公室通报",
    "special_report": "督查专报",
    "public_censure": "公开通报批评",
    "transfer": "移送函（移交纪委监委）",
    "monthly_summary": "月度督查情况",
    "quarterly_bulletin": "季度通报",
    "annual_assessment": "年终考核结果",
    "superior_reply": "上级交办事项办结情况报告",
    "completion_report": "单位办结报告",
}
ACTIONS = ("提出", "审核", "同意", "签发", "审签", "批准")
ROLE_NAMES: dict[str, str] = {
    "supervision_office": "督查室",
    "unit": "承办人",
    "leader": "县政府领导",
    "discipline": "纪委监委",
    "integrator": "对接平台",
    "operator": "运维人员",
    "unit_head": "单位领导",
    "office_deputy": "政府办公室分管副主任",
    "office_director": "政府办公室主任",
}
SIGNERS = frozenset({OFFICE, LEADER, UNIT_HEAD, OFFICE_DEPUTY, OFFICE_DIRECTOR})  # the roles a step may name
UNIT_BOUND = frozenset({UNIT, UNIT_HEAD})
UNIT_SIDE = frozenset({"completion_report"})  # drafts of a unit, signed inside it
MUST_SIGN = {"transfer": LEADER, "superior_reply": LEADER}  # never automatic; the last step is this role's
MAX_STEPS = 6


class Step(BaseModel):
    action: str = Field(description="提出 / 审核 / 同意 / 签发 / 审签 / 批准")
    role: str = Field(description="the role that may take the step (duban_common.auth.ROLES)")

    @field_validator("action", "role")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        if info.field_name == "action" and value not in ACTIONS:
            raise ValueError(f"步骤应为以下之一：{'、'.join(ACTIONS)}")
        if info.field_name == "role" and value not in SIGNERS:
            raise ValueError(
                f"签批角色应为以下之一：{'、'.join(ROLE_NAMES[r] + '（' + r + '）' for r in ROLES if r in SIGNERS)}"
            )
        return value

    def label(self) -> str:
        return f"{ROLE_NAMES[self.role]}{self.action}"


class Chain(BaseModel):
    """An ordered list of steps; no steps = automatic (the draft is issued as it is created)."""

    steps: list[Step] = Field(default_factory=list, max_length=MAX_STEPS)

    @property
    def automatic(self) -> bool:
        return not self.steps

    def describe(self) -> str:
        return " → ".join(s.label() for s in self.steps) or "自动签发"


def _chain(*pairs: tuple[str, str]) -> Chain:
    return Chain(steps=[Step(action=action, role=role) for action, role in pairs])


NOTICE = _chain(("提出", OFFICE_DEPUTY), ("同意", LEADER), ("签发", OFFICE_DIRECTOR))
OFFICE_SIGNED = _chain(("提出", OFFICE), ("签发", OFFICE_DIRECTOR))
GOVERNMENT_APPROVED = _chain(("提出", OFFICE), ("审核", OFFICE_DIRECTOR), ("批准", LEADER))
DEFAULT_CHAINS: dict[str, Chain] = {
    "urge_notice": NOTICE,
    "supervision_order": NOTICE,
    "bulletin_office": OFFICE_SIGNED,
    "bulletin_government": _chain(("提出", OFFICE), ("审核", OFFICE_DEPUTY), ("签发", OFFICE_DIRECTOR)),
    "special_report": OFFICE_SIGNED,
    "public_censure": GOVERNMENT_APPROVED,
    "transfer": _chain(("提出", OFFICE), ("批准", LEADER)),
    "monthly_summary": OFFICE_SIGNED,
    "quarterly_bulletin": OFFICE_SIGNED,
    "annual_assessment": GOVERNMENT_APPROVED,
    "superior_reply": _chain(("审核", LEADER), ("审核", LEADER)),
    "completion_report": _chain(("审签", UNIT_HEAD)),
}


def default_chain(doc_type: str) -> Chain:
    """The reference documents' chain; a type added without one is signed by the office's director."""
    return DEFAULT_CHAINS.get(doc_type, OFFICE_SIGNED)


def refusal_of_override(doc_type: str, chain: Chain) -> str | None:
    """Why a tenant may not give ``doc_type`` this chain (in Chinese), or None when it may."""
    name = DOC_TYPES.get(doc_type, doc_type)
    must = MUST_SIGN.get(doc_type)
    if must and (chain.automatic or chain.steps[-1].role != must):
        return f"{name}不能自动签发，最后一步须由{ROLE_NAMES[must]}办理"
    bound = [s for s in chain.steps if s.role in UNIT_BOUND]
    if doc_type in UNIT_SIDE and len(bound) != len(chain.steps):
        return f"{name}只能由本单位人员签批（单位领导）"
    if doc_type not in UNIT_SIDE and bound:
        return f"{name}不能由承办单位人员签批"
    return None


@dataclass(frozen=True)
class Taken:
    """A step already taken on a draft."""

    index: int
    person: str
    decision: str
    action: str = ""


@dataclass(frozen=True)
class Turn:
    """Who is asking to take the draft's next step."""

    person: str
    roles: frozenset[str]
    unit: str | None = None


class SignoffError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def replayed(
    draft: Mapping, chain: Chain, taken: Iterable[Taken], turn: Turn, decision: str, expected_action: str | None = None
) -> bool:
    """The same person's same decision again (a retry whose answer was lost): nothing to do. Not
    when the person may be asking for the next step (they hold its role and named no other)."""
    mine = [t for t in taken if t.person == turn.person and t.decision == decision]
    if not mine:
        return False
    if expected_action is not None:
        return any(t.action == expected_action for t in mine)
    waiting = (
        chain.steps[draft["next_step"]]
        if draft["status"] == "pending" and draft["next_step"] < len(chain.steps)
        else None
    )
    return waiting is None or waiting.role not in turn.roles


def check_turn(
    draft: Mapping, chain: Chain, taken: Iterable[Taken], turn: Turn, expected_action: str | None = None
) -> Step:
    """The step ``turn`` may take now, or the refusal: 409 decided / wrong order / same person, 403 role."""
    name = DOC_TYPES.get(draft["doc_type"], draft["doc_type"])
    if draft["status"] != "pending":
        word = "已签发" if draft["status"] == "issued" else "已退回"
        raise SignoffError(409, f"该{name}{word}，不能再签批")
    step = chain.steps[draft["next_step"]]
    if expected_action is not None and expected_action != step.action:
        raise SignoffError(
            409, f"该{name}当前应由{step.label()}（第 {draft['next_step'] + 1} 步），不能{expected_action}"
        )
    if step.role not in turn.roles:
        raise SignoffError(403, f"这一步（{step.action}）须由{ROLE_NAMES[step.role]}办理")
    if step.role in UNIT_BOUND and turn.unit != draft.get("unit"):
        raise SignoffError(403, f"这一步（{step.action}）须由本单位的{ROLE_NAMES[step.role]}办理")
    if any(t.person == turn.person for t in taken):
        raise SignoffError(409, f"同一人不能签批同一份{name}的两个步骤，请由另一位{ROLE_NAMES[step.role]}办理")
    return step
