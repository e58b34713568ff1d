"""The integration contract in code: inbound submissions and domain events.

Within a major version fields are only ever added (STYLE.md 5); JSON Schema
snapshots of every model live in ``schemas/`` and a test compares them.
"""
