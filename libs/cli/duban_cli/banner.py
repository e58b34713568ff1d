"""What `duban up` and `duban demo` print first: the workbench's address and the demo accounts."""

from __future__ import annotations

import json
from pathlib import Path


def demo_accounts_path() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "demo" / "accounts.json"
        if candidate.exists():
            return candidate
    return None


def workbench_lines(url: str) -> list[str]:
    lines = [f"督查督办工作台 workbench: {url}/   ← 在浏览器中打开 open this in a browser"]
    path = demo_accounts_path()
    if path is not None:
        lines.append("  演示账号 demo accounts（用户名 / 密码 username / password）:")
        for a in json.loads(path.read_text(encoding="utf-8"))["accounts"]:
            lines.append(f"    {a['username']:>7} / {a['password']:<12} {a['title']} {a['name']}")
    return lines
