"""The decision records (docs/decisions) are numbered as their files are, and every citation of
one in the code and the docs names a record that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "docs" / "decisions"
CITATION = re.compile(r"decisions/(\d{4}-[a-z0-9-]+)\.md")


def test_each_record_is_titled_with_its_own_number():
    wrong = {
        p.name: p.read_text().splitlines()[0]
        for p in RECORDS.glob("*.md")
        if p.name[:4] not in p.read_text().splitlines()[0]
    }
    assert not wrong, wrong


def test_every_citation_names_a_record_that_exists():
    names = {p.stem for p in RECORDS.glob("*.md")}
    cited = {}
    for tree in ("libs", "services", "docs", "tests", "bench"):
        for path in (ROOT / tree).rglob("*"):
            if path.suffix in (".py", ".md") and ".venv" not in path.parts:
                for name in CITATION.findall(path.read_text(errors="replace")):
                    cited.setdefault(name, path.relative_to(ROOT).as_posix())
    for path in ROOT.glob("*.md"):
        for name in CITATION.findall(path.read_text()):
            cited.setdefault(name, path.name)
    assert cited and {n: where for n, where in cited.items() if n not in names} == {}
