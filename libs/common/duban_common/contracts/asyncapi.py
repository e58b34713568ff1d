"""The AsyncAPI 3.0.0 document of Duban's NATS subjects (CONTRACT.md, decision 0018).

Generated from the declarations the code runs on, never edited by hand:
- a channel per submission kind (``duban.in.{tenant}.<kind>``, submissions.KINDS), with a message
  per content mode it takes: structured (the envelope) and binary (``ce-`` headers, ``data``);
- a channel per event type: ``duban.ev.{tenant}.<aggregate>.<event>``, or its outbound topic
  (events.OUTBOUND_TOPICS; a topic's ``{field}`` is a channel parameter, events.TOPIC_FIELDS);
- the dead-letter channel of each service that runs a consumer (contracts.dead_letters);
- the audit anchors of every service's chains (contracts.audit_anchors);
- a ``send`` operation per channel, and a ``receive`` operation per channel and durable
  consumer whose filter matches it (provisioning.CONSUMERS).
Payloads ``$ref`` the JSON Schema snapshots in ``schemas/`` (schemas.py), relative to the file.

``python -m duban_common.contracts.asyncapi [path]`` writes ``asyncapi.json`` next to this
module; ``--check`` only compares (exit 1 when the file differs). A unit test compares too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import subjects
from ..provisioning import CONSUMERS, ConsumerSpec
from .audit_anchors import HEADERS as ANCHOR_HEADERS
from .dead_letters import HEADERS as DEAD_LETTER_HEADERS
from .events import EVENT_TYPES, OUTBOUND_TOPICS, TOPIC_FIELDS
from .schemas import file_name, render
from .submissions import KINDS, submission_type

DEFAULT_PATH = Path(__file__).with_name("asyncapi.json")
_SCHEMAS = "schemas/"
_TENANT = "the tenant's slug: lowercase letters, digits and '-', 2 to 40 characters"


@dataclass(frozen=True)
class Channel:
    id: str  # "ev.task.assigned"
    address: str  # "duban.ev.{tenant}.task.assigned"
    message: str  # "task.assigned.v1"
    payload: dict
    headers: str  # a name in components.schemas
    sent_by: str
    parameters: dict[str, dict] = field(default_factory=dict)
    binary: dict | None = None  # the payload of the channel's binary-mode message (``data``), if it takes one

    def subjects(self, tenant: str = "demo") -> list[str]:
        """The concrete subjects of the channel for one tenant: each value of an enumerated parameter."""
        out = [self.address.replace("{tenant}", tenant)]
        for name, parameter in self.parameters.items():
            if "enum" in parameter:
                out = [s.replace(f"{{{name}}}", v) for s in out for v in parameter["enum"]]
        return out


def _enveloped(type_: str) -> dict:
    return {
        "allOf": [
            {"$ref": f"{_SCHEMAS}envelope.json"},
            {
                "type": "object",
                "required": ["type", "data"],
                "properties": {"type": {"const": type_}, "data": {"$ref": _SCHEMAS + file_name(type_)}},
            },
        ]
    }


_TENANT_PARAMETER = {"tenant": {"description": _TENANT, "examples": ["demo"]}}


def _inbound_channel(kind: str) -> Channel:
    return Channel(
        f"in.{kind}",
        f"duban.in.{{tenant}}.{kind}",
        submission_type(kind).removeprefix("duban."),
        _enveloped(submission_type(kind)),
        "inboundHeaders",
        "an integrating platform (or `duban publish`)",
        _TENANT_PARAMETER,
        binary={"$ref": _SCHEMAS + file_name(submission_type(kind))},
    )


def _event_address(type_: str) -> tuple[str, str, dict]:
    """Channel id, address and parameters of an event type: its own subject, or its outbound topic."""
    aggregate, name, _ = subjects.split_type(type_)
    topic = OUTBOUND_TOPICS.get(type_)
    if topic is None:
        return f"ev.{aggregate}.{name}", f"duban.ev.{{tenant}}.{aggregate}.{name}", _TENANT_PARAMETER
    fields = {
        field: {"description": f"the event's data.{field}", "enum": list(TOPIC_FIELDS[field])}
        for field in TOPIC_FIELDS
        if f"{{{field}}}" in topic
    }
    return "out." + topic.split(".{")[0], f"duban.out.{{tenant}}.{topic}", {**_TENANT_PARAMETER, **fields}


def _event_channel(type_: str) -> Channel:
    channel_id, address, parameters = _event_address(type_)
    return Channel(
        channel_id,
        address,
        type_.removeprefix("duban."),
        _enveloped(type_),
        "outboxHeaders",
        "the service's outbox relay",
        parameters,
    )


def _dead_letter_channel(service: str) -> Channel:
    dlq_tenant = {
        "tenant": {
            "description": f"{_TENANT}; `{subjects.UNKNOWN_TENANT}` when the original subject had none",
            "examples": ["demo", subjects.UNKNOWN_TENANT],
        }
    }
    return Channel(
        f"dlq.{service}",
        f"duban.dlq.{{tenant}}.{service}",
        "dead_letter",
        {"$ref": f"{_SCHEMAS}dead_letter.json"},
        "deadLetterHeaders",
        f"the consumer runner of {service}",
        dlq_tenant,
    )


def _audit_anchor_channel(services: list[str]) -> Channel:
    return Channel(
        "audit.anchor",
        "duban.audit.{service}.{tenant}",
        "audit_anchor",
        {"$ref": f"{_SCHEMAS}audit_anchor.json"},
        "anchorHeaders",
        "every service: each audit chain's head, every minute and at stop (stream DUBAN_AUDIT)",
        {
            "service": {"description": "the service whose chain it is", "enum": services},
            "tenant": {
                "description": f"{_TENANT}; `_platform` for changes of no tenant",
                "examples": ["demo", "_platform"],
            },
        },
    )


def channels() -> list[Channel]:
    services = sorted({consumer.service for consumer in CONSUMERS})
    return [
        *(_inbound_channel(kind) for kind in KINDS),
        *(_event_channel(type_) for type_ in EVENT_TYPES),
        *(_dead_letter_channel(service) for service in services),
        _audit_anchor_channel(services),
    ]


def _matches(filter_subject: str, subject: str) -> bool:
    filter_tokens, subject_tokens = filter_subject.split("."), subject.split(".")
    for index, token in enumerate(filter_tokens):
        if token == ">":
            return len(subject_tokens) > index
        if index >= len(subject_tokens) or token not in ("*", subject_tokens[index]):
            return False
    return len(filter_tokens) == len(subject_tokens)


def receivers(channel: Channel) -> list[ConsumerSpec]:
    """The durable consumers whose filter takes the channel's messages: all of them, for every tenant."""
    out = []
    for spec in CONSUMERS:
        hits = [any(_matches(f, s) for f in spec.filters) for s in channel.subjects()]
        if any(hits) and not all(hits):
            raise ValueError(
                f"consumer {spec.durable} takes only part of channel {channel.id}; declare the parts as channels"
            )
        if all(hits):
            out.append(spec)
    return out


_CE_ATTRIBUTES = {  # CloudEvents' attributes as headers (bindings.py), percent-encoded
    "ce-specversion": "the envelope's specversion: 1.0",
    "ce-id": "the envelope's id",
    "ce-source": "the envelope's source",
    "ce-type": "the envelope's type, duban.<aggregate>.<event>.v<major>",
    "ce-time": "the envelope's time, RFC 3339",
    "ce-tenant": "the envelope's tenant (extension attribute)",
}


def _headers() -> dict[str, dict]:
    def strings(
        descriptions: dict[str, str], required: bool | list[str], constraints: dict[str, dict] | None = None
    ) -> dict:
        props = {
            name: {"type": "string", "description": text, **(constraints or {}).get(name, {})}
            for name, text in descriptions.items()
        }
        names = list(props) if required is True else required or []
        return {"type": "object", "properties": props, **({"required": names} if names else {})}

    msg_id = {"Nats-Msg-Id": "optional: JetStream drops a re-publish with the same id inside its duplicate window"}
    return {
        "inboundHeaders": strings(
            {
                **msg_id,
                "content-type": "structured mode: application/cloudevents+json, or application/json "
                "(then no ce- header): the whole envelope is the body",
            },
            False,
        ),
        "binaryInboundHeaders": strings(
            {
                **msg_id,
                **_CE_ATTRIBUTES,
                "ce-subject": "optional: the envelope's subject",
                "content-type": "binary mode: the envelope's datacontenttype, application/json (the default when left out); "
                "the body is its data",
            },
            list(_CE_ATTRIBUTES),
            {"content-type": {"pattern": "^application/json(;.*)?$"}},
        ),
        "outboxHeaders": strings(
            {
                "Nats-Msg-Id": "the envelope's id: JetStream drops a re-publish inside its duplicate window",
                "content-type": "structured mode: the body is the whole envelope",
                **_CE_ATTRIBUTES,
                "ce-subject": "the envelope's subject, where it has one",
            },
            ["Nats-Msg-Id", "content-type", *_CE_ATTRIBUTES],
            {"content-type": {"const": "application/cloudevents+json"}},
        ),
        "deadLetterHeaders": strings(DEAD_LETTER_HEADERS, True),
        "anchorHeaders": strings(ANCHOR_HEADERS, True),
    }


def _messages(channel) -> dict:
    """A channel's messages: its JSON message and, for submissions, the same in binary content mode."""
    messages = {
        channel.message: {
            "name": channel.message,
            "contentType": "application/json",
            "headers": {"$ref": f"#/components/schemas/{channel.headers}"},
            "payload": channel.payload,
        }
    }
    if channel.binary is not None:
        messages[f"{channel.message}.binary"] = {
            "name": f"{channel.message}.binary",
            "title": "binary content mode",
            "contentType": "application/json",
            "description": "CloudEvents binary mode (NATS binding): the attributes in ce- headers, the body is data",
            "headers": {"$ref": "#/components/schemas/binaryInboundHeaders"},
            "payload": channel.binary,
        }
    return messages


def document() -> dict:
    chans, ops = {}, {}
    for channel in channels():
        messages = _messages(channel)
        chans[channel.id] = {"address": channel.address, "parameters": channel.parameters, "messages": messages}
        ref = {
            "channel": {"$ref": f"#/channels/{channel.id}"},
            "messages": [{"$ref": f"#/channels/{channel.id}/messages/{m}"} for m in messages],
        }
        ops[f"send.{channel.id}"] = {"action": "send", **ref, "summary": f"published by {channel.sent_by}"}
        for spec in receivers(channel):
            ops[f"{spec.durable}.{channel.id}"] = {
                "action": "receive",
                **ref,
                "summary": f"durable consumer {spec.durable} on {spec.stream}, filter {spec.filter_subject}",
                "x-duban-consumer": {
                    "durable": spec.durable,
                    "stream": spec.stream,
                    "filter_subject": spec.filter_subject,
                },
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Duban",
            "version": "1.0.0",
            "description": "Duban's NATS JetStream subjects: submissions in, domain events, what goes out to other "
            "platforms and dead letters (CONTRACT.md). Generated by `python -m duban_common.contracts.asyncapi`.",
        },
        "defaultContentType": "application/json",
        "channels": chans,
        "operations": ops,
        "components": {"schemas": _headers()},
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    if len(paths) > 1:
        print("usage: python -m duban_common.contracts.asyncapi [--check] [path]", file=sys.stderr)
        return 2
    path = Path(paths[0]) if paths else DEFAULT_PATH
    doc = document()
    text = render(doc)
    if check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print(
            f"{path} is {'up to date' if same else 'out of date: regenerate with python -m duban_common.contracts.asyncapi'}"
        )
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: {len(doc['channels'])} channels, {len(doc['operations'])} operations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
