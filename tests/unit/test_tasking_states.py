"""Every legal and illegal transition of the task state machine."""

from __future__ import annotations

import itertools

import pytest

from duban_tasking.domain.states import Action, Actor, IllegalTransition, State, check

S, A = State, Action
LEAD, CO, OTHER = "zjj", "czj", "jyj"

# Written out by hand from DESIGN.md §1/§5 (not derived from the code under test): for each action, the one
# role allowed to do it and its moves, state → next state.
SUBMITTABLE = (S.acknowledged, S.in_progress, S.returned, S.reopened)
OPEN = (S.assigned, S.acknowledged, S.in_progress, S.completion_submitted, S.returned, S.reopened, S.awaiting_unit_head)
ACTIONS = {
    A.acknowledge: ("lead", {S.assigned: S.acknowledged}),
    A.decline: ("lead", {S.assigned: S.declined}),
    A.report_progress: ("lead", dict.fromkeys(SUBMITTABLE, S.in_progress)),
    A.submit_completion: ("lead", dict.fromkeys(SUBMITTABLE, S.completion_submitted)),
    A.reassign: ("office", {S.declined: S.assigned}),
    A.accept: ("office", {S.completion_submitted: S.completed}),
    # 「…或因办理质量不高退回重办的」: the office may judge a feedback report unsatisfactory (issue: a return, not a report)
    A.return_for_rework: ("office", {S.completion_submitted: S.returned, S.in_progress: S.returned}),
    A.reopen: ("office", {S.completed: S.reopened}),
    A.send_input: ("co", {state: state for state in OPEN}),
    # the unit's own sign-off: the head signs (the report reaches the office) or refuses (the service layer puts
    # the task back in the state it was submitted from; the machine leaves it as it is)
    A.sign_completion: ("head", {S.awaiting_unit_head: S.completion_submitted}),
    A.refuse_completion: ("head", {S.awaiting_unit_head: S.awaiting_unit_head}),
}
LEGAL = {(state, action): after for action, (_, moves) in ACTIONS.items() for state, after in moves.items()}
WHO = {action: role for action, (role, _) in ACTIONS.items()}
ACTORS = {
    "office": Actor("supervision_office"),
    "lead": Actor("unit", LEAD),
    "co": Actor("unit", CO),
    "other": Actor("unit", OTHER),
    "head": Actor("unit_head", LEAD),
    "other_head": Actor("unit_head", OTHER),
}


@pytest.mark.parametrize("state,action,who", list(itertools.product(State, Action, ACTORS)))
def test_transition(state, action, who):
    actor = ACTORS[who]
    allowed_role = WHO[action]
    if who == allowed_role and (state, action) in LEGAL:
        assert check(action, state, actor, LEAD, [CO]) == LEGAL[(state, action)]
        return
    with pytest.raises(IllegalTransition) as refused:
        check(action, state, actor, LEAD, [CO])
    if who != allowed_role:
        assert refused.value.status == 403, "acting on a task that is not yours is refused as forbidden"
        assert "无权" in str(refused.value)
    else:
        assert refused.value.status == 409
        assert "当前状态" in str(refused.value)


def test_the_table_covers_every_action():
    assert {a for _, a in LEGAL} == set(Action)


def test_signing_twice_is_refused_with_the_reason():
    with pytest.raises(IllegalTransition, match="任务当前状态为“已签收”，不能签收"):
        check(A.acknowledge, S.acknowledged, ACTORS["lead"], LEAD, [CO])


def test_a_unit_acting_on_another_units_task_is_refused():
    with pytest.raises(IllegalTransition, match="只有牵头单位（zjj）可以办结报告") as e:
        check(A.submit_completion, S.acknowledged, ACTORS["other"], LEAD, [CO])
    assert e.value.status == 403


def test_only_the_head_of_the_lead_unit_signs_its_completion_report_off():
    with pytest.raises(IllegalTransition, match="只有牵头单位（zjj）的单位领导可以审签办结报告") as e:
        check(
            A.sign_completion, S.awaiting_unit_head, ACTORS["lead"], LEAD, [CO]
        )  # the handler cannot sign its own report
    assert e.value.status == 403
    with pytest.raises(IllegalTransition) as e:
        check(A.sign_completion, S.awaiting_unit_head, ACTORS["other_head"], LEAD, [CO])
    assert e.value.status == 403
