"""Inbound submission payloads, one model per kind (CONTRACT.md table)."""

import copy
from datetime import date

import pytest
from pydantic import ValidationError

from duban_common.contracts.submissions import KINDS, MeetingDecision, submission_type

GOOD = {
    "meeting_decision": {
        "meeting": {"type": "executive", "title": "县政府第12次常务会议", "held_on": "2026-09-14"},
        "decisions": [{"seq": 1, "title": "推进老旧小区改造", "content": "由住建局牵头，年底前完成。"}],
    },
    "leader_instruction": {
        "leader": {"name": "张三", "role": "principal"},
        "instructed_on": "2026-09-15",
        "title": "关于河道整治的批示",
        "content": "请水利局抓紧落实。",
    },
    "deputy_suggestion": {
        "number": "第0012号",
        "proposer": "李四",
        "title": "关于增设公交线路的建议",
        "content": "建议增设城东公交线路。",
        "submitted_on": "2026-03-05",
    },
    "cppcc_proposal": {
        "number": "提案第045号",
        "proposer": "王五",
        "title": "关于加强养老服务的提案",
        "content": "建议加强社区养老服务。",
        "submitted_on": "2026-03-06",
    },
    "online_message": {
        "channel": "hotline_12345",
        "number": "000123",
        "title": "小区路灯不亮",
        "content": "某某小区路灯已坏一个月。",
        "received_on": "2026-11-20",
    },
    "work_report_task": {"year": 2026, "title": "新增城镇就业5000人", "content": "全年新增城镇就业5000人以上。"},
    "superior_assignment": {
        "issuer": "市政府办公室",
        "reference_no": "市办督〔2026〕8号",
        "title": "关于安全生产检查的通知",
        "content": "请于月底前完成检查。",
        "received_on": "2026-09-01",
    },
    "document": {
        "doc_no": "县政办〔2026〕21号",
        "title": "关于做好防汛工作的通知",
        "content": "各单位做好防汛准备。",
        "handling": "single",
        "received_on": "2026-06-01",
    },
}

# (kind, change to the good payload, the field the error must name)
BAD = {
    "meeting_decision": (lambda d: d["meeting"].update(type="annual"), ("meeting", "type")),
    "leader_instruction": (lambda d: d["leader"].update(role="mayor"), ("leader", "role")),
    "deputy_suggestion": (lambda d: d.pop("number"), ("number",)),
    "cppcc_proposal": (lambda d: d.update(submitted_on="2026-02-30"), ("submitted_on",)),
    "online_message": (lambda d: d.update(channel="wechat"), ("channel",)),
    "work_report_task": (lambda d: d.update(year=1999), ("year",)),
    "superior_assignment": (lambda d: d.update(reference_no="   "), ("reference_no",)),
    "document": (lambda d: d.update(handling="slow"), ("handling",)),
}


def _locs(exc: ValidationError) -> list[tuple]:
    return [tuple(e["loc"]) for e in exc.errors()]


def test_the_contract_lists_eight_kinds():
    assert set(KINDS) == set(GOOD) == set(BAD)
    assert len(KINDS) == 8


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_a_minimal_good_payload_validates(kind):
    model = KINDS[kind].model_validate(GOOD[kind])
    dumped = model.model_dump(mode="json", exclude_unset=True)
    assert dumped == GOOD[kind]
    assert submission_type(kind) == f"duban.submission.{kind}.v1"


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_payload_is_refused_naming_the_field(kind):
    change, field = BAD[kind]
    payload = copy.deepcopy(GOOD[kind])
    change(payload)
    with pytest.raises(ValidationError) as e:
        KINDS[kind].model_validate(payload)
    assert _locs(e.value) == [field]
    assert ".".join(field) in str(e.value)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_every_required_field_is_required(kind):
    required = [name for name, f in KINDS[kind].model_fields.items() if f.is_required()]
    assert required, kind
    for name in required:
        payload = copy.deepcopy(GOOD[kind])
        payload.pop(name)
        with pytest.raises(ValidationError) as e:
            KINDS[kind].model_validate(payload)
        assert (name,) in _locs(e.value)


def test_required_fields_match_the_contract_table():
    def required(kind):
        return {n for n, f in KINDS[kind].model_fields.items() if f.is_required()}

    assert required("meeting_decision") == {"meeting", "decisions"}
    assert required("leader_instruction") == {"leader", "instructed_on", "title", "content"}
    assert required("deputy_suggestion") == {"number", "proposer", "title", "content", "submitted_on"}
    assert required("online_message") == {"channel", "number", "title", "content", "received_on"}
    assert required("work_report_task") == {"year", "title", "content"}
    assert required("superior_assignment") == {"issuer", "reference_no", "title", "content", "received_on"}
    assert required("document") == {"doc_no", "title", "content", "handling", "received_on"}


def test_dates_are_parsed_and_text_is_stripped():
    m = KINDS["leader_instruction"].model_validate({**GOOD["leader_instruction"], "title": "  批示  "})
    assert m.instructed_on == date(2026, 9, 15)
    assert m.title == "批示"


def test_extra_fields_are_kept():
    m = KINDS["online_message"].model_validate({**GOOD["online_message"], "platform_ref": "X-9"})
    assert m.model_dump()["platform_ref"] == "X-9"


def test_optional_fields():
    payload = {
        **GOOD["document"],
        "handling": "multi",
        "lead_unit": "zjj",
        "co_units": ["cgj", "sw-1"],
        "due_on": "2026-06-10",
    }
    m = KINDS["document"].model_validate(payload)
    assert (m.lead_unit, m.co_units, m.due_on) == ("zjj", ["cgj", "sw-1"], date(2026, 6, 10))
    msg = KINDS["online_message"].model_validate(
        {**GOOD["online_message"], "citizen": {"name": "赵六", "phone": "138 0000 0000"}}
    )
    assert msg.citizen.phone == "138 0000 0000"


def test_a_bad_unit_code_or_phone_is_refused():
    with pytest.raises(ValidationError) as e:
        KINDS["document"].model_validate({**GOOD["document"], "lead_unit": "住建局"})
    assert _locs(e.value) == [("lead_unit",)]
    with pytest.raises(ValidationError) as e:
        KINDS["online_message"].model_validate({**GOOD["online_message"], "citizen": {"phone": "call me"}})
    assert _locs(e.value) == [("citizen", "phone")]


def test_meeting_decision_refuses_a_repeated_seq():
    payload = copy.deepcopy(GOOD["meeting_decision"])
    payload["decisions"] += [
        {"seq": 2, "title": "二", "content": "二"},
        {"seq": 1, "title": "重复", "content": "重复"},
    ]
    with pytest.raises(ValidationError, match=r"decision seq must be unique.*\[1\]"):
        MeetingDecision.model_validate(payload)


def test_meeting_decision_needs_at_least_one_decision():
    with pytest.raises(ValidationError) as e:
        MeetingDecision.model_validate({**GOOD["meeting_decision"], "decisions": []})
    assert _locs(e.value) == [("decisions",)]


def test_meeting_decision_per_decision_units():
    payload = copy.deepcopy(GOOD["meeting_decision"])
    payload["decisions"][0].update(lead_unit="zjj", co_units=["czj"], due_on="2026-10-08")
    m = MeetingDecision.model_validate(payload)
    assert m.decisions[0].lead_unit == "zjj" and m.decisions[0].due_on == date(2026, 10, 8)
    payload["decisions"][0]["co_units"] = ["czj", "zjj"]
    with pytest.raises(ValidationError, match="lead_unit 'zjj' is also listed in co_units") as e:
        MeetingDecision.model_validate(payload)
    assert _locs(e.value) == [("decisions", 0)]


@pytest.mark.parametrize(
    "kind", ["leader_instruction", "deputy_suggestion", "work_report_task", "superior_assignment", "document"]
)
def test_lead_unit_also_in_co_units_is_refused(kind):
    payload = {**GOOD[kind], "lead_unit": "zjj", "co_units": ["cgj", "zjj"]}
    with pytest.raises(ValidationError, match="lead_unit 'zjj' is also listed in co_units"):
        KINDS[kind].model_validate(payload)
    ok = KINDS[kind].model_validate({**GOOD[kind], "lead_unit": "zjj", "co_units": ["cgj"]})
    assert ok.co_units == ["cgj"]


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_unknown_fields_are_kept_within_bounds_and_refused_beyond_them(kind):
    nested: list = []
    for _ in range(190):
        nested = [nested]
    kept = KINDS[kind].model_validate({**GOOD[kind], "platform_ref": {"id": "A-17", "tags": ["急", "重点"]}})
    assert kept.model_dump(mode="json")["platform_ref"] == {"id": "A-17", "tags": ["急", "重点"]}
    for junk, said in ((nested, "嵌套超过"), ([["x" * 100] * 10] * 1000, "超过上限")):  # 190 deep; about 1 MB
        with pytest.raises(ValidationError) as e:
            KINDS[kind].model_validate({**GOOD[kind], "junk": junk})
        assert said in str(e.value) and "junk" in str(e.value)
    deep = copy.deepcopy(GOOD["meeting_decision"])
    deep["decisions"][0]["junk"] = nested  # in a nested object too
    with pytest.raises(ValidationError, match="嵌套超过"):
        MeetingDecision.model_validate(deep)
