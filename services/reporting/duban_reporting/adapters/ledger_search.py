"""The ledger's text search on SQLite: an FTS5 table with the trigram tokenizer.

``q`` asks for text anywhere in a matter's title, notice number or external number. As
LIKE '%…%' SQLite reads every ledger row of the tenant: seconds at a million matters
(bench/ledger.py). The trigram tokenizer
(SQLite 3.34+) indexes every three characters, so text of three characters or more is a
phrase answered from the index.

Chinese words are mostly two characters (噪音, 路灯), which no trigram query matches. Each
value is indexed with a sentinel character (U+0001) after it, so every occurrence of two
characters begins some trigram, the last one too; the index's vocabulary (fts5vocab) lists
the trigrams that begin with the two, and a query for any of them finds exactly the rows
that hold the two characters. One character still scans, as on PostgreSQL.

FTS5 rows are keyed by an integer. The ledger's key is text, and the rowid of a table
without an INTEGER PRIMARY KEY may change on VACUUM, so ``ledger_search_keys`` gives each
matter a stable integer (an INTEGER PRIMARY KEY never changes), which is its search row's
rowid. Triggers on the ledger keep the keys in step in the writer's own transaction, whoever
writes: the projections, a rebuild's swap, a migration; they also change and delete search
rows. A new matter's search row, and a changed matter's (marked stale by the update trigger), is
written by :func:`catch_up`, which every writer of ledger rows runs before it commits:
top-level statements for all the keys the search has not seen yet and all the stale rows. FTS5 writes its pending rows out as a new segment at every savepoint, and each
statement of a trigger runs in one, so a search row inserted by the insert trigger cost a
segment and its merging per matter, a cost growing with the index (bench/results/), where a
top-level statement costs next to nothing. On
PostgreSQL none of this exists; trigram GIN indexes answer the same LIKE (orm.py).

The keys carry the matter's tenant, so a search's matches are counted from the search rows
and the keys alone (:func:`count`), several times faster than through the ledger's text key
and wide rows.

These objects are created by DDL, not declared as tables: alembic's comparison leaves the
names in :data:`TABLES` alone (duban_common.migrations.compared), and so does the tenant
scope, which only knows declared tables. Every query reaches them through the ledger, whose
rows are scoped, except :func:`count`, which puts the scope's condition on the keys itself.
"""

from __future__ import annotations

from sqlalchemy import Select, TextClause, column, func, select, table, text

from duban_common import sql, tenancy

TABLES = ("ledger_search",)  # name prefixes: the FTS5 table, its shadow tables, its vocabulary, the keys, the stale
MIN_CHARS = 2  # one character scans (it would match most of a vocabulary)
SENTINEL = "\x01"  # after each indexed value; text holding it is searched with LIKE

keys = table("ledger_search_keys", column("id"), column("matter_id"), column("tenant"))

_COLUMNS = "title, notice_no, external_id"
SEARCHED = frozenset(_COLUMNS.split(", "))  # the ledger's columns a search row holds


def _values(row: str) -> str:
    return ", ".join(f"coalesce({row}.{c}, '') || char(1)" for c in _COLUMNS.split(", "))


# Migration 0007's insert trigger, which wrote the search row too (0008 replaces it).
_INSERT_TRIGGER_0007 = f"""CREATE TRIGGER ledger_search_insert AFTER INSERT ON ledger BEGIN
        INSERT INTO ledger_search_keys (matter_id, tenant) VALUES (new.matter_id, new.tenant);
        INSERT INTO ledger_search (rowid, {_COLUMNS}) VALUES (last_insert_rowid(), {_values("new")});
    END"""
_INSERT_TRIGGER = """CREATE TRIGGER ledger_search_insert AFTER INSERT ON ledger BEGIN
        INSERT INTO ledger_search_keys (matter_id, tenant) VALUES (new.matter_id, new.tenant);
    END"""
# Migration 0007's update trigger, which rewrote the search row itself (0008 replaces it).
_UPDATE_TRIGGER_0007 = f"""CREATE TRIGGER ledger_search_update AFTER UPDATE OF {_COLUMNS} ON ledger
    WHEN old.title IS NOT new.title OR old.notice_no IS NOT new.notice_no OR old.external_id IS NOT new.external_id BEGIN
        UPDATE ledger_search SET ({_COLUMNS}) = ({_values("new")})
        WHERE rowid = (SELECT id FROM ledger_search_keys WHERE matter_id = new.matter_id);
    END"""
# A changed title, notice number (set when the matter is assigned) or external number marks the
# search row stale; catch_up rewrites it.
_UPDATE_TRIGGER = f"""CREATE TRIGGER ledger_search_update AFTER UPDATE OF {_COLUMNS} ON ledger
    WHEN old.title IS NOT new.title OR old.notice_no IS NOT new.notice_no OR old.external_id IS NOT new.external_id BEGIN
        INSERT OR IGNORE INTO ledger_search_stale (id) SELECT id FROM ledger_search_keys WHERE matter_id = new.matter_id;
    END"""
# What the search has not seen yet, in this order: the keys above its highest rowid (keys are
# numbered upwards and each catch-up takes all that are new, so none is ever left below), then
# the stale rows, written again from the ledger as it is now. The stale rows' insert starts from
# them (CROSS JOIN fixes SQLite's join order): with no statistics SQLite otherwise scanned every
# key and looked each up in the stale set, however few rows were stale
# (tests/integration/test_ledger_query.py reads the plans).
CATCH_UP = (
    f"""INSERT INTO ledger_search (rowid, {_COLUMNS})
        SELECT k.id, {_values("l")} FROM ledger_search_keys AS k JOIN ledger AS l ON l.matter_id = k.matter_id
        WHERE k.id > coalesce((SELECT rowid FROM ledger_search ORDER BY rowid DESC LIMIT 1), 0) ORDER BY k.id""",
    "DELETE FROM ledger_search WHERE rowid IN (SELECT id FROM ledger_search_stale)",
    f"""INSERT INTO ledger_search (rowid, {_COLUMNS})
        SELECT k.id, {_values("l")} FROM ledger_search_stale AS x CROSS JOIN ledger_search_keys AS k ON k.id = x.id
        CROSS JOIN ledger AS l ON l.matter_id = k.matter_id ORDER BY k.id""",
    "DELETE FROM ledger_search_stale",
)
_TENANT_TRIGGER = """CREATE TRIGGER ledger_search_tenant AFTER UPDATE OF tenant ON ledger WHEN old.tenant IS NOT new.tenant BEGIN
        UPDATE ledger_search_keys SET tenant = new.tenant WHERE matter_id = new.matter_id;
    END"""

# Run in order after the ledger is created (orm.py) and by migration 0006 on an existing one.
# Created afresh each time: a ledger dropped and created again (tables.swap on a drifted
# table) must not find stale keys.
SQLITE_DDL = (
    "DROP TABLE IF EXISTS ledger_search_terms",
    "DROP TABLE IF EXISTS ledger_search",
    "DROP TABLE IF EXISTS ledger_search_keys",
    "DROP TABLE IF EXISTS ledger_search_stale",
    "CREATE TABLE ledger_search_keys (id INTEGER PRIMARY KEY, matter_id VARCHAR(36) NOT NULL UNIQUE, tenant VARCHAR(64))",
    f"CREATE VIRTUAL TABLE ledger_search USING fts5({_COLUMNS}, tokenize = 'trigram')",
    "CREATE VIRTUAL TABLE ledger_search_terms USING fts5vocab(ledger_search, 'row')",
    _INSERT_TRIGGER,
    _TENANT_TRIGGER,
    "CREATE TABLE ledger_search_stale (id INTEGER PRIMARY KEY)",
    _UPDATE_TRIGGER,
    """CREATE TRIGGER ledger_search_delete AFTER DELETE ON ledger BEGIN
        DELETE FROM ledger_search WHERE rowid = (SELECT id FROM ledger_search_keys WHERE matter_id = old.matter_id);
        DELETE FROM ledger_search_keys WHERE matter_id = old.matter_id;
    END""",
    # the rows already there (none when the ledger was just created)
    "INSERT INTO ledger_search_keys (matter_id, tenant) SELECT matter_id, tenant FROM ledger",
    f"""INSERT INTO ledger_search (rowid, {_COLUMNS})
        SELECT k.id, {_values("l")} FROM ledger AS l JOIN ledger_search_keys AS k ON k.matter_id = l.matter_id""",
)
# Migration 0007 on keys that 0006 made without the tenant (0006 runs SQLITE_DDL as it is now,
# so on a database migrated from scratch they have it already). The column is nullable in both,
# because ALTER TABLE cannot add a NOT NULL column without a default; the triggers fill it.
SQLITE_KEYS_TENANT = (
    "ALTER TABLE ledger_search_keys ADD COLUMN tenant VARCHAR(64)",
    "UPDATE ledger_search_keys SET tenant = (SELECT l.tenant FROM ledger AS l WHERE l.matter_id = ledger_search_keys.matter_id)",
    "DROP TRIGGER ledger_search_insert",
    _INSERT_TRIGGER_0007,
    _TENANT_TRIGGER,
)
# Migration 0008: the insert trigger writes the key only, the update trigger marks the row stale;
# catch_up writes the search rows.
SQLITE_CATCH_UP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS ledger_search_insert",
    "DROP TRIGGER IF EXISTS ledger_search_update",
    "CREATE TABLE IF NOT EXISTS ledger_search_stale (id INTEGER PRIMARY KEY)",
    _INSERT_TRIGGER,
    _UPDATE_TRIGGER,
    *CATCH_UP,
)
SQLITE_SEARCH_ROW_TRIGGERS = (  # its downgrade
    *CATCH_UP,
    "DROP TRIGGER IF EXISTS ledger_search_insert",
    "DROP TRIGGER IF EXISTS ledger_search_update",
    "DROP TABLE IF EXISTS ledger_search_stale",
    _INSERT_TRIGGER_0007,
    _UPDATE_TRIGGER_0007,
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS ledger_search_insert",
    "DROP TRIGGER IF EXISTS ledger_search_tenant",
    "DROP TRIGGER IF EXISTS ledger_search_update",
    "DROP TRIGGER IF EXISTS ledger_search_delete",
    "DROP TABLE IF EXISTS ledger_search_terms",
    "DROP TABLE IF EXISTS ledger_search",
    "DROP TABLE IF EXISTS ledger_search_keys",
    "DROP TABLE IF EXISTS ledger_search_stale",
)


async def catch_up(session) -> None:
    """Write the search rows of the matters inserted, and again those whose text changed, since the
    last catch-up (SQLite; nothing to do on PostgreSQL). Every writer of new ledger rows runs it in its own transaction, after its
    last write to the ledger: any later statement that fires a trigger writes the pending search
    rows out again as a segment of their own."""
    if session.bind.dialect.name == "sqlite":
        await session.run_sync(_catch_up_sync)


def catch_up_before_commit(session) -> None:
    """:func:`catch_up` once, just before ``session``'s transaction commits: for the projections,
    which insert and change ledger rows among other writes, a group of deliveries at a time."""
    if session.bind.dialect.name == "sqlite":
        sql.before_commit(session, "ledger_search", _catch_up_sync)


def _catch_up_sync(sync) -> None:
    for statement in _CATCH_UP:
        sync.execute(statement)


_CATCH_UP = tuple(text(statement) for statement in CATCH_UP)


def matching_rows(search_text: str) -> TextClause:
    """The search rows (their rowids) whose title, notice number or external number holds ``search_text``
    (``MIN_CHARS`` or more characters, without the sentinel)."""
    if len(search_text) >= 3:  # one phrase: any character stands for itself, quotes doubled
        return text("SELECT rowid FROM ledger_search WHERE ledger_search MATCH :ledger_search_phrase").bindparams(
            ledger_search_phrase='"' + search_text.replace('"', '""') + '"'
        )
    # any trigram that begins with the two (case-folded as the tokenizer folds them); none: a
    # phrase no value holds
    return text("""SELECT rowid FROM ledger_search WHERE ledger_search MATCH (
            SELECT coalesce(group_concat('"' || replace(term, '"', '""') || '"', ' OR '), '"' || char(1, 1, 1) || '"')
            FROM ledger_search_terms WHERE term >= :ledger_search_prefix AND term < :ledger_search_prefix || char(1114111))""").bindparams(
        ledger_search_prefix=search_text.lower()
    )


def count(tenant: str, search_text: str) -> Select:
    """How many of ``tenant``'s matters hold ``search_text``, from the search rows and their keys alone."""
    return (
        select(func.count())
        .select_from(keys)
        .where(
            keys.c.tenant == tenant,
            tenancy.condition(keys),
            keys.c.id.in_(matching_rows(search_text).columns(keys.c.id)),
        )
    )
