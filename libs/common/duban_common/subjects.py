"""Subject names (DESIGN.md §3) and tenant slugs.

Every subject carries its tenant as the third token. Metrics and logs use the
*template* of a subject (tenant replaced by ``{tenant}``), never the raw subject.
"""

from __future__ import annotations

import re

TENANT_RE = re.compile(r"^[a-z0-9-]{2,40}$")
TOKEN_RE = re.compile(r"^[a-z0-9_]+$")
PREFIX = "duban"
FAMILIES = ("in", "ev", "out", "dlq")
UNKNOWN_TENANT = "unknown"  # reserved: DLQ bucket for messages whose tenant token is not a slug


class SubjectError(ValueError):
    """A subject or tenant slug that does not follow DESIGN.md §3."""


def validate_tenant(tenant: str) -> str:
    if not isinstance(tenant, str) or not TENANT_RE.fullmatch(tenant):
        raise SubjectError(
            f"tenant {tenant!r} is not a valid slug: lowercase letters, digits and '-', 2 to 40 characters"
        )
    if tenant == UNKNOWN_TENANT:
        raise SubjectError(f"tenant slug {UNKNOWN_TENANT!r} is reserved")
    return tenant


def _token(name: str, value: str) -> str:
    if not TOKEN_RE.fullmatch(value):
        raise SubjectError(f"{name} {value!r} must match [a-z0-9_]+")
    return value


def inbound(tenant: str, kind: str) -> str:
    return f"{PREFIX}.in.{validate_tenant(tenant)}.{_token('kind', kind)}"


def event(tenant: str, aggregate: str, name: str) -> str:
    return f"{PREFIX}.ev.{validate_tenant(tenant)}.{_token('aggregate', aggregate)}.{_token('event', name)}"


def outbound(tenant: str, topic: str) -> str:
    parts = topic.split(".")
    for part in parts:
        _token("topic", part)
    return f"{PREFIX}.out.{validate_tenant(tenant)}.{topic}"


def dead_letter(tenant: str, service: str) -> str:
    if tenant != UNKNOWN_TENANT:
        validate_tenant(tenant)
    return f"{PREFIX}.dlq.{tenant}.{_token('service', service)}"


def family_wildcard(family: str) -> str:
    if family not in FAMILIES:
        raise SubjectError(f"unknown subject family {family!r}")
    return f"{PREFIX}.{family}.>"


def tenant_of(subject: str) -> str | None:
    """The tenant token of a Duban subject, or None if the subject is not one."""
    parts = subject.split(".")
    if len(parts) < 4 or parts[0] != PREFIX or parts[1] not in FAMILIES:
        return None
    return parts[2]


def template(subject: str) -> str:
    """Subject with the tenant replaced by ``{tenant}``: a bounded metrics label."""
    parts = subject.split(".")
    if len(parts) >= 3 and parts[0] == PREFIX and parts[1] in FAMILIES:
        parts[2] = "{tenant}"
        if parts[1] == "in" and len(parts) > 4:
            parts = parts[:4] + ["*"]
        return ".".join(parts)
    return "other"


def event_subject_for_type(tenant: str, event_type: str) -> str:
    """``duban.<aggregate>.<event>.v<n>`` → ``duban.ev.<tenant>.<aggregate>.<event>``."""
    aggregate, name = split_type(event_type)[:2]
    return event(tenant, aggregate, name)


TYPE_RE = re.compile(r"^duban\.([a-z0-9_]+)\.([a-z0-9_]+)\.v([1-9][0-9]*)$")


def split_type(event_type: str) -> tuple[str, str, int]:
    match = TYPE_RE.fullmatch(event_type)
    if not match:
        raise SubjectError(f"event type {event_type!r} must look like duban.<aggregate>.<event>.v<major>")
    return match.group(1), match.group(2), int(match.group(3))
