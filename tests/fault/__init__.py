"""The fault suite: the embedded system as real processes, broken on purpose
under a bounded load, then reconciled — every accepted submission a matter exactly once,
every due timer fired once, every escalation step once.

Two ways to run it: the short version is ``tests/fault/test_faults.py`` (part of the normal
test run); the long version is ``.venv/bin/python -m tests.fault --long``, which rewrites
docs/reliability.md from its own numbers.
"""
