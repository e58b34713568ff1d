"""The embedded run's demo accounts (a JSON seed file: username, password, name, role, unit)."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    name: str
    role: str
    title: str
    unit: str | None = None


def load(path: Path) -> dict[str, Account]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {r["username"]: Account(**r) for r in rows["accounts"]}


def check(accounts: dict[str, Account], username: str, password: str) -> Account | None:
    account = accounts.get(username.strip())
    # compared in constant time; an unknown name costs the same as a wrong password
    expected = account.password if account else "\0" * 32
    if hmac.compare_digest(expected.encode(), password.encode()) and account:
        return account
    return None
