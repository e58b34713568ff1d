"""Tenant scope in the data layer (docs/decisions/0015-tenant-scope.md).

Every row of a tenant's data carries its tenant in a column named ``tenant``. Which tenant
the work in hand belongs to is said once, where the work comes in, and the data layer holds
every statement to it:

- where work comes in: the authorizer sets the scope of an HTTP request (the tenant in the
  path, else the token's tenant); the consumer runner sets each delivery's (its envelope's
  tenant); loops that span tenants by design (timers, the outbox relay) and the operator's
  command line run in :data:`ALL`. Nothing set means nothing visible;
- in SQL, on both databases: every SELECT, UPDATE and DELETE gets
  ``tenant = <scope>`` for each table with a ``tenant`` column among its FROMs, subqueries
  included (a compile hook, so no handler can forget it), and every INSERT is checked before
  it runs. The condition reads the scope from the connection (``current_setting`` on
  PostgreSQL, a per-connection function on SQLite), so compiled statements stay cacheable;
- on PostgreSQL, row-level security as a second wall: the same condition as a policy on
  every such table, forced for the owning role too (:func:`enforce_row_level_security`).
  A superuser bypasses it, so the services never run as one.

The explicit ``tenant == ...`` conditions in the services' queries stay: they pick the
index; the scope is the wall behind them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, String, Table, func, literal_column, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Delete, Select, Update
from sqlalchemy.sql.expression import Alias, FunctionElement, Join

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import ORMExecuteState, Session

ALL = "*"  # every tenant: loops that span tenants by design, the operator's command line
SETTING = "duban.tenant"  # PostgreSQL: the transaction's scope (set_config(..., is_local => true))
COLUMN = "tenant"


def tenant_column(**options: Any) -> Column:
    """A table's tenant column, declared alike everywhere: the scope filters on it and row-level
    security binds it (a tenant's slug; never null)."""
    return Column(COLUMN, String(40), nullable=False, **options)


POLICY = "duban_tenant_scope"
SESSION_KEY = "duban_scope"

_scope: ContextVar[str | None] = ContextVar("duban_tenant_scope", default=None)


class TenantScopeError(PermissionError):
    """A statement would write a row outside the scope it runs in."""


def current() -> str | None:
    return _scope.get()


@contextlib.contextmanager
def scoped(tenant: str) -> Iterator[None]:
    """Run the block (and the transactions it opens) in ``tenant``'s scope."""
    token = _scope.set(tenant)
    try:
        yield
    finally:
        _scope.reset(token)


def set_scope(tenant: str | None) -> None:
    """Set the scope for the rest of this task (an HTTP request's: each runs in its own)."""
    _scope.set(tenant)


# --- where the connection holds the scope -------------------------------------------------

_UNSET = object()


class _ConnectionScope:
    __slots__ = ("tenant",)

    def __init__(self) -> None:
        self.tenant: str | None = None


def install_sqlite_function(dbapi_conn, connection_record) -> None:
    """On connect (SQLite): ``duban_tenant()`` returns this connection's scope. Deterministic
    within a statement, so SQLite evaluates it once per statement, not once per row."""
    holder = _ConnectionScope()
    connection_record.info["duban_scope"] = holder
    dbapi_conn.create_function("duban_tenant", 0, lambda: holder.tenant, deterministic=True)


async def enter(session: "AsyncSession", tenant: str | None) -> None:
    """Hold ``session`` to ``tenant`` from now on: the transaction in progress and every later one."""
    if session.info.get(SESSION_KEY, _UNSET) == tenant and session.in_transaction():
        return  # the transaction's connection holds this scope already (on_begin, or an earlier enter)
    session.info[SESSION_KEY] = tenant
    if session.in_transaction():
        await session.run_sync(lambda sync: enter_connection(sync.connection(), tenant))


def on_begin(session: "Session", connection: "Connection") -> None:
    """Every transaction of a session starts in the session's scope (the ``after_begin`` hook:
    PostgreSQL forgets a ``set_config(..., true)`` when the transaction ends)."""
    tenant = session.info.get(SESSION_KEY)
    if tenant is None and "duban_scope" not in connection.info:
        return  # PostgreSQL: a new transaction starts with no scope; nothing to send
    enter_connection(connection, tenant)


def enter_sync(session: "Session", tenant: str | None) -> None:
    """:func:`enter` inside a synchronous hook (the audit writer at commit)."""
    session.info[SESSION_KEY] = tenant
    enter_connection(session.connection(), tenant)


def enter_connection(connection: "Connection", tenant: str | None) -> None:
    """:func:`enter` for a bare connection (migrations)."""
    holder = connection.info.get("duban_scope")
    if holder is not None:
        holder.tenant = tenant
    elif connection.dialect.name == "postgresql":
        connection.execute(select(func.set_config(SETTING, tenant or "", True)))


# --- the condition, added to every statement ----------------------------------------------


class CurrentTenant(FunctionElement):
    """The connection's scope, in SQL."""

    type = String()
    inherit_cache = True
    name = "duban_tenant"


@compiles(CurrentTenant)
def _current_tenant_sqlite(_element, _compiler, **_compile_options) -> str:
    return "duban_tenant()"


# A scalar subquery, not the bare call: PostgreSQL evaluates it once per statement (an
# InitPlan) instead of once per row: counting a tenant's ledger rows takes about half the time
# (bench/ledger.py's database).
PG_SCOPE = f"(SELECT current_setting('{SETTING}', true))"


@compiles(CurrentTenant, "postgresql")
def _current_tenant_pg(_element, _compiler, **_compile_options) -> str:
    return PG_SCOPE


def condition(table, *, outer: bool = False) -> Any:
    """``tenant = scope OR scope = '*'`` for one table (or alias of one). For the optional side
    of an outer join also ``tenant IS NULL`` (no row joined): a row of another tenant still
    never shows, and a row with nothing joined is not dropped."""
    scope = CurrentTenant()
    either = [table.c[COLUMN] == scope, scope == literal_column(f"'{ALL}'")]
    if outer:
        either.append(table.c[COLUMN].is_(None))
    return or_(*either)


def _tenant_tables(froms, outer: bool = False) -> Iterator[tuple[Any, bool]]:
    """(table, on the optional side of an outer join) for each tenant table among ``froms``."""
    for from_clause in froms:
        if isinstance(from_clause, Join):
            yield from _tenant_tables((from_clause.left,), outer or from_clause.full)
            yield from _tenant_tables((from_clause.right,), outer or from_clause.isouter)
        elif isinstance(from_clause, Table) and COLUMN in from_clause.c:
            yield from_clause, outer
        elif (
            isinstance(from_clause, Alias)
            and isinstance(from_clause.element, Table)
            and COLUMN in from_clause.element.c
        ):
            yield from_clause, outer


_finding_froms = threading.local()


@compiles(Select)
def _scoped_select(stmt: Select, compiler, **compile_options) -> str:
    if not getattr(_finding_froms, "active", False):  # get_final_froms compiles the statement itself
        _finding_froms.active = True
        try:
            tables = list(_tenant_tables(stmt.get_final_froms()))
        finally:
            _finding_froms.active = False
        if tables:
            stmt = stmt.where(*(condition(t, outer=outer) for t, outer in tables))
    return compiler.visit_select(stmt, **compile_options)


@compiles(Update)
def _scoped_update(stmt: Update, compiler, **compile_options) -> str:
    if isinstance(stmt.table, Table) and COLUMN in stmt.table.c:
        stmt = stmt.where(condition(stmt.table))
    return compiler.visit_update(stmt, **compile_options)


@compiles(Delete)
def _scoped_delete(stmt: Delete, compiler, **compile_options) -> str:
    if isinstance(stmt.table, Table) and COLUMN in stmt.table.c:
        stmt = stmt.where(condition(stmt.table))
    return compiler.visit_delete(stmt, **compile_options)


def check_insert(state: "ORMExecuteState") -> None:
    """Refuse an INSERT of a row of another tenant than the scope (PostgreSQL's policy
    refuses it too; this says so on SQLite, and says it first)."""
    stmt = state.statement
    table = getattr(stmt, "table", None)
    if not isinstance(table, Table) or COLUMN not in table.c:
        return
    scope = state.session.info.get(SESSION_KEY)
    if scope == ALL:
        return
    for tenant in _inserted_tenants(stmt, state.parameters):
        if tenant != scope:
            raise TenantScopeError(f"INSERT INTO {table.name}: a row of tenant {tenant!r} in the scope of {scope!r}")


def _inserted_tenants(stmt, parameters) -> Iterator[Any]:
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    for row in rows:
        if COLUMN in row:
            yield row[COLUMN]
    for values in [getattr(stmt, "_values", None) or {}, *(v for m in getattr(stmt, "_multi_values", ()) for v in m)]:
        for key, value in values.items():
            if getattr(key, "key", key) == COLUMN:
                yield getattr(value, "value", value)


# --- PostgreSQL: row-level security -------------------------------------------------------


def tenant_tables(metadata: "MetaData") -> list[Table]:
    return [t for t in metadata.sorted_tables if COLUMN in t.c]


def enforce_row_level_security(connection: "Connection", tables: list[Table]) -> None:
    """Make the scope a policy on each table (idempotent; run after every upgrade, so a table
    added by a later revision is covered without anyone remembering to)."""
    using = f"(tenant = {PG_SCOPE} OR {PG_SCOPE} = '{ALL}')"
    in_place = _policies_in_place(connection, tables, using)
    for table in tables:
        if table.name in in_place:
            continue
        name = connection.dialect.identifier_preparer.format_table(table)
        connection.execute(text(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
        connection.execute(text(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"))
        connection.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {name}"))
        connection.execute(text(f"CREATE POLICY {POLICY} ON {name} USING {using} WITH CHECK {using}"))
        quoted = using.replace("'", "''")  # COMMENT takes a literal, not a parameter; `using` is this module's constant
        connection.execute(text(f"COMMENT ON POLICY {POLICY} ON {name} IS '{quoted}'"))


def _policies_in_place(connection: "Connection", tables: list[Table], using: str) -> set[str]:
    """The tables whose policy is already this one (its text kept as the policy's comment) and
    forced. They are left alone: ALTER TABLE takes an exclusive lock, and a replica starting
    while others serve would otherwise deadlock with their reads of two tables at once."""
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
            "JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = :policy "
            "JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass AND d.description = :using "
            "WHERE c.relrowsecurity AND c.relforcerowsecurity AND c.relname = ANY(:names)"
        ),
        {"policy": POLICY, "using": using, "names": [t.name for t in tables]},
    )
    return {r[0] for r in rows}
