"""The committed JSON Schema snapshots match the code, and breaking changes are named (STYLE.md 5)."""

import copy
import json

import pytest

from duban_common.contracts import schemas
from duban_common.contracts.events import EVENT_TYPES
from duban_common.contracts.submissions import KINDS

REGENERATE = "regenerate with: .venv/bin/python -m duban_common.contracts.schemas  (then review the diff: within v1 only additions are allowed)"


def test_every_kind_event_the_envelope_and_the_dead_letter_have_a_schema():
    names = set(schemas.all_schemas())
    assert {f"submission.{k}.v1.json" for k in KINDS} <= names
    assert {f"{t.removeprefix('duban.')}.json" for t in EVENT_TYPES} <= names
    assert {"matter.registered.v1.json", "envelope.json", "dead_letter.json", "audit_anchor.json"} <= names
    assert len(names) == len(KINDS) + len(EVENT_TYPES) + 3


def test_committed_snapshots_equal_what_the_code_generates():
    generated = schemas.all_schemas()
    committed = {p.name: p for p in schemas.DEFAULT_DIR.glob("*.json")}
    missing = sorted(set(generated) - set(committed))
    assert not missing, f"no committed snapshot for {missing}; {REGENERATE}"
    orphaned = sorted(set(committed) - set(generated))
    assert not orphaned, (
        f"snapshots {orphaned} have no model any more: removing a published schema breaks the contract; "
        "delete the file only together with a new major version"
    )
    for name, schema in sorted(generated.items()):
        text = committed[name].read_text(encoding="utf-8")
        assert text == schemas.render(schema), f"{name} differs from the code; {REGENERATE}"


def test_the_code_is_compatible_with_the_committed_snapshots():
    # Redundant while the snapshots are equal; it names the breakage if someone regenerated blindly.
    for name, schema in schemas.all_schemas().items():
        path = schemas.DEFAULT_DIR / name
        if path.exists():
            assert schemas.compatibility_problems(json.loads(path.read_text(encoding="utf-8")), schema) == [], name


def test_write_pretty_prints_sorted_with_a_trailing_newline(tmp_path):
    paths = schemas.write(tmp_path)
    assert {p.name for p in paths} == set(schemas.all_schemas())
    text = (tmp_path / "submission.online_message.v1.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "$defs"')  # indent=2, keys sorted
    assert schemas.render({"title": "督办", "a": 1}) == '{\n  "a": 1,\n  "title": "督办"\n}\n'  # ensure_ascii=False
    assert json.loads(text) == schemas.all_schemas()["submission.online_message.v1.json"]


def test_main_writes_into_the_given_directory(tmp_path, capsys):
    assert schemas.main([str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "envelope.json").exists()
    assert schemas.main(["a", "b"]) == 2


# --- compatibility on synthetic schemas ----------------------------------------------------

OLD = {
    "title": "Thing",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "count": {"type": "integer"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "colour": {"$ref": "#/$defs/Colour"},
        "owner": {"$ref": "#/$defs/Owner"},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
    },
    "required": ["name", "colour"],
    "$defs": {
        "Colour": {"enum": ["red", "yellow", "green"], "type": "string"},
        "Owner": {
            "type": "object",
            "properties": {"unit": {"type": "string"}, "phone": {"type": "string"}},
            "required": ["unit"],
        },
        "Tag": {"type": "object", "properties": {"label": {"type": "string"}}, "required": []},
    },
}


def changed(fn):
    new = copy.deepcopy(OLD)
    fn(new)
    return new


def test_identical_schemas_are_compatible():
    assert schemas.compatibility_problems(OLD, copy.deepcopy(OLD)) == []


def test_an_added_optional_field_is_fine():
    new = changed(lambda s: s["properties"].update(extra={"type": "string"}))
    assert schemas.compatibility_problems(OLD, new) == []
    nested = changed(lambda s: s["$defs"]["Owner"]["properties"].update(email={"type": "string"}))
    assert schemas.compatibility_problems(OLD, nested) == []


def test_added_enum_values_and_renamed_definitions_are_fine():
    new = changed(lambda s: s["$defs"]["Colour"]["enum"].append("blue"))
    assert schemas.compatibility_problems(OLD, new) == []

    def rename(s):
        s["$defs"]["Person"] = s["$defs"].pop("Owner")
        s["properties"]["owner"] = {"$ref": "#/$defs/Person"}

    assert schemas.compatibility_problems(OLD, changed(rename)) == []


def test_a_removed_field_is_named():
    new = changed(lambda s: s["properties"].pop("count"))
    assert schemas.compatibility_problems(OLD, new) == ["count: property removed"]


def test_a_removed_nested_field_is_named():
    new = changed(lambda s: s["$defs"]["Owner"]["properties"].pop("phone"))
    assert schemas.compatibility_problems(OLD, new) == ["owner.phone: property removed"]
    in_list = changed(lambda s: s["$defs"]["Tag"]["properties"].pop("label"))
    assert schemas.compatibility_problems(OLD, in_list) == ["tags[].label: property removed"]


def test_a_type_change_is_named():
    new = changed(lambda s: s["properties"]["count"].update(type="string"))
    assert schemas.compatibility_problems(OLD, new) == ["count: type changed from integer to string"]
    nullable_lost = changed(lambda s: s["properties"].update(note={"type": "string"}))
    assert schemas.compatibility_problems(OLD, nullable_lost) == ["note: type changed from null|string to string"]
    nested = changed(lambda s: s["$defs"]["Owner"]["properties"]["unit"].update(type="integer"))
    assert schemas.compatibility_problems(OLD, nested) == ["owner.unit: type changed from string to integer"]


def test_a_newly_required_field_is_named():
    new = changed(lambda s: s["required"].append("count"))
    assert schemas.compatibility_problems(OLD, new) == ["count: newly required"]
    added_required = changed(
        lambda s: (s["properties"].update(extra={"type": "string"}), s["required"].append("extra"))
    )
    assert schemas.compatibility_problems(OLD, added_required) == ["extra: newly required"]
    nested = changed(lambda s: s["$defs"]["Owner"]["required"].append("phone"))
    assert schemas.compatibility_problems(OLD, nested) == ["owner.phone: newly required"]


def test_a_removed_enum_value_is_named():
    new = changed(lambda s: s["$defs"]["Colour"]["enum"].remove("yellow"))
    assert schemas.compatibility_problems(OLD, new) == ["colour: enum value(s) removed: 'yellow'"]


def test_several_problems_are_all_named():
    def many(s):
        s["properties"].pop("count")
        s["$defs"]["Colour"]["enum"].remove("red")
        s["required"].append("note")

    problems = schemas.compatibility_problems(OLD, changed(many))
    assert sorted(problems) == sorted(
        [
            "count: property removed",
            "colour: enum value(s) removed: 'red'",
            "note: newly required",
        ]
    )


def test_closing_an_open_object_is_named():
    old = {"type": "object", "properties": {}, "additionalProperties": True}
    new = {"type": "object", "properties": {}, "additionalProperties": False}
    assert schemas.compatibility_problems(old, new) == ["(root): additional properties no longer allowed"]


def test_recursive_definitions_terminate():
    old = {
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "child": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                    "v": {"type": "integer"},
                },
            }
        },
    }
    new = copy.deepcopy(old)
    assert schemas.compatibility_problems(old, new) == []
    new["$defs"]["Node"]["properties"].pop("v")
    assert "v: property removed" in schemas.compatibility_problems(old, new)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_real_schemas_detect_a_real_breaking_change(kind):
    # Dropping a required field from a real model's schema is reported.
    old = KINDS[kind].model_json_schema()
    field = old["required"][0]
    new = copy.deepcopy(old)
    new["properties"].pop(field)
    new["required"].remove(field)
    assert schemas.compatibility_problems(old, new) == [f"{field}: property removed"]
