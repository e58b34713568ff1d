"""The sign-off model without I/O: default chains from the reference documents, what a tenant may
change, and whose turn it is (role, order, a different person for every step)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from duban_common.signoff.model import (
    DEFAULT_CHAINS,
    DOC_TYPES,
    Chain,
    SignoffError,
    Step,
    Taken,
    Turn,
    check_turn,
    default_chain,
    refusal_of_override,
    replayed,
)

ORDER = DEFAULT_CHAINS["supervision_order"]


def draft(
    next_step: int = 0, status: str = "pending", doc_type: str = "supervision_order", unit: str | None = None
) -> dict:
    return {"doc_type": doc_type, "status": status, "next_step": next_step, "unit": unit}


def test_every_document_type_has_a_chinese_name_and_a_default_chain():
    assert set(DEFAULT_CHAINS) == set(DOC_TYPES)
    assert ORDER.describe() == "政府办公室分管副主任提出 → 县政府领导同意 → 政府办公室主任签发"
    assert DEFAULT_CHAINS["urge_notice"] == ORDER
    assert [s.role for s in DEFAULT_CHAINS["transfer"].steps] == ["supervision_office", "leader"]
    assert DEFAULT_CHAINS["transfer"].steps[-1].action == "批准"
    assert [s.role for s in DEFAULT_CHAINS["superior_reply"].steps] == ["leader", "leader"]
    assert DEFAULT_CHAINS["completion_report"].describe() == "单位领导审签"


def test_a_type_added_later_is_signed_by_the_office_director_by_default():
    assert default_chain("weekly_note").steps[-1].role == "office_director"


def test_an_empty_chain_is_automatic():
    assert Chain(steps=[]).automatic and Chain().describe() == "自动签发"
    assert not ORDER.automatic


def test_unknown_actions_and_roles_are_refused_in_chinese():
    with pytest.raises(ValidationError, match="步骤应为以下之一"):
        Step(action="盖章", role="leader")
    with pytest.raises(ValidationError, match="签批角色应为以下之一"):
        Step(action="签发", role="integrator")


@pytest.mark.parametrize(
    ("doc_type", "steps", "refusal"),
    [
        ("transfer", [], "不能自动签发，最后一步须由县政府领导办理"),
        ("transfer", [("提出", "supervision_office"), ("签发", "office_director")], "最后一步须由县政府领导办理"),
        ("superior_reply", [], "不能自动签发"),
        ("bulletin_office", [("审签", "unit_head")], "不能由承办单位人员签批"),
        ("completion_report", [("审签", "office_director")], "只能由本单位人员签批"),
    ],
)
def test_a_tenant_may_not_break_a_types_rules(doc_type, steps, refusal):
    chain = Chain(steps=[Step(action=a, role=r) for a, r in steps])
    assert refusal in (refusal_of_override(doc_type, chain) or "")


@pytest.mark.parametrize("doc_type", ["urge_notice", "bulletin_government", "quarterly_bulletin", "completion_report"])
def test_a_tenant_may_mark_other_types_automatic(doc_type):
    assert refusal_of_override(doc_type, Chain()) is None


def test_a_tenant_may_shorten_a_chain_that_keeps_the_rules():
    assert refusal_of_override("transfer", Chain(steps=[Step(action="批准", role="leader")])) is None


def test_the_step_goes_to_its_role_in_order():
    step = check_turn(draft(0), ORDER, [], Turn("deputy-1", frozenset({"office_deputy"})))
    assert (step.action, step.role) == ("提出", "office_deputy")
    assert (
        check_turn(
            draft(2),
            ORDER,
            [Taken(0, "a", "approve"), Taken(1, "b", "approve")],
            Turn("c", frozenset({"office_director"})),
        ).action
        == "签发"
    )


def test_a_person_without_the_steps_role_is_refused_naming_the_role():
    with pytest.raises(SignoffError, match="这一步（同意）须由县政府领导办理") as refused:
        check_turn(draft(1), ORDER, [Taken(0, "a", "approve")], Turn("x", frozenset({"office_director"})))
    assert refused.value.status == 403


def test_the_same_person_may_not_take_two_steps():
    with pytest.raises(SignoffError, match="同一人不能签批") as refused:
        check_turn(draft(1), ORDER, [Taken(0, "both", "approve")], Turn("both", frozenset({"office_deputy", "leader"})))
    assert refused.value.status == 409


def test_a_step_named_out_of_order_is_refused():
    with pytest.raises(SignoffError, match="当前应由县政府领导同意（第 2 步），不能签发") as refused:
        check_turn(
            draft(1), ORDER, [Taken(0, "a", "approve")], Turn("d", frozenset({"leader"})), expected_action="签发"
        )
    assert refused.value.status == 409


@pytest.mark.parametrize(("status", "word"), [("issued", "已签发"), ("refused", "已退回")])
def test_a_decided_draft_takes_no_more_steps(status, word):
    with pytest.raises(SignoffError, match=word) as refused:
        check_turn(draft(3, status), ORDER, [], Turn("e", frozenset({"office_director"})))
    assert refused.value.status == 409


def test_a_unit_head_signs_only_its_own_units_report():
    chain = DEFAULT_CHAINS["completion_report"]
    report = draft(0, doc_type="completion_report", unit="jyj")
    assert check_turn(report, chain, [], Turn("head", frozenset({"unit_head"}), "jyj")).action == "审签"
    with pytest.raises(SignoffError, match="本单位的单位领导"):
        check_turn(report, chain, [], Turn("other", frozenset({"unit_head"}), "zjj"))


def test_the_same_decision_again_is_a_replay_not_a_second_step():
    taken = [Taken(0, "a", "approve", "提出")]
    deputy = Turn("a", frozenset({"office_deputy"}))
    assert replayed(draft(1), ORDER, taken, deputy, "approve")
    assert replayed(draft(1), ORDER, taken, deputy, "approve", "提出")
    assert not replayed(draft(1), ORDER, taken, deputy, "refuse")
    assert not replayed(draft(1), ORDER, taken, Turn("b", frozenset({"office_deputy"})), "approve")


def test_a_person_holding_the_next_steps_role_too_is_not_taken_for_a_retry():
    taken = [Taken(0, "a", "approve", "提出")]
    assert not replayed(draft(1), ORDER, taken, Turn("a", frozenset({"office_deputy", "leader"})), "approve")
    assert not replayed(draft(1), ORDER, taken, Turn("a", frozenset({"office_deputy", "leader"})), "approve", "同意")
