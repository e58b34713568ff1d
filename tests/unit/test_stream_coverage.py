"""Every subject a stream stores is read by a durable consumer, or the declaration says why not;
and what a tenant's platform may publish is exactly what intake consumes as submissions."""

from __future__ import annotations

import re

from duban_common import natsauth
from duban_common.provisioning import CONSUMERS, STREAMS, UNCONSUMED, ConsumerSpec, stream_config
from duban_common.settings import ServiceSettings


def _match(pattern: str, subject: str) -> bool:
    """NATS wildcards: ``*`` one token, ``>`` one or more at the end."""
    tokens = [{"*": r"[^.]+", ">": r"[^.]+(\.[^.]+)*"}.get(t, re.escape(t)) for t in pattern.split(".")]
    return re.fullmatch(r"\.".join(tokens), subject) is not None


def _witnesses(pattern: str, longest: int) -> list[str]:
    """Subjects standing for everything ``pattern`` matches: each wildcard token becomes a token
    no filter names, and ``>`` one to ``longest`` of them. A filter that matches a witness has a
    wildcard wherever the witness has an unnamed token, so it matches every subject of that shape;
    past ``longest`` tokens only a filter ending in ``>`` matches, and it matched the longest
    witness already."""
    fixed = [t if t not in ("*", ">") else "zz9" for t in pattern.split(".")]
    if not pattern.endswith(">"):
        return [".".join(fixed)]
    return [".".join(fixed[:-1] + ["zz9"] * n) for n in range(1, longest + 1)]


def _unread(stream: str, consumers: tuple[ConsumerSpec, ...]) -> list[str]:
    filters = [f for c in consumers if c.stream == stream for f in c.filters]
    longest = max(len(p.split(".")) for p in filters + list(UNCONSUMED) + STREAMS[stream].subjects) + 2
    out = []
    for pattern in STREAMS[stream].subjects:
        for subject in _witnesses(pattern, longest):
            if not any(_match(f, subject) for f in filters) and not any(_match(p, subject) for p in UNCONSUMED):
                out.append(subject)
    return out


def test_the_witnesses_find_what_a_filter_leaves_out():
    spec = (ConsumerSpec("intake", "submissions", "DUBAN_IN", "duban.in.*.*"),)
    unread = _unread("DUBAN_IN", spec)
    assert (
        unread[0] == "duban.in.zz9" and unread[1] == "duban.in.zz9.zz9.zz9" and len(unread) > 2
    )  # too short, too long
    assert "duban.in.zz9.zz9" not in unread


def test_every_stored_subject_has_a_consumer_or_a_stated_reason():
    for name in STREAMS:
        assert _unread(name, CONSUMERS) == [], name
    for pattern, reason in UNCONSUMED.items():
        assert reason and any(_match(s, pattern.replace(">", "x")) for st in STREAMS.values() for s in st.subjects), (
            pattern
        )


def test_streams_keep_what_their_consumers_took_so_a_dead_letter_can_point_at_it():
    for spec in STREAMS.values():
        config = stream_config(spec, ServiceSettings())
        assert (config.retention, config.max_age) == ("limits", 0), spec.name  # not work-queue or interest: ack deletes


def test_a_platform_publishes_exactly_what_intake_consumes_as_submissions():
    [submissions] = [c for c in CONSUMERS if c.durable == "intake-submissions"]
    tenant = "county-a"
    publish = [s for s in natsauth.tenant_permissions(tenant)["publish"]["allow"] if s.startswith("duban.in.")]
    imported = [s for kind, s, *_ in natsauth._services_exported_to(tenant) if s.startswith("duban.in.")]
    assert publish == imported == [f"duban.in.{tenant}.*"]
    for subject in _witnesses(publish[0], 8):
        assert any(_match(f, subject) for f in submissions.filters), subject
    assert _match(submissions.filter_subject, f"duban.in.{tenant}.online_message")
    assert not any(_match(p, f"duban.in.{tenant}.online_message.extra") for p in publish)
