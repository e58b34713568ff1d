"""The append-only, hash-chained audit log (DESIGN.md §7; docs/decisions/0011-audit.md).

Every :class:`~duban_common.outbox.UnitOfWork` records, in its own transaction, one audit
entry per event it emitted, plus one entry for a change that emitted nothing (a command's
or a handler's writes to the service's tables, found by watching the session's
statements), plus what a service adds with ``uow.audit(...)``. Services write no audit
code of their own.

Chains: one per (service, tenant), named ``<service>:<tenant>``. Each entry carries its
``seq`` (gapless within the chain), the previous entry's hash and its own hash: SHA-256
over the canonical JSON of the entry. ``audit_head`` holds each chain's last seq and hash;
appending locks that row (an upsert that returns it), so two writers can never read the
same head, on PostgreSQL (row lock until commit) and on SQLite (the upsert is a write:
it takes the database's write lock before it reads). The entries are written when the
transaction commits (a ``before_commit`` hook), which keeps the head locked only for the
last moments of the transaction: one head upsert and one head update per chain and
transaction, one INSERT per entry (a single executemany).

``audit_log`` is never updated or deleted by code; on PostgreSQL a trigger refuses
UPDATE, DELETE and TRUNCATE. The audit tables are the same in every service and part of each
service's metadata and Alembic history, as the outbox and the inbox are (:func:`define_tables`).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Index,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import TextClause

from . import tenancy
from .columns import occurred_at, uuid_key
from .sql import ObservedSession

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import ORMExecuteState, Session

    from .anchors import Anchor
    from .db import Database
    from .envelope import Envelope

GENESIS = "0" * 64
FORMAT = 1  # hashed into every entry; a new entry format gets a new number
PLATFORM = "_platform"  # the chain tenant of changes that belong to no tenant (never a valid slug)


def define_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Add ``audit_log`` and ``audit_head`` to ``metadata``: every service's metadata has them
    (outbox.InfraTables, as the outbox and the inbox), and so its Alembic history creates them."""
    log_table = Table(
        "audit_log",
        metadata,
        uuid_key(),
        Column("chain", String(160), nullable=False),
        Column("seq", BigInteger, nullable=False),
        occurred_at(),
        Column("service", String(100), nullable=False),
        Column("tenant", String(60), nullable=False),
        Column("action", String(300), nullable=False),
        Column("actor", Text, nullable=False),  # canonical JSON
        Column("refs", Text, nullable=False),  # canonical JSON
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Index("ux_audit_log_chain_seq", "chain", "seq", unique=True),
    )
    head_table = Table(
        "audit_head",
        metadata,
        Column("chain", String(160), primary_key=True),
        Column("seq", BigInteger, nullable=False),
        Column("hash", String(64), nullable=False),
    )
    for statement in APPEND_ONLY_DDL:
        event.listen(log_table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    return log_table, head_table


# PostgreSQL: the log is append-only for every role that does not disable the trigger.
APPEND_ONLY_DDL = (
    "CREATE OR REPLACE FUNCTION duban_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION duban_audit_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION duban_audit_append_only()",
)
metadata = MetaData()  # the tables the recorder, the verifier and the anchors write and read
audit_log, audit_head = define_tables(metadata)
INFRA_TABLES = frozenset({"outbox", "inbox", "audit_log", "audit_head"})  # bookkeeping, not state changes


def create_missing_tables(connection: Connection) -> None:
    """The audit tables' Alembic revision (each service has one that calls this): create them
    where missing. A database migrated before the tables joined the histories already has them,
    created from these same definitions at start; those are checked to match and kept."""
    existing = set(inspect(connection).get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in existing:
            table.create(connection)
            continue
        columns = {column["name"] for column in inspect(connection).get_columns(table.name)}
        if columns != set(table.c.keys()):
            raise RuntimeError(f"{table.name} exists with columns {sorted(columns)}, expected {sorted(table.c.keys())}")


# --- hashing ------------------------------------------------------------------------------


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the entry's content (``prev_hash`` included)."""
    body = {
        "v": FORMAT,
        "id": entry["id"],
        "chain": entry["chain"],
        "seq": int(entry["seq"]),
        "at": _instant(entry["at"]),
        "service": entry["service"],
        "tenant": entry["tenant"],
        "action": entry["action"],
        "actor": _json(entry["actor"]),
        "refs": _json(entry["refs"]),
        "prev_hash": entry["prev_hash"],
    }
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def _instant(at: datetime | str) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def chain_name(service: str, tenant: str) -> str:
    return f"{service}:{tenant}"


def link(entries: Iterable[dict[str, Any]], head_seq: int = 0, head_hash: str = GENESIS) -> list[dict[str, Any]]:
    """Number and hash entries that continue a chain whose head is (seq, hash); sets
    ``seq``, ``prev_hash`` and ``hash`` on each."""
    out = []
    for entry in entries:
        head_seq += 1
        entry = dict(entry, seq=head_seq, prev_hash=head_hash)
        entry["hash"] = head_hash = entry_hash(entry)
        out.append(entry)
    return out


# --- who is acting ----------------------------------------------------------------------

_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("duban_audit_request", default=None)


class ActorMiddleware:
    """ASGI middleware: remember the HTTP request so that a unit of work opened while handling
    it records who asked: the bearer token's subject, role and unit (duban_common.auth)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        token = _request.set(scope)  # the router later adds "route" and "path_params" to this dict
        try:
            await self.app(scope, receive, send)
        finally:
            _request.reset(token)


def _http_actor(scope: dict) -> tuple[dict, str | None, str | None]:
    """(actor, route template, tenant from the path) of the current request."""
    headers = {k.decode("latin-1").lower(): v.decode("utf-8", "replace")[:100] for k, v in scope.get("headers", [])}
    route = getattr(scope.get("route"), "path", None)
    params = scope.get("path_params") or {}
    principal = (scope.get("state") or {}).get("principal")  # set by duban_common.auth.Authorizer
    if principal is not None:
        actor = {
            "kind": "http",
            "subject": principal.subject,
            "role": principal.role,
            "unit": principal.unit,
            "tenant": principal.tenant,
            "name": principal.name,
        }
    else:  # authentication off (development): what the caller states
        actor = {"kind": "http", "role": headers.get("x-duban-role"), "unit": headers.get("x-duban-unit")}
    actor["request"] = f"{scope.get('method')} {scope.get('path')}"[:300]
    return actor, route, params.get("tenant") or params.get("slug")


# --- recording ----------------------------------------------------------------------------

_TEXT_DML = re.compile(r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+\"?(\w+)", re.I)
_ID_KEY = re.compile(r"(^|_)(id|ids|number)$")


@dataclass
class _Cause:
    event_id: str
    event_type: str
    tenant: str
    consumer: str
    first_emitted: int  # index into uow.emitted of the first event emitted while handling it


@dataclass
class _Segment:
    """What happened before the first handled event (HTTP command, timer) or while handling one."""

    cause: _Cause | None
    explicit: list[dict] = field(default_factory=list)
    writes: dict[str, int] = field(default_factory=dict)


class AuditRecorder:
    """Collects what one unit of work changed and writes the entries when it commits."""

    def __init__(self, session: "AsyncSession", service: str, clock: Any, emitted: list["Envelope"]) -> None:
        self.service = service
        self.clock = clock
        self.emitted = emitted  # the unit of work's list (also appended to by subclasses' emit)
        self.txn = str(uuid.uuid4())
        self.actor: dict | None = None  # a service may set it; default: the HTTP caller, the consumer or the service
        self.segments = [_Segment(None)]
        self.written: list[dict] = []  # the entries written at commit (tests, logs)
        self._request = _request.get()
        self._first = 0  # index into emitted of the first event not yet recorded
        sync = session.sync_session
        if isinstance(sync, ObservedSession):  # every Database session: listeners registered once
            sync.info["observer"] = self
        else:
            event.listen(sync, "do_orm_execute", self.on_execute)
            event.listen(sync, "before_commit", self.before_commit)

    def caused_by(self, env: "Envelope", consumer: str) -> None:
        self.segments.append(_Segment(_Cause(env.id, env.type, env.tenant, consumer, len(self.emitted))))

    def add(self, tenant: str, action: str, refs: dict[str, Any] | None = None) -> None:
        self.segments[-1].explicit.append({"tenant": tenant, "action": action, "refs": dict(refs or {})})

    def on_execute(self, state: "ORMExecuteState") -> None:
        stmt = state.statement
        name = None
        if isinstance(stmt, (Insert, Update, Delete)):
            name = getattr(stmt.table, "name", None)
        elif isinstance(stmt, TextClause):
            matched = _TEXT_DML.match(stmt.text)
            name = matched.group(1) if matched else None
        if name and name not in INFRA_TABLES:
            writes = self.segments[-1].writes
            writes[name] = writes.get(name, 0) + 1

    # The hook runs inside the commit, in SQLAlchemy's greenlet: synchronous SQL is allowed
    # and an exception here aborts the commit, so an unaudited change never commits.
    def before_commit(self, sync: "Session") -> None:
        by_chain: dict[str, list[dict]] = {}
        for entry in self.entries():
            by_chain.setdefault(entry["chain"], []).append(entry)
        dialect = sync.get_bind().dialect.name
        if by_chain:
            # the log is infrastructure: one commit may hold several tenants' deliveries (group commit)
            tenancy.enter_sync(sync, tenancy.ALL)
        for chain in sorted(by_chain):  # a fixed order: two transactions never wait on each other's heads
            seq, head = _lock_head(sync, chain, dialect)
            rows = link(by_chain[chain], seq, head)
            sync.execute(_LOG_INSERT, rows)
            sync.execute(_HEAD_UPDATE, {"b_chain": chain, "seq": rows[-1]["seq"], "hash": rows[-1]["hash"]})
            self.written.extend(rows)
        self._first, self.segments = len(self.emitted), [_Segment(None)]  # a later commit records only what came after

    def entries(self) -> list[dict]:
        """The entries this unit of work records so far (without seq and hashes)."""
        at = self.clock.now()
        actor_http, route, path_tenant = _http_actor(self._request) if self._request is not None else (None, None, None)
        ends = [s.cause.first_emitted for s in self.segments[1:]] + [len(self.emitted)]  # type: ignore[union-attr]  # every segment after the first has its cause
        out: list[dict] = []
        for seg, end in zip(self.segments, ends):
            cause = seg.cause
            start = cause.first_emitted if cause else self._first
            actor = self.actor or actor_http or self._default_actor(cause)
            refs: dict[str, Any] = {"txn": self.txn}
            if cause is not None:
                refs["cause"] = {"event_id": cause.event_id, "type": cause.event_type}
            if route:
                refs["route"] = route
            if seg.writes:
                refs["writes"] = dict(sorted(seg.writes.items()))
            for env in self.emitted[start:end]:
                out.append(self._entry(at, env.tenant, env.type, actor, {**refs, "event_id": env.id, **_ids(env.data)}))
            for explicit_entry in seg.explicit:
                out.append(
                    self._entry(
                        at,
                        explicit_entry["tenant"],
                        explicit_entry["action"],
                        actor,
                        {**refs, **explicit_entry["refs"]},
                    )
                )
            if seg.writes and start == end and not seg.explicit:  # a change that emitted nothing
                if cause is not None:
                    out.append(self._entry(at, cause.tenant, f"handled {cause.event_type}", actor, refs))
                else:
                    action = (
                        f"{self._request['method']} {route}" if self._request is not None and route else "state.changed"
                    )
                    out.append(self._entry(at, path_tenant or PLATFORM, action, actor, refs))
        return out

    def _default_actor(self, cause: _Cause | None) -> dict:
        if cause is not None:
            return {"kind": "consumer", "service": self.service, "consumer": cause.consumer}
        return {"kind": "service", "service": self.service}

    def _entry(self, at: datetime, tenant: str, action: str, actor: dict, refs: dict) -> dict:
        return {
            "id": str(uuid.uuid4()),
            "chain": chain_name(self.service, tenant),
            "at": at,
            "service": self.service,
            "tenant": tenant,
            "action": action[:300],
            "actor": canonical(actor),
            "refs": canonical(refs),
        }


def _head_upsert(insert):
    ins = insert(audit_head)
    return ins.on_conflict_do_update(index_elements=[audit_head.c.chain], set_={"chain": ins.excluded.chain}).returning(
        audit_head.c.seq, audit_head.c.hash
    )


# Built once (a statement costs more to build than to run); executed with the chain's values.
_HEAD_UPSERT = {"postgresql": _head_upsert(pg_insert), "sqlite": _head_upsert(sqlite_insert)}
_HEAD_UPDATE = update(audit_head).where(audit_head.c.chain == bindparam("b_chain"))
_LOG_INSERT = audit_log.insert()


def _lock_head(sync: "Session", chain: str, dialect: str) -> tuple[int, str]:
    """Read a chain's head and hold it until commit: an upsert is a write, so it takes the row
    lock (PostgreSQL) or the database's write lock (SQLite) before it reads."""
    row = sync.execute(_HEAD_UPSERT[dialect], {"chain": chain, "seq": 0, "hash": GENESIS}).one()
    return int(row.seq), row.hash


def _ids(data: Any) -> dict[str, Any]:
    """The references in an event's data: its top-level ``*_id``, ``*_ids`` and ``*number`` fields."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    if not isinstance(data, dict):
        return {}
    return {
        k: v for k, v in data.items() if _ID_KEY.search(k) and isinstance(v, (str, int, list)) and len(str(v)) <= 2000
    }


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    chain: str
    seq: int
    entry_id: str | None
    # content_altered | hash_altered | entry_missing | reordered | link_broken | truncated | head_mismatch, and against
    # the chain's latest anchor outside the database (anchors.py): chain_missing | rewound | anchor_mismatch
    kind: str
    expected: str
    found: str
    detail: str

    def describe(self) -> str:
        who = f"seq {self.seq}" + (f" (entry {self.entry_id})" if self.entry_id else "")
        return f"{self.chain} broken at {who}: {self.kind.replace('_', ' ')}: expected {self.expected}, found {self.found}. {self.detail}"


@dataclass
class ChainReport:
    chain: str
    entries: int = 0
    last_seq: int = 0
    broken: Break | None = None
    anchored_seq: int = 0  # the seq of the chain's latest anchor checked, 0 when none was

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(chain: str, entries: Iterable[dict[str, Any]], head: tuple[int, str] | None) -> ChainReport:
    """Recompute a chain (entries in seq order; each with the columns of ``audit_log``) and
    name its first broken link. ``head`` is the chain's (seq, hash) in ``audit_head``."""
    report = ChainReport(chain)
    remaining: Iterator[dict] = iter(entries)
    seen: dict[str, int] = {}  # stored hash → seq, to recognise a link to an entry moved elsewhere
    prev_seq, prev_hash = 0, GENESIS
    for entry in remaining:
        seq, stored = int(entry["seq"]), entry["hash"]
        recomputed = entry_hash(entry)
        if seq != prev_seq + 1:
            report.broken = _gap(chain, entry, prev_seq, seen)
        elif entry["prev_hash"] != prev_hash:
            report.broken = _link_break(chain, entry, prev_seq, prev_hash, recomputed, seen, remaining)
        elif recomputed != stored:
            report.broken = _content_break(chain, entry, recomputed, next(remaining, None))
        if report.broken is not None:
            return report
        seen[stored] = seq
        prev_seq, prev_hash = seq, stored
        report.entries += 1
        report.last_seq = seq
    report.broken = _head_break(chain, head, prev_seq, prev_hash)
    return report


def _gap(chain: str, entry: dict, prev_seq: int, seen: dict[str, int]) -> Break:
    seq = int(entry["seq"])
    owner = seen.get(entry["prev_hash"])
    detail = f"entries {prev_seq + 1}..{seq - 1} are gone; seq {seq} links to " + (
        f"the entry at seq {owner}" if owner else "no remaining entry"
    )
    return Break(chain, prev_seq + 1, None, "entry_missing", f"seq {prev_seq + 1}", f"seq {seq}", detail)


def _link_break(
    chain: str,
    entry: dict,
    prev_seq: int,
    prev_hash: str,
    recomputed: str,
    seen: dict[str, int],
    remaining: Iterator[dict],
) -> Break:
    """An entry that does not link to its predecessor: moved, its link changed, or the predecessor re-hashed."""
    seq, linked = int(entry["seq"]), entry["prev_hash"]
    later = None if linked in seen else _find_later(remaining, linked)
    if linked in seen or later is not None:
        return Break(
            chain,
            seq,
            entry["id"],
            "reordered",
            f"prev_hash {prev_hash} (seq {prev_seq})",
            f"prev_hash {linked}",
            f"this entry was written after the entry now at seq {seen.get(linked, later)}: entries were moved",
        )
    if recomputed != entry["hash"]:
        return Break(
            chain,
            seq,
            entry["id"],
            "content_altered",
            f"prev_hash {prev_hash}",
            f"prev_hash {linked}",
            "the entry's link to its predecessor was changed",
        )
    return Break(
        chain,
        seq,
        entry["id"],
        "link_broken",
        f"prev_hash {prev_hash}",
        f"prev_hash {linked}",
        f"the entry at seq {prev_seq} was altered and re-hashed, or this entry was forged",
    )


def _content_break(chain: str, entry: dict, recomputed: str, following: dict | None) -> Break:
    """An entry whose hash is not its content's: the hash changed (the next entry links to the content) or the content."""
    seq, stored = int(entry["seq"]), entry["hash"]
    if following is not None and following["prev_hash"] == recomputed:
        return Break(
            chain,
            seq,
            entry["id"],
            "hash_altered",
            f"hash {recomputed} (of its content, linked by seq {seq + 1})",
            f"hash {stored} (stored)",
            "the stored hash was changed; the content is what the next entry linked to",
        )
    return Break(
        chain,
        seq,
        entry["id"],
        "content_altered",
        f"hash {stored} (stored when written)",
        f"hash {recomputed} (of the content now)",
        "the entry's fields were changed after it was written",
    )


def _head_break(chain: str, head: tuple[int, str] | None, last_seq: int, last_hash: str) -> Break | None:
    """The head row against the chain's last entry: removed, ahead of it (truncated) or different."""
    if head is None:
        if last_seq:
            return Break(
                chain,
                last_seq,
                None,
                "head_mismatch",
                f"a head at seq {last_seq}",
                "no head row",
                "the chain's head row was removed",
            )
        return None
    head_seq, head_hash = int(head[0]), head[1]
    if head_seq > last_seq:
        return Break(
            chain,
            last_seq + 1,
            None,
            "truncated",
            f"entries up to seq {head_seq}",
            f"entries up to seq {last_seq}",
            f"the last {head_seq - last_seq} entries are gone",
        )
    if head_seq != last_seq or head_hash != last_hash:
        return Break(
            chain,
            last_seq,
            None,
            "head_mismatch",
            f"head seq {last_seq} hash {last_hash}",
            f"head seq {head_seq} hash {head_hash}",
            "the head row does not match the last entry",
        )
    return None


def _find_later(remaining: Iterator[dict], wanted: str) -> int | None:
    for entry in remaining:
        if entry["hash"] == wanted:
            return int(entry["seq"])
    return None


async def verify_database(
    db: "Database",
    *,
    service: str | None = None,
    tenant: str | None = None,
    batch: int = 2000,
    anchors: "dict[str, Anchor] | None" = None,
) -> list[ChainReport]:
    """Verify every chain of a database (optionally one service's, one tenant's): the
    operator's check, so it reads in the scope of the tenant asked for, else of all. With
    ``anchors`` (chain → its latest anchor, anchors.latest) each anchored chain must still hold
    the anchored entry: a chain deleted with its head, or a tail deleted with its head rewound,
    is found too."""
    with tenancy.scoped(tenant or tenancy.ALL):
        return await _verify_database(db, service, tenant, batch, anchors or {})


async def _verify_database(
    db: "Database", service: str | None, tenant: str | None, batch: int, anchors: "dict[str, Anchor]"
) -> list[ChainReport]:
    async with db.read() as session:
        # Chains first, heads second: a chain that appears meanwhile has a head too (same commit).
        chains = {r.chain for r in (await session.execute(select(audit_log.c.chain).distinct())).all()}
        query = select(audit_head.c.chain, audit_head.c.seq, audit_head.c.hash)
        heads = {r.chain: (r.seq, r.hash) for r in (await session.execute(query)).all()}
        chains |= set(heads)
    wanted = sorted(
        c
        for c in chains | set(anchors)
        if (service is None or c.split(":", 1)[0] == service) and (tenant is None or c.split(":", 1)[1] == tenant)
    )
    reports = []
    for chain in wanted:
        head = heads.get(chain)
        anchor = anchors.get(chain)
        # Services may append while we read: what came after the head we read is left for next time.
        rows = [r async for r in _rows(db, chain, batch, upto=head[0] if head else None)]
        report = verify_chain(chain, rows, head)
        if anchor is not None:
            report.anchored_seq = anchor.seq
            if report.ok:
                at_anchor = next((r for r in rows if int(r["seq"]) == anchor.seq), {})
                report.broken = _against_anchor(chain, anchor, report, head, at_anchor)
        reports.append(report)
    return reports


def _against_anchor(chain: str, anchor: "Anchor", report: ChainReport, head, entry: dict) -> Break | None:
    """The first thing the database lacks of what was anchored outside it, if anything."""
    anchored = f"seq {anchor.seq} hash {anchor.hash} (anchored {anchor.at or 'outside the database'})"
    if head is None and not report.entries:
        return Break(
            chain,
            anchor.seq,
            None,
            "chain_missing",
            f"a chain up to {anchored}",
            "no entries and no head row",
            "the whole chain was deleted with its head after it was anchored",
        )
    if not entry:
        return Break(
            chain,
            report.last_seq + 1,
            None,
            "rewound",
            f"entries up to {anchored}",
            f"entries up to seq {report.last_seq}",
            f"the last {anchor.seq - report.last_seq} entries up to the anchor are gone and the head row was rewound",
        )
    if entry["hash"] != anchor.hash:
        return Break(
            chain,
            anchor.seq,
            entry["id"],
            "anchor_mismatch",
            anchored,
            f"hash {entry['hash']}",
            "the chain was rewritten and re-hashed from this entry or an earlier one",
        )
    return None


async def _rows(db: "Database", chain: str, batch: int, upto: int | None) -> AsyncIterator[dict]:
    """A chain's entries in seq order, read in pages."""
    after = 0
    while True:
        async with db.read() as session:
            query = (
                select(audit_log)
                .where(audit_log.c.chain == chain, audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(batch)
            )
            if upto is not None:
                query = query.where(audit_log.c.seq <= upto)
            page = [dict(r) for r in (await session.execute(query)).mappings()]
        for row in page:
            yield row
        if len(page) < batch:
            return
        after = page[-1]["seq"]
