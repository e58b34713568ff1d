"""JSON Schema snapshots of the contract (STYLE.md 5, CONTRACT.md).

``python -m duban_common.contracts.schemas [dir]`` writes one file per submission kind,
per domain event, for the envelope and for the dead letter into ``schemas/`` next to this module. The files
are committed; a unit test fails when the code no longer generates them, and
``compatibility_problems`` names what a new schema breaks for the platforms that rely on
the old one. Within a major version only additions are allowed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..envelope import Envelope
from .audit_anchors import AuditAnchor
from .dead_letters import DeadLetter
from .events import EVENT_TYPES
from .submissions import KINDS, submission_type

DEFAULT_DIR = Path(__file__).with_name("schemas")
_PREFIX = "duban."


def file_name(type_: str) -> str:
    """The schema file of a submission or event type: ``duban.task.assigned.v1`` → ``task.assigned.v1.json``."""
    return f"{type_.removeprefix(_PREFIX)}.json"


def all_schemas() -> dict[str, dict]:
    """File name → JSON Schema for every submission kind, domain event, the envelope, the dead letter and the audit anchor."""
    out: dict[str, dict] = {}
    for kind, model in KINDS.items():
        out[file_name(submission_type(kind))] = model.model_json_schema()
    for event_type, model in EVENT_TYPES.items():
        out[file_name(event_type)] = model.model_json_schema()
    out["envelope.json"] = Envelope.model_json_schema()
    out["dead_letter.json"] = DeadLetter.model_json_schema()
    out["audit_anchor.json"] = AuditAnchor.model_json_schema()
    return out


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write(directory: str | Path = DEFAULT_DIR) -> list[Path]:
    """Write every schema into ``directory``. Files of schemas that no longer exist are
    left alone on purpose: removing a published schema is a decision, not a regeneration."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(all_schemas().items()):
        path = target / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print("usage: python -m duban_common.contracts.schemas [directory]", file=sys.stderr)
        return 2
    paths = write(args[0] if args else DEFAULT_DIR)
    print(f"wrote {len(paths)} schemas to {paths[0].parent if paths else args}")
    return 0


# --- compatibility -------------------------------------------------------------------


def compatibility_problems(old: dict, new: dict) -> list[str]:
    """Breaking changes from ``old`` to ``new`` (same major version), one line each.

    Breaking: a property removed, a property's JSON type changed (any difference in the
    set of allowed types, because the same schemas describe what platforms send and what
    they read), a property newly required, an enum value removed, extra properties no
    longer allowed. ``$ref`` is resolved against each schema's own ``$defs``, so nested
    models are compared where they are used, whatever their definitions are called.
    Added optional properties, added enum values and added definitions are fine.
    """
    problems: list[str] = []
    _compare(old, old, new, new, "", problems, set())
    return problems


def _compare(old: dict, o_root: dict, new: dict, n_root: dict, path: str, out: list[str], seen: set) -> None:
    o_alts, n_alts = _alternatives(old, o_root), _alternatives(new, n_root)
    key = (tuple(id(a) for a in o_alts), tuple(id(a) for a in n_alts))
    if key in seen:  # a definition already compared (and recursive models end here)
        return
    seen.add(key)
    where = path or "(root)"

    o_types, n_types = _types(o_alts), _types(n_alts)
    if o_types != n_types and "any" not in n_types:
        out.append(f"{where}: type changed from {_show(o_types)} to {_show(n_types)}")

    o_enum, n_enum = _enum(o_alts), _enum(n_alts)
    if o_enum is not None and n_enum is not None:
        removed = [v for v in o_enum if v not in n_enum]
        if removed:
            out.append(f"{where}: enum value(s) removed: {', '.join(map(repr, removed))}")

    o_obj, n_obj = _first(o_alts, "object"), _first(n_alts, "object")
    if o_obj is not None and n_obj is not None:
        _compare_object(o_obj, o_root, n_obj, n_root, path, out, seen)

    o_arr, n_arr = _first(o_alts, "array"), _first(n_alts, "array")
    if o_arr is not None and n_arr is not None:
        _compare(o_arr.get("items", {}), o_root, n_arr.get("items", {}), n_root, f"{path}[]", out, seen)


def _compare_object(old: dict, o_root: dict, new: dict, n_root: dict, path: str, out: list[str], seen: set) -> None:
    o_props, n_props = old.get("properties", {}), new.get("properties", {})
    prefix = f"{path}." if path else ""
    for name, o_prop in o_props.items():
        if name not in n_props:
            out.append(f"{prefix}{name}: property removed")
            continue
        _compare(o_prop, o_root, n_props[name], n_root, f"{prefix}{name}", out, seen)
    for name in new.get("required", []):
        if name not in old.get("required", []):
            out.append(f"{prefix}{name}: newly required")
    if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
        out.append(f"{path or '(root)'}: additional properties no longer allowed")


def _resolve(node: Any, root: dict, depth: int = 0) -> dict:
    if not isinstance(node, dict):
        return {}
    ref = node.get("$ref")
    if ref and depth < 50:
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _resolve(target, root, depth + 1)
    return node


def _alternatives(node: Any, root: dict) -> list[dict]:
    """The schemas a value may match: anyOf/oneOf flattened, single allOf and $ref resolved."""
    node = _resolve(node, root)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [alt for member in node[key] for alt in _alternatives(member, root)]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _alternatives(node["allOf"][0], root)
    return [node]


_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    type(None): "null",
    list: "array",
    dict: "object",
}


def _types(alts: list[dict]) -> frozenset[str]:
    types: set[str] = set()
    for alt in alts:
        alt_type = alt.get("type")
        if isinstance(alt_type, str):
            types.add(alt_type)
        elif isinstance(alt_type, list):
            types.update(alt_type)
        elif "enum" in alt:
            types.update(_JSON_TYPES.get(type(v), "any") for v in alt["enum"])
        elif "const" in alt:
            types.add(_JSON_TYPES.get(type(alt["const"]), "any"))
        elif "properties" in alt:
            types.add("object")
        else:
            types.add("any")
    return frozenset(types)


def _enum(alts: list[dict]) -> list | None:
    values: list = []
    constrained = False
    for alt in alts:
        if "enum" in alt:
            values.extend(alt["enum"])
            constrained = True
        elif "const" in alt:
            values.append(alt["const"])
            constrained = True
        elif alt.get("type") != "null":
            return None  # an unconstrained alternative: any value of its type is accepted
    return values if constrained else None


def _first(alts: list[dict], kind: str) -> dict | None:
    for alt in alts:
        alt_type = alt.get("type")
        if (
            alt_type == kind
            or (isinstance(alt_type, list) and kind in alt_type)
            or (kind == "object" and alt_type is None and "properties" in alt)
        ):
            return alt
    return None


def _show(types: frozenset[str]) -> str:
    return "|".join(sorted(types))


if __name__ == "__main__":
    raise SystemExit(main())
