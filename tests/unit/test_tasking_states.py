"""Every legal and illegal transition of the task state machine."""

from __future__ import annotations

import itertools

import pytest

from duban_tasking.domain.states import Action, Actor, IllegalTransition, State, check

S, A = State, Action
LEAD, CO, OTHER = "zjj", "czj", "jyj"

# Written out by hand from DESIGN.md §1/§5 (not derived from the code under test):
# (state, action) → next state, for the one role allowed to do it.
LEGAL = {
    (S.assigned, A.acknowledge): S.acknowledged,
    (S.assigned, A.decline): S.declined,
    (S.declined, A.reassign): S.assigned,
    (S.acknowledged, A.report_progress): S.in_progress,
    (S.in_progress, A.report_progress): S.in_progress,
    (S.returned, A.report_progress): S.in_progress,
    (S.reopened, A.report_progress): S.in_progress,
    (S.acknowledged, A.submit_completion): S.completion_submitted,
    (S.in_progress, A.submit_completion): S.completion_submitted,
    (S.returned, A.submit_completion): S.completion_submitted,
    (S.reopened, A.submit_completion): S.completion_submitted,
    (S.completion_submitted, A.accept): S.completed,
    (S.completion_submitted, A.return_for_rework): S.returned,
    # 「…或因办理质量不高退回重办的」: the office may judge a feedback report unsatisfactory (issue: a return, not a report)
    (S.in_progress, A.return_for_rework): S.returned,
    (S.completed, A.reopen): S.reopened,
    # the unit's own sign-off: the head signs (the report reaches the office) or refuses (the service layer puts
    # the task back in the state it was submitted from; the machine leaves it as it is)
    (S.awaiting_unit_head, A.sign_completion): S.completion_submitted,
    (S.awaiting_unit_head, A.refuse_completion): S.awaiting_unit_head,
    **{
        (s, A.send_input): s
        for s in (
            S.assigned,
            S.acknowledged,
            S.in_progress,
            S.completion_submitted,
            S.returned,
            S.reopened,
            S.awaiting_unit_head,
        )
    },
}
WHO = {
    A.acknowledge: "lead",
    A.decline: "lead",
    A.report_progress: "lead",
    A.submit_completion: "lead",
    A.reassign: "office",
    A.accept: "office",
    A.return_for_rework: "office",
    A.reopen: "office",
    A.send_input: "co",
    A.sign_completion: "head",
    A.refuse_completion: "head",
}
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
