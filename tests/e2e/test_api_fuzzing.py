"""Fuzzing every route of every running service from its own OpenAPI document (bad
input everywhere gets a clear 4xx, never a 500).

schemathesis generates requests for each operation of each service's ``/openapi.json``, sent
with a valid token of a role the operation is open to (its service's access table: the
supervision office where it may, else an operator), to the demo tenant: valid data (positive)
and, where an operation has anything to break, data that breaks the schema (negative). Checked:

- no 5xx (``not_a_server_error``), whatever the input;
- a response the document declares a schema for matches it (``response_schema_conformance``),
  in the declared content type (``content_type_conformance``): refusals included;
- data that breaks the schema is refused with a 4xx (``negative_data_rejection``).

Besides the random cases, every operation gets schemathesis's coverage cases: the values at
the edges of its schema (an empty string where no minimum length is set, the longest string
allowed, each enum value, null where null is allowed), which random generation may miss: a
special report on ``matter_id: ""`` answered 500 before.

Half of the generated requests for a route with an id in its path use a real one (a matter,
its task, its submission, its lead unit), so the checks reach the service layer behind the 404.
No operation is left out: the system is this module's own, so a route that changes it (a task
declined, a unit deactivated, a tenant registered) may; only the admin routes never get the
demo tenant's slug, so that offboarding it cannot refuse every later request.

The routes that read their body themselves (an envelope, a units list, a workbook) have none
in the document: the second test sends them raw bytes, JSON and CSV of every shape, and
envelopes with one field broken.

The run is deterministic (``derandomize``) and bounded (``EXAMPLES`` per operation and mode).
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import GenerationConfig
from schemathesis.core.result import Err
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from duban_cli.embedded import SERVICES
from duban_common.auth import OFFICE, OPERATOR, ROLES
from duban_deadline.entrypoints.access import ACCESS as DEADLINE
from duban_escalation.entrypoints.access import ACCESS as ESCALATION
from duban_intake.entrypoints.access import ACCESS as INTAKE
from duban_reporting.entrypoints.access import ACCESS as REPORTING
from duban_tasking.entrypoints.access import ACCESS as TASKING
from e2e_support import ledger, meeting_decision, publish, wait_for

# every operation of every service in one test: ~100 operations since the sign-off routes, more than the default 300 s on 2 busy cores
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
BACKENDS = ["sqlite"]  # input validation sits in front of the database: one backend suffices

ACCESS = {"intake": INTAKE, "tasking": TASKING, "deadline": DEADLINE, "escalation": ESCALATION, "reporting": REPORTING}
TENANT = "demo"
EXAMPLES = 8  # per operation and generation mode: ~70 operations, most in both modes, within the time budget
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, negative_data_rejection]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same requests on every run: CI is deterministic, a failure reproduces
    database=None,  # nothing written to .hypothesis/
    deadline=None,  # a request's time is the services', not the generator's
    # generating for a large body schema or filtering path parameters is slow or filters much by design
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    print_blob=False,
)


def _role(service: str, method: str, path: str) -> str:
    """The caller: the supervision office where the route is open to it, else an operator,
    else the first role in ROLES order that may call it."""
    allowed = ACCESS[service].get((method, path))
    assert allowed, f"{service}: {method} {path} is in the OpenAPI document but not in the access table"
    for role in (OFFICE, OPERATOR, *ROLES):
        if role in allowed:
            return role
    raise AssertionError(allowed)


@pytest.fixture(scope="module")
def seeded(system, nats_server) -> dict[str, str]:
    """Real ids for path parameters: a matter with two assigned tasks, and its submission."""
    asyncio.run(publish(nats_server.url, [meeting_decision("fuzz-1", decisions=2)]))
    rows = wait_for(
        lambda: (lambda r: r if len(r) == 2 and all(i["lead_unit"] and i["due_on"] for i in r) else None)(
            ledger(system, q="fuzz-1")["items"]
        ),
        what="two assigned matters",
    )
    submissions = httpx.get(f"{system.url('intake')}/v1/tenants/{TENANT}/submissions", timeout=10).json()["items"]
    return {
        "task_id": rows[0]["task_id"],
        "matter_id": rows[0]["matter_id"],
        "code": rows[0]["lead_unit"],
        "submission_id": submissions[0]["id"],
    }


def _negatable(spec: dict, operation) -> bool:
    """Whether the operation has anything that can be sent against its schema: a body, a query
    parameter, a header, or a path parameter narrower than any string (every path is a string)."""
    op = spec["paths"][operation.path][operation.method.lower()]
    if "requestBody" in op:
        return True
    for p in op.get("parameters", []):
        schema = {k: v for k, v in p.get("schema", {}).items() if k not in ("title", "description")}
        if p["in"] != "path" or (p["name"] != "tenant" and schema != {"type": "string"}):
            return True
    return False


def _strategy(operation, mode: GenerationMode, ids: dict[str, str]):
    names = {p.name for p in operation.path_parameters}
    fixed = {name: TENANT for name in ("tenant",) if name in names}
    generated = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)
    real = {name: ids[name] for name in names if name in ids}
    if not real:
        return generated
    return st.one_of(operation.as_strategy(generation_mode=mode, path_parameters={**fixed, **real}), generated)


def _fuzz(system, service: str, ids: dict[str, str]) -> tuple[int, int, list[str]]:
    schema = schemathesis.openapi.from_url(f"{system.url(service)}/openapi.json")
    operations = examples = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"{service}: an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()
        if not operation.path.startswith("/v1/"):
            continue
        method = operation.method.upper()
        headers = system.headers(_role(service, method, operation.path), tenant=TENANT)
        operations += 1
        modes = [GenerationMode.POSITIVE] + (
            [GenerationMode.NEGATIVE] if _negatable(schema.raw_schema, operation) else []
        )
        for mode in modes:
            sent = 0

            @SETTINGS
            @given(case=_strategy(operation, mode, ids))
            def run(case) -> None:
                nonlocal sent
                if case.path_parameters.get("slug") == TENANT:
                    case.path_parameters["slug"] = "fuzz-other"  # never offboard the tenant every other route uses
                sent += 1
                case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

            try:
                run()
            except Unsatisfiable:
                pass  # the only parameters that can be negated are fixed (the tenant, a real id)
            except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - every operation is tried, all failures reported together
                failures.append(f"{service} {operation.label} [{mode.value}]: {type(e).__name__}: {e}")
            examples += sent
        for case in _edges(operation):
            examples += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
            except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - as above
                failures.append(f"{service} {operation.label} [coverage] {case.body!r:.200}: {type(e).__name__}: {e}")
    return operations, examples, failures


def _edges(operation):
    """The operation's coverage cases (valid data at its schema's edges), on the demo tenant."""
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=[GenerationMode.POSITIVE],
        generation_config=GenerationConfig(),
        auth_storage=None,
        override=Override(),
        feedback=NO_FEEDBACK,
    )
    for case in generator:
        if "tenant" in case.path_parameters:
            case.path_parameters["tenant"] = TENANT
        if case.path_parameters.get("slug") == TENANT:
            case.path_parameters["slug"] = "fuzz-other"
        yield case


def test_every_route_answers_bad_and_random_input_with_a_4xx_never_a_5xx(system, seeded):
    started = time.monotonic()
    totals, failures = {}, []
    for service in SERVICES:
        ops, examples, found = _fuzz(system, service, seeded)
        totals[service] = (ops, examples)
        failures += found
    print(
        f"fuzzed {sum(o for o, _ in totals.values())} operations with {sum(e for _, e in totals.values())} requests "
        f"in {time.monotonic() - started:.1f}s: {totals}"
    )
    assert not failures, "\n\n".join(failures)
    assert sum(o for o, _ in totals.values()) >= 60  # every service's routes were found and fuzzed
    for service, (ops, examples) in totals.items():
        assert ops and examples >= ops * 2, (service, ops, examples)


# --- the routes whose body the OpenAPI document does not describe ------------------------------
# They read the raw body themselves (an envelope, a units CSV/JSON/workbook, a work report
# workbook), so schemathesis sends them no body at all: these examples send them what a broken
# or hostile client would.

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "demo", "2026-11-20", "2026-02-30", "x" * 300, "\x00"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.lists(
        st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8), max_size=4), max_size=4
    ).map(lambda rows: "\n".join(",".join(r) for r in rows).encode()),
    st.just(b"PK\x03\x04not a zip"),
)
MEDIA_TYPES = st.sampled_from(
    [
        "application/json",
        "text/csv",
        "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "",
    ]
)
RAW_ROUTES = [
    ("intake", "POST", "/v1/tenants/demo/submissions", {}),
    ("tasking", "PUT", "/v1/tenants/demo/units", {}),
    ("intake", "POST", "/v1/tenants/demo/imports/work-report", {"year": 2026}),
]
ENVELOPE_PATHS = [
    ("specversion",),
    ("id",),
    ("source",),
    ("type",),
    ("time",),
    ("tenant",),
    ("data",),
    ("datacontenttype",),
    ("data", "meeting"),
    ("data", "meeting", "type"),
    ("data", "meeting", "held_on"),
    ("data", "meeting", "title"),
    ("data", "decisions"),
    ("data", "decisions", 0),
    ("data", "decisions", 0, "seq"),
    ("data", "decisions", 0, "title"),
    ("data", "decisions", 0, "lead_unit"),
    ("data", "decisions", 0, "due_on"),
    ("data", "decisions", 0, "content"),
]
_MISSING = object()
RAW_SETTINGS = settings(SETTINGS, max_examples=EXAMPLES * 3)


def _mutated(n: int, path: tuple, value) -> dict:
    env = meeting_decision(f"fuzz-env-{n}", decisions=1)
    *parents, last = path
    node = env
    for key in parents:
        node = node[key]
    if value is _MISSING:
        node.pop(last) if isinstance(node, list) else node.pop(last, None)
    else:
        node[last] = value
    return env


def _refused_clearly(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/json"), (what, r.headers["content-type"])
        assert r.json()["detail"], (what, r.text[:300])


def test_raw_bodies_and_broken_envelopes_are_refused_with_a_4xx(system, seeded):
    sent = 0

    @RAW_SETTINGS
    @given(route=st.sampled_from(RAW_ROUTES), body=RAW_BODIES, media_type=MEDIA_TYPES)
    def raw(route, body, media_type) -> None:
        nonlocal sent
        service, method, path, params = route
        headers = {**system.headers(OFFICE, tenant=TENANT), "content-type": media_type}
        r = httpx.request(
            method, f"{system.url(service)}{path}", content=body, params=params, headers=headers, timeout=30
        )
        sent += 1
        _refused_clearly(r, f"{method} {path} with {media_type!r} {body[:80]!r}")

    @RAW_SETTINGS
    @given(path=st.sampled_from(ENVELOPE_PATHS), value=st.just(_MISSING) | JSON_VALUES)
    def envelope(path, value) -> None:
        nonlocal sent
        sent += 1
        env = _mutated(sent, path, value)
        r = httpx.post(
            f"{system.url('intake')}/v1/tenants/{TENANT}/submissions",
            json=env,
            headers=system.headers(OFFICE),
            timeout=30,
        )
        _refused_clearly(
            r, f"envelope with {'/'.join(map(str, path))} = {'(missing)' if value is _MISSING else value!r}"
        )

    raw()
    envelope()
    print(f"sent {sent} raw bodies and broken envelopes")
