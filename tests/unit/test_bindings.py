"""CloudEvents' content modes (duban_common.bindings): which mode a message is in, binary mode's
headers read as the bindings say, and what is refused with which reason."""

import json

import pytest

from duban_common import bindings
from duban_common.envelope import Envelope

ATTRS = {
    "ce-specversion": "1.0",
    "ce-id": "a-1",
    "ce-source": "/platforms/%E7%83%AD%E7%BA%BF%2012345%25",
    "ce-type": "duban.submission.document.v1",
    "ce-time": "2026-11-20T09:30:00%2B08:00",
    "ce-tenant": "demo",
}
BINARY = {**ATTRS, "content-type": "application/json; charset=utf-8"}
DATA = json.dumps({"doc_no": "县政办〔2026〕1号"}, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("headers", "mode"),
    [
        ({}, "structured"),
        ({"content-type": "application/json"}, "structured"),  # a JSON envelope, as Duban always took it
        ({"Content-Type": "application/cloudevents+json; charset=utf-8", "ce-id": "x"}, "structured"),
        ({"content-type": "application/cloudevents-batch+json"}, "batch"),
        ({"content-type": "application/json", "CE-ID": "x"}, "binary"),
        ({"ce-specversion": "1.0"}, "binary"),
    ],
)
def test_the_content_type_decides_the_mode_then_any_ce_header(headers, mode):
    assert bindings.mode(headers) == mode


def test_binary_headers_are_percent_decoded_into_the_same_envelope_as_structured():
    env = bindings.envelope_of(BINARY, DATA)
    assert env.source == "/platforms/热线 12345%" and env.time.isoformat() == "2026-11-20T01:30:00+00:00"
    assert env.data == {"doc_no": "县政办〔2026〕1号"} and env.datacontenttype == "application/json"
    structured = Envelope.model_validate({**json.loads(env.to_bytes()), "source": "/platforms/热线 12345%"})
    assert bindings.envelope_of({"content-type": "application/cloudevents+json"}, structured.to_bytes()).key == env.key


@pytest.mark.parametrize(
    ("headers", "body", "reason", "loc"),
    [
        (
            {k: v for k, v in BINARY.items() if k != "ce-source"},
            DATA,
            "缺少 CloudEvents 属性头：ce-source",
            ["header", "ce-source"],
        ),
        (
            {k: v for k, v in BINARY.items() if k not in ("ce-id", "ce-type")},
            DATA,
            "ce-id、ce-type",
            ["header", "ce-id"],
        ),
        (
            {k: v for k, v in BINARY.items() if k not in ("ce-time", "ce-tenant")},
            DATA,
            "ce-time、ce-tenant",
            ["header", "ce-time"],
        ),
        ({**BINARY, "ce-source": "%E7%83"}, DATA, "ce-source 头的百分号编码不是有效的 UTF-8", ["header", "ce-source"]),
        ({**BINARY, "ce-data": "{}"}, DATA, "不能放在 ce-data 头里", ["header", "ce-data"]),
        (
            {**BINARY, "content-type": "text/plain"},
            DATA,
            "content-type 应为 application/json",
            ["header", "content-type"],
        ),
        (BINARY, b"{not json", "消息体（data）不是有效的 JSON", ["body"]),
        ({"content-type": "application/cloudevents-batch+json"}, b"[]", "不接受批量模式", ["header", "content-type"]),
    ],
)
def test_what_binary_mode_refuses_says_what_and_where(headers, body, reason, loc):
    with pytest.raises(bindings.BindingError) as e:
        bindings.envelope_of(headers, body)
    assert reason in e.value.reason and e.value.errors[0]["loc"] == loc


def test_binary_mode_without_content_type_takes_data_as_json_the_envelopes_default():
    assert bindings.envelope_of(ATTRS, DATA).datacontenttype == "application/json"


def test_a_binary_field_error_is_placed_in_its_header_or_the_body():
    assert bindings.binary_place(["time"]) == ["header", "ce-time"]
    assert bindings.binary_place(["data", "doc_no"]) == ["body", "doc_no"]


def test_outbound_headers_carry_every_attribute_percent_encoded_and_the_structured_type():
    env = Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": "e-1",
            "source": '/duban/x "督" 5%',
            "type": "duban.report.published.v1",
            "time": "2026-11-20T01:30:00Z",
            "tenant": "demo",
            "data": {"a": 1},
        }
    )
    headers = bindings.outbound_headers(env.id, env.to_bytes())
    assert headers == {
        "Nats-Msg-Id": "e-1",
        "content-type": "application/cloudevents+json",
        "ce-specversion": "1.0",
        "ce-id": "e-1",
        "ce-source": "/duban/x%20%22%E7%9D%A3%22%205%25",
        "ce-type": "duban.report.published.v1",
        "ce-time": "2026-11-20T01:30:00.000000Z",
        "ce-tenant": "demo",
    }
    assert all(v.isascii() and " " not in v for v in headers.values())
