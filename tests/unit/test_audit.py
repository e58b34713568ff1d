"""The audit chain without a database: hashing, linking and naming the first broken link."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from duban_common import audit

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def _chain(n: int = 10, chain: str = "tasking:demo") -> list[dict]:
    drafts = [
        {
            "id": f"e{i:03d}",
            "chain": chain,
            "at": T0 + timedelta(seconds=i),
            "service": "tasking",
            "tenant": "demo",
            "action": "duban.task.assigned.v1",
            "actor": audit.canonical({"kind": "http", "role": "supervision_office", "unit": None}),
            "refs": audit.canonical({"txn": f"t{i}", "task_id": f"task-{i}"}),
        }
        for i in range(1, n + 1)
    ]
    return audit.link(drafts)


def _head(entries: list[dict]) -> tuple[int, str]:
    return entries[-1]["seq"], entries[-1]["hash"]


def test_link_numbers_without_gaps_and_chains_each_hash_to_the_next():
    entries = _chain(5)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev_hash"] == audit.GENESIS
    for before, after in zip(entries, entries[1:]):
        assert after["prev_hash"] == before["hash"]
    assert all(e["hash"] == audit.entry_hash(e) and len(e["hash"]) == 64 for e in entries)


def test_continuing_a_chain_starts_after_its_head():
    first = _chain(3)
    more = audit.link([{**first[0], "id": "x"}], *_head(first))
    assert more[0]["seq"] == 4 and more[0]["prev_hash"] == first[-1]["hash"]
    assert audit.verify_chain("tasking:demo", first + more, _head(more)).ok


@pytest.mark.parametrize(
    "field,value",
    [
        ("action", "duban.task.completed.v1"),
        ("tenant", "other"),
        ("service", "intake"),
        ("id", "forged"),
        ("at", T0 + timedelta(microseconds=1)),
        ("prev_hash", "f" * 64),
        ("seq", 99),
        ("chain", "tasking:other"),
        ("actor", audit.canonical({"kind": "http", "role": "unit", "unit": "zjj"})),
        ("refs", audit.canonical({"txn": "t1", "task_id": "task-2"})),
    ],
)
def test_every_field_is_covered_by_the_hash(field, value):
    entry = _chain(1)[0]
    assert audit.entry_hash({**entry, field: value}) != entry["hash"]


def test_the_hash_does_not_depend_on_key_order_or_time_zone_spelling():
    entry = _chain(1)[0]
    reordered = {
        **entry,
        "actor": json.dumps({"unit": None, "role": "supervision_office", "kind": "http"}),
        "at": entry["at"].astimezone(timezone(timedelta(hours=8))),
    }
    assert audit.entry_hash(reordered) == entry["hash"]


def test_an_intact_chain_verifies_with_its_count():
    entries = _chain(10)
    report = audit.verify_chain("tasking:demo", entries, _head(entries))
    assert report.ok and report.entries == 10 and report.last_seq == 10


def test_altered_content_is_named_at_its_entry():
    entries = _chain(10)
    entries[6] = {**entries[6], "action": "duban.task.completed.v1"}
    broken = audit.verify_chain("tasking:demo", entries, _head(entries)).broken
    assert (broken.kind, broken.seq, broken.entry_id) == ("content_altered", 7, "e007")
    assert entries[6]["hash"] in broken.expected and audit.entry_hash(entries[6]) in broken.found
    assert "seq 7 (entry e007)" in broken.describe()


def test_an_altered_stored_hash_is_told_apart_from_altered_content():
    entries = _chain(10)
    entries[3] = {**entries[3], "hash": "a" * 64}
    broken = audit.verify_chain("tasking:demo", entries, _head(entries)).broken
    assert (broken.kind, broken.seq, broken.found) == ("hash_altered", 4, f"hash {'a' * 64} (stored)")


def test_an_entry_altered_and_rehashed_breaks_the_link_of_its_successor():
    entries = _chain(10)
    forged = {**entries[4], "action": "duban.task.completed.v1"}
    forged["hash"] = audit.entry_hash(forged)
    entries[4] = forged
    broken = audit.verify_chain("tasking:demo", entries, _head(entries)).broken
    assert (broken.kind, broken.seq, broken.entry_id) == ("link_broken", 6, "e006")
    assert forged["hash"] in broken.expected


def test_a_missing_entry_is_reported_as_a_gap():
    entries = _chain(10)
    del entries[4]
    broken = audit.verify_chain("tasking:demo", entries, _head(entries)).broken
    assert (broken.kind, broken.seq, broken.expected, broken.found) == ("entry_missing", 5, "seq 5", "seq 6")


def test_missing_first_entries_are_a_gap_too():
    entries = _chain(4)[2:]
    broken = audit.verify_chain("tasking:demo", entries, _head(entries)).broken
    assert (broken.kind, broken.seq) == ("entry_missing", 1)


def test_entries_cut_off_at_the_end_are_found_through_the_head():
    entries = _chain(10)
    head = _head(entries)
    broken = audit.verify_chain("tasking:demo", entries[:8], head).broken
    assert (broken.kind, broken.seq) == ("truncated", 9)


def test_swapped_entries_are_reported_as_reordered():
    entries = _chain(10)
    a, b = entries[5], entries[6]
    entries[5], entries[6] = {**b, "seq": 6}, {**a, "seq": 7}
    broken = audit.verify_chain("tasking:demo", entries, _head(entries)).broken
    assert (broken.kind, broken.seq, broken.entry_id) == ("reordered", 6, "e007")
    assert "seq 7" in broken.detail


def test_a_head_that_does_not_match_the_last_entry_is_reported():
    entries = _chain(3)
    assert audit.verify_chain("tasking:demo", entries, (3, "b" * 64)).broken.kind == "head_mismatch"
    assert audit.verify_chain("tasking:demo", entries, None).broken.kind == "head_mismatch"
    assert audit.verify_chain("tasking:demo", [], None).ok
