"""The ledger's text search on SQLite: an FTS5 table with the trigram tokenizer.

``q`` asks for text anywhere in a matter's title, notice number or external number. As
LIKE '%…%' SQLite reads every ledger row of the tenant: at a million matters 4.5 s for a
hotline number and 2.4 s for common words (bench/ledger.py). The trigram tokenizer
(SQLite 3.34+) indexes every three characters, so a phrase of three or more characters is a
substring match answered from the index. Shorter text still scans: a trigram index cannot
answer it (PostgreSQL's pg_trgm cannot either).

FTS5 rows are keyed by an integer. The ledger's key is text, and the rowid of a table
without an INTEGER PRIMARY KEY may change on VACUUM, so ``ledger_search_keys`` gives each
matter a stable integer (an INTEGER PRIMARY KEY never changes), which is its search row's
rowid. Triggers on the ledger keep both in step in the writer's own transaction, whoever
writes: the projections, a rebuild's swap, a migration. On PostgreSQL none of this exists;
trigram GIN indexes answer the same LIKE (orm.py).

These objects are created by DDL, not declared as tables: alembic's comparison leaves the
names in :data:`TABLES` alone (duban_common.migrations.compared), and so does the tenant
scope, which only knows declared tables. Every query reaches them through the ledger, whose
rows are scoped.
"""

from __future__ import annotations

from sqlalchemy import column, table

TABLES = ("ledger_search",)  # name prefixes: the FTS5 table, its shadow tables, the keys
MIN_CHARS = 3  # a trigram index answers text of three characters or more

keys = table("ledger_search_keys", column("id"), column("matter_id"))
search = table("ledger_search", column("rowid"))

_COLUMNS = "title, notice_no, external_id"

# Run in order after the ledger is created (orm.py) and by migration 0006 on an existing one.
# Created afresh each time: a ledger dropped and created again (tables.swap on a drifted
# table) must not find stale keys.
SQLITE_DDL = (
    "DROP TABLE IF EXISTS ledger_search",
    "DROP TABLE IF EXISTS ledger_search_keys",
    "CREATE TABLE ledger_search_keys (id INTEGER PRIMARY KEY, matter_id VARCHAR(36) NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE ledger_search USING fts5({_COLUMNS}, tokenize = 'trigram')",
    f"""CREATE TRIGGER ledger_search_insert AFTER INSERT ON ledger BEGIN
        INSERT INTO ledger_search_keys (matter_id) VALUES (new.matter_id);
        INSERT INTO ledger_search (rowid, {_COLUMNS}) VALUES (last_insert_rowid(), new.title, new.notice_no, new.external_id);
    END""",
    f"""CREATE TRIGGER ledger_search_update AFTER UPDATE OF {_COLUMNS} ON ledger
    WHEN old.title IS NOT new.title OR old.notice_no IS NOT new.notice_no OR old.external_id IS NOT new.external_id BEGIN
        UPDATE ledger_search SET title = new.title, notice_no = new.notice_no, external_id = new.external_id
        WHERE rowid = (SELECT id FROM ledger_search_keys WHERE matter_id = new.matter_id);
    END""",
    """CREATE TRIGGER ledger_search_delete AFTER DELETE ON ledger BEGIN
        DELETE FROM ledger_search WHERE rowid = (SELECT id FROM ledger_search_keys WHERE matter_id = old.matter_id);
        DELETE FROM ledger_search_keys WHERE matter_id = old.matter_id;
    END""",
    # the rows already there (none when the ledger was just created)
    "INSERT INTO ledger_search_keys (matter_id) SELECT matter_id FROM ledger",
    f"""INSERT INTO ledger_search (rowid, {_COLUMNS})
        SELECT k.id, l.title, l.notice_no, l.external_id FROM ledger AS l JOIN ledger_search_keys AS k ON k.matter_id = l.matter_id""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS ledger_search_insert",
    "DROP TRIGGER IF EXISTS ledger_search_update",
    "DROP TRIGGER IF EXISTS ledger_search_delete",
    "DROP TABLE IF EXISTS ledger_search",
    "DROP TABLE IF EXISTS ledger_search_keys",
)


def phrase(q: str) -> str:
    """``q`` as one FTS5 phrase: any character stands for itself (quotes doubled)."""
    return '"' + q.replace('"', '""') + '"'
