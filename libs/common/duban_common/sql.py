"""SQLAlchemy pieces that both db.py and audit.py build on: the session class whose statements
the audit recorder observes, and the column type of an instant. A module of its own so that
neither of those two imports the other (db.py's Database makes ObservedSessions; audit.py's
tables have UTCDateTime columns and its recorder hooks into ObservedSession)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone

from sqlalchemy import DateTime, TypeDecorator, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from . import tenancy


class ObservedSession(Session):
    """A session that lets one observer (``info["observer"]``: the unit of work's audit
    recorder) see its statements and act just before it commits. Listeners on this class,
    registered once: listeners added per session instance cost time at every session."""


@event.listens_for(ObservedSession, "do_orm_execute")
def _observe_execute(state) -> None:
    if state.is_insert:
        tenancy.check_insert(state)
    observer = state.session.info.get("observer")
    if observer is not None:
        observer.on_execute(state)


# A read session's transactions plan each statement for its own parameters. asyncpg prepares
# every statement and PostgreSQL switches a prepared statement to one generic plan after five
# runs when that looks no dearer; for the ledger's filters (a text search, a unit with a status
# and a month, a title sort) the generic plan is many times slower (bench/ledger.py). The
# handlers' writes keep generic plans: their statements look rows up by key.
READ_PLANS = "duban_custom_plans"


@event.listens_for(ObservedSession, "after_begin")
def _scope_transaction(session: Session, _transaction, connection) -> None:
    tenancy.on_begin(session, connection)
    if session.info.get(READ_PLANS) and connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")


_BEFORE_COMMIT = "duban_before_commit"


def before_commit(session: AsyncSession, key: str, run: Callable[[Session], None]) -> None:
    """Have ``run(sync_session)`` write, once, just before this transaction commits: work that
    is cheaper done once for all a transaction's changes than after each (reporting's search rows,
    adapters/ledger_search.py). A second call with the same ``key`` does not add a second run."""
    session.info.setdefault(_BEFORE_COMMIT, {})[key] = run


@event.listens_for(ObservedSession, "before_commit")
def _observe_before_commit(session: Session) -> None:
    for run in session.info.pop(_BEFORE_COMMIT, {}).values():  # before the audit: it records what they write too
        run(session)
    observer = session.info.get("observer")
    if observer is not None:
        observer.before_commit(session)


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a timezone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
