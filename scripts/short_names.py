"""Lists the one- and two-letter names bound outside comprehensions and lambdas (the style
allows them only there), by name and by file: the work left for the names rule, which ruff
cannot check. Reads the files git tracks, Alembic revisions left out.

usage: .venv/bin/python scripts/short_names.py [PATH ...] [--list]
"""

from __future__ import annotations

import argparse
import ast
import collections
import subprocess
from pathlib import Path

ALLOWED_IN = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
KEPT = {"_", "__", "db", "id", "ok", "to", "by", "at", "js", "nc"}  # words, or the one client of a library


class _Bindings(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[str, int]] = []

    def visit(self, node: ast.AST) -> None:
        if not isinstance(node, ALLOWED_IN):
            super().visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self._note(node.id, node.lineno)

    def visit_arg(self, node: ast.arg) -> None:
        self._note(node.arg, node.lineno)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._note(node.name, node.lineno)
        self.generic_visit(node)

    def _note(self, name: str, line: int) -> None:
        if len(name.lstrip("_")) <= 2 and name not in KEPT:
            self.found.append((name, line))


def short_names(path: Path) -> list[tuple[str, int]]:
    bindings = _Bindings()
    bindings.visit(ast.parse(path.read_text(encoding="utf-8")))
    return bindings.found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=["libs", "services"])
    parser.add_argument("--list", action="store_true", help="every binding, as file:line: name")
    args = parser.parse_args()
    tracked = subprocess.run(["git", "ls-files", "--", *args.paths], capture_output=True, text=True, check=True).stdout
    files = [Path(name) for name in tracked.split() if name.endswith(".py") and "/migrations/versions/" not in name]
    by_name: collections.Counter[str] = collections.Counter()
    by_file: collections.Counter[str] = collections.Counter()
    for path in files:
        for name, line in short_names(path):
            by_name[name] += 1
            by_file[str(path)] += 1
            if args.list:
                print(f"{path}:{line}: {name}")
    print(f"{sum(by_name.values())} short names in {len(by_file)} files")
    print("by name:", ", ".join(f"{name} {count}" for name, count in by_name.most_common(20)))
    print("by file:", ", ".join(f"{name} {count}" for name, count in by_file.most_common(10)))


if __name__ == "__main__":
    main()
