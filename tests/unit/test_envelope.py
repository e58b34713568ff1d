"""The CloudEvents envelope (DESIGN.md §3, CONTRACT.md)."""

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from duban_common.envelope import Envelope, new_event


def _raw(**over):
    raw = {
        "specversion": "1.0",
        "id": "hotline-2026-000123",
        "source": "/platforms/hotline-12345",
        "type": "duban.submission.online_message.v1",
        "time": "2026-11-20T09:30:00+08:00",
        "tenant": "yuqing",
        "datacontenttype": "application/json",
        "data": {"channel": "hotline_12345", "number": "000123"},
    }
    raw.update(over)
    return {k: v for k, v in raw.items() if v is not None}


def _errors_about(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


def test_time_with_offset_is_normalised_to_utc():
    env = Envelope.model_validate(_raw())
    assert env.time == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    assert env.time.utcoffset() == timedelta(0)
    assert env.model_dump(mode="json")["time"] == "2026-11-20T01:30:00.000000Z"


def test_time_without_offset_is_refused():
    with pytest.raises(ValidationError) as e:
        Envelope.model_validate(_raw(time="2026-11-20T09:30:00"))
    assert "time" in _errors_about(e.value)


@pytest.mark.parametrize("tenant", ["Yuqing", "y", "yu_qing", "yu.qing", "a" * 41, "unknown", ""])
def test_bad_tenant_slug_is_refused(tenant):
    with pytest.raises(ValidationError) as e:
        Envelope.model_validate(_raw(tenant=tenant))
    assert _errors_about(e.value) == {"tenant"}


@pytest.mark.parametrize(
    "type_",
    [
        "submission.online_message.v1",  # no duban prefix
        "duban.submission.online_message",  # no version
        "duban.submission.online_message.v0",  # versions start at 1
        "duban.Submission.online_message.v1",  # upper case
        "duban.submission.online-message.v1",  # '-' is not a token character
        "duban.submission.v1",  # no event name
        "duban.a.b.c.v1",  # one token too many
    ],
)
def test_bad_type_name_is_refused(type_):
    with pytest.raises(ValidationError) as e:
        Envelope.model_validate(_raw(type=type_))
    assert _errors_about(e.value) == {"type"}


@pytest.mark.parametrize("field", ["specversion", "id", "source", "type", "time", "tenant", "data"])
def test_missing_required_attribute_is_refused(field):
    raw = _raw()
    del raw[field]
    with pytest.raises(ValidationError) as e:
        Envelope.model_validate(raw)
    assert field in _errors_about(e.value)


@pytest.mark.parametrize("version", ["0.3", "1.1", "1", 1.0])
def test_specversion_other_than_1_0_is_refused(version):
    with pytest.raises(ValidationError) as e:
        Envelope.model_validate(_raw(specversion=version))
    assert _errors_about(e.value) == {"specversion"}


def test_empty_id_or_source_is_refused():
    with pytest.raises(ValidationError):
        Envelope.model_validate(_raw(id=""))
    with pytest.raises(ValidationError):
        Envelope.model_validate(_raw(source=""))


def test_round_trip_through_bytes_keeps_everything():
    env = Envelope.model_validate(_raw(traceparent="00-abc-def-01", subject="000123"))
    raw = env.to_bytes()
    assert isinstance(raw, bytes)
    back = Envelope.from_bytes(raw)
    assert back == env
    assert back.time == env.time
    assert back.data == env.data
    assert Envelope.from_bytes(raw.decode()) == env


def test_extension_attributes_are_kept():
    env = Envelope.model_validate(_raw(traceparent="00-abc-def-01", priority="urgent"))
    assert env.model_extra == {"traceparent": "00-abc-def-01", "priority": "urgent"}
    back = Envelope.from_bytes(env.to_bytes())
    assert back.model_extra == {"traceparent": "00-abc-def-01", "priority": "urgent"}


def test_none_subject_is_not_serialised():
    env = Envelope.model_validate(_raw())
    assert b'"subject"' not in env.to_bytes()


def test_key_is_tenant_source_and_id():
    env = Envelope.model_validate(_raw())
    assert env.key == "yuqing /platforms/hotline-12345 hotline-2026-000123"


def test_same_source_and_id_in_two_tenants_are_different_events():
    # CONTRACT.md: (tenant, source, id) identifies a submission; the inbox keys on `key`.
    a = Envelope.model_validate(_raw(tenant="yuqing"))
    b = Envelope.model_validate(_raw(tenant="anhua"))
    assert a.key != b.key


def test_key_differs_when_source_or_id_differs():
    base = Envelope.model_validate(_raw())
    assert Envelope.model_validate(_raw(id="other")).key != base.key
    assert Envelope.model_validate(_raw(source="/platforms/portal")).key != base.key


def test_aggregate_and_name_come_from_the_type():
    env = Envelope.model_validate(_raw(type="duban.matter.registered.v1"))
    assert (env.aggregate, env.name) == ("matter", "registered")


def test_envelope_is_immutable():
    env = Envelope.model_validate(_raw())
    with pytest.raises(ValidationError):
        env.tenant = "anhua"


class _Payload(BaseModel):
    matter_id: str
    due: datetime


def test_new_event_from_a_model():
    at = datetime(2026, 10, 8, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    env = new_event(
        tenant="yuqing",
        type="duban.matter.registered.v1",
        source="/services/intake",
        data=_Payload(matter_id="M1", due=at),
        time=at,
    )
    assert env.specversion == "1.0"
    assert env.time == datetime(2026, 10, 8, 1, 0, tzinfo=timezone.utc)
    assert env.data == {"matter_id": "M1", "due": "2026-10-08T09:00:00+08:00"}  # JSON mode
    assert len(env.id) == 36  # a uuid
    other = new_event(
        tenant="yuqing", type="duban.matter.registered.v1", source="/services/intake", data={"matter_id": "M1"}, time=at
    )
    assert other.id != env.id


def test_new_event_keeps_an_explicit_id_and_validates():
    at = datetime(2026, 10, 8, 1, 0, tzinfo=timezone.utc)
    env = new_event(tenant="yuqing", type="duban.task.assigned.v1", source="/s", data={}, time=at, id="fixed-1")
    assert env.id == "fixed-1"
    with pytest.raises(ValidationError):
        new_event(tenant="Bad Tenant", type="duban.task.assigned.v1", source="/s", data={}, time=at)
    with pytest.raises(ValidationError):
        new_event(tenant="yuqing", type="task.assigned", source="/s", data={}, time=at)
