"""What `duban up` and `duban demo` print first: the workbench's address and the demo accounts."""

from __future__ import annotations

import json

from .embedded import demo_accounts_path


def workbench_lines(url: str) -> list[str]:
    lines = [f"督查督办工作台 workbench: {url}/   ← 在浏览器中打开 open this in a browser"]
    accounts = json.loads(demo_accounts_path().read_text(encoding="utf-8"))["accounts"]
    lines.append("  演示账号 demo accounts（用户名 / 密码 username / password）:")
    lines += [f"    {a['username']:>7} / {a['password']:<12} {a['title']} {a['name']}" for a in accounts]
    return lines
