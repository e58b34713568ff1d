"""The longest functions of the code base, outside migrations and tests:

    python scripts/longest_functions.py --top 10 [--over 49] [paths...]   (default: libs services)

prints one line per function, longest first: its length in lines (from ``def`` to its last
line, decorators not counted, nested functions counted in their parent too), where it
starts, and its qualified name (``router.<locals>.submit`` for a closure). With ``--over N``
it exits 1 when any listed function is longer than N lines, so a check can hold the limit."""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_PARTS = {"migrations", "tests", ".venv", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class Function:
    lines: int
    path: Path
    line: int
    name: str


def shown(path: Path) -> Path:
    """The path as printed: from the checkout's root when it is inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def python_files(roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*.py")
        found += [path for path in candidates if not SKIPPED_PARTS.intersection(shown(path).parts)]
    return sorted(found)


def functions_of(path: Path) -> list[Function]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Function] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.append(Function(child.end_lineno - child.lineno + 1, path, child.lineno, name))
                visit(child, f"{name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def longest(roots: list[Path], top: int) -> list[Function]:
    every = [function for path in python_files(roots) for function in functions_of(path)]
    return sorted(every, key=lambda function: (-function.lines, str(function.path), function.line))[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: libs services)")
    parser.add_argument("--top", type=int, default=10, help="how many to list (default 10)")
    parser.add_argument("--over", type=int, default=None, help="exit 1 when a listed function has more lines than this")
    args = parser.parse_args(argv)
    roots = [path.absolute() for path in args.paths] or [ROOT / "libs", ROOT / "services"]
    listed = longest(roots, args.top)
    for function in listed:
        print(f"{function.lines:4d}  {shown(function.path)}:{function.line}  {function.name}")
    return 1 if args.over is not None and any(function.lines > args.over for function in listed) else 0


if __name__ == "__main__":
    sys.exit(main())
