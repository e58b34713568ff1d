"""Every service declares its handlers the same way: ``entrypoints/consumers.HANDLERS`` maps each
durable consumer's purpose to event types and handlers ``handler(event, delivery, uow, *, ...)``,
every type is one of the contract's, and bootstrap gives each handler what it asks for."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

from duban_common.contracts.events import EVENT_TYPES
from duban_common.provisioning import CONSUMERS

SERVICES = ["intake", "tasking", "deadline", "escalation", "reporting"]
WILDCARD = {("intake", "submissions")}  # inbound submissions: documents of other platforms, checked by intake itself


def handlers_of(service: str) -> dict:
    return importlib.import_module(f"duban_{service}.entrypoints.consumers").HANDLERS


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_cover_the_service_consumers_and_only_contract_types(service):
    handlers = handlers_of(service)
    purposes = {spec.purpose for spec in CONSUMERS if spec.service == service and not spec.refuse}
    assert set(handlers) == purposes, "one table per durable consumer the service pulls"
    for purpose, table in handlers.items():
        assert table, f"{purpose}: a consumer with nothing to handle"
        types = set(table) - ({"*"} if (service, purpose) in WILDCARD else set())
        assert types <= set(EVENT_TYPES), f"{purpose}: types outside the contract: {sorted(types - set(EVENT_TYPES))}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_handler_takes_the_typed_event_its_type_names(service):
    for purpose, table in handlers_of(service).items():
        for event_type, handler in table.items():
            assert inspect.iscoroutinefunction(handler), f"{purpose} {event_type}: not a coroutine function"
            positional = [
                p for p in inspect.signature(handler).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
            ]
            assert len(positional) == 3, (
                f"{handler.__qualname__}: (event, delivery, uow), then keyword-only collaborators"
            )
            declared = typing.get_type_hints(handler).get(positional[0].name)
            if event_type != "*" and isinstance(declared, type):  # a handler of several types declares none
                assert declared is EVENT_TYPES[event_type], (
                    f"{handler.__qualname__} takes {declared.__name__} for {event_type}"
                )


@pytest.mark.parametrize("service", SERVICES)
def test_bootstrap_gives_every_handler_its_collaborators(service, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    runtime = importlib.import_module(f"duban_{service}.bootstrap").bootstrap()
    declared = handlers_of(service)
    assert {purpose: set(table) for purpose, table in runtime.handlers.items()} == {
        purpose: set(table) for purpose, table in declared.items()
    }
    for purpose, table in runtime.handlers.items():
        for event_type, bound in table.items():
            left = [
                p.name
                for p in inspect.signature(bound).parameters.values()
                if p.kind is p.KEYWORD_ONLY and p.default is p.empty
            ]
            assert left == [], f"{purpose} {event_type}: nothing given for {left}"
