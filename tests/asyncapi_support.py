"""What a real broker holds, checked against the committed AsyncAPI document (CONTRACT.md: the
project tests that the code matches its published contract).

``problems(messages)`` names, one line each, a message whose subject is on no channel, whose
payload or headers fail the schemas of each of its channel's messages (one per content mode), or
that came from an outbox (its headers require ``Nats-Msg-Id`` and its payload is an envelope) with
a ``Nats-Msg-Id`` or a ``ce-`` header other than the envelope's id or attribute. An inbound submission that fails its schema is no problem when a dead letter refused it:
that refusal is the contract. ``off_contract(url)`` reads every Duban stream of a broker.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import nats
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from duban_common import subjects
from duban_common.contracts import asyncapi
from duban_common.testing.streams import stored_messages


@dataclass(frozen=True)
class Stored:
    subject: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    seq: int = 0  # stream sequence


def _retrieve(uri: str) -> Resource:
    path = Path(uri.removeprefix("file://"))
    return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012)


REGISTRY = Registry(retrieve=_retrieve)


def load(path: Path = asyncapi.DEFAULT_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def local(document: dict, node: dict) -> dict:
    """``node``, or what its ``#/...`` reference points to in ``document``."""
    ref = node.get("$ref", "")
    if not ref.startswith("#/"):
        return node
    for part in ref[2:].split("/"):
        document = document[part]
    return document


def validator(schema: dict, base: Path = asyncapi.DEFAULT_PATH) -> Draft202012Validator:
    """A validator of ``schema`` whose relative ``$ref``s resolve against the document's file."""
    return Draft202012Validator({"$id": base.as_uri(), **schema}, registry=REGISTRY)


@dataclass
class _Message:
    payload: Draft202012Validator
    headers: Draft202012Validator
    from_outbox: bool


@dataclass
class _Channel:
    id: str
    pattern: re.Pattern
    messages: list[_Message]  # one per content mode the channel takes


@cache
def _channels(path: Path = asyncapi.DEFAULT_PATH) -> list[_Channel]:
    document, out = load(path), []
    for cid, channel in document["channels"].items():
        params = channel.get("parameters", {})

        def token(m: re.Match) -> str:
            enum = params[m.group(1)].get("enum")
            return "(" + "|".join(map(re.escape, enum)) + ")" if enum else "[^.]+"

        pattern = re.compile(re.sub(r"\\\{(\w+)\\\}", token, re.escape(channel["address"])))
        messages = []
        for message in channel["messages"].values():
            headers = local(document, message.get("headers", {}))
            enveloped = any(p.get("$ref", "").endswith("envelope.json") for p in message["payload"].get("allOf", []))
            messages.append(
                _Message(
                    validator(message["payload"]),
                    validator(headers),
                    enveloped and "Nats-Msg-Id" in headers.get("required", []),
                )
            )
        out.append(_Channel(cid, pattern, messages))
    return out


def _errors(v: Draft202012Validator, instance) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in v.iter_errors(instance)]


def problems(messages: list[Stored], path: Path = asyncapi.DEFAULT_PATH) -> list[str]:
    channels = _channels(path)
    parsed = []
    for m in messages:
        try:
            parsed.append((m, json.loads(m.data)))
        except ValueError:
            parsed.append((m, None))
    refused = {
        (body["subject"], body["stream_seq"])
        for m, body in parsed
        if m.subject.startswith("duban.dlq.") and isinstance(body, dict) and "stream_seq" in body
    }
    out = []
    for m, body in parsed:
        where = f"{m.subject} (seq {m.seq})"
        channel = next((c for c in channels if c.pattern.fullmatch(m.subject)), None)
        if channel is None:
            out.append(f"{where}: on no channel")
            continue
        errors = min((_message_errors(message, m, body) for message in channel.messages), key=len)  # the mode it is in
        if errors and m.subject.startswith("duban.in.") and (m.subject, m.seq) in refused:
            errors = []  # refused with a dead letter, as CONTRACT.md says
        out += [f"{where} on channel {channel.id}: {e}" for e in errors]
    return out


def _message_errors(message: _Message, m: Stored, body) -> list[str]:
    errors = _errors(message.payload, body) if body is not None else ["(root): not JSON"]
    errors += [f"header {e}" for e in _errors(message.headers, m.headers)]
    if message.from_outbox and isinstance(body, dict):
        if m.headers.get("Nats-Msg-Id") != body.get("id"):
            errors.append(f"Nats-Msg-Id {m.headers.get('Nats-Msg-Id')!r} is not the envelope's id {body.get('id')!r}")
        for name, value in m.headers.items():  # each ce- header is the envelope's attribute, percent-encoded
            if name.startswith("ce-") and unquote(value) != body.get(name[3:]):
                errors.append(f"header {name} {value!r} is not the envelope's {name[3:]} {body.get(name[3:])!r}")
    return errors


async def _read(url: str) -> list[Stored]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=10)
        msgs = [m for family in subjects.FAMILIES for m in await stored_messages(js, subjects.family_wildcard(family))]
    finally:
        await nc.close()
    return [Stored(m.subject, m.data, dict(m.headers or {}), m.metadata.sequence.stream) for m in msgs]


def off_contract(url: str) -> list[str]:
    """The problems of every message the broker at ``url`` holds on a Duban subject."""
    messages = asyncio.run(_read(url))
    assert messages, f"the broker at {url} holds no message on a Duban subject: nothing was checked"
    return problems(messages)
