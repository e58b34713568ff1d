"""How long each document type takes to render, and how big it is (no test asserts a time):

    .venv/bin/python bench/documents.py [--rounds 5]

The first PDF of a process also loads the free fonts (about 1 s); the table shows that
first render apart from the steady state (median of the rounds after it)."""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pypdf import PdfReader  # noqa: E402

from document_samples import samples  # noqa: E402
from duban_common.documents import docx, pdf  # noqa: E402


def timed(fn, doc) -> tuple[float, bytes]:
    start = time.perf_counter()
    out = fn(doc)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    docs = samples()
    first, _ = timed(pdf.render, next(iter(docs.values())))
    print(f"first PDF of the process (fonts loaded): {first * 1000:.0f} ms\n")
    print("| document | PDF pages | PDF KB | PDF ms (median) | DOCX KB | DOCX ms (median) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for kind, doc in docs.items():
        pdf_runs = [timed(pdf.render, doc) for _ in range(rounds)]
        docx_runs = [timed(docx.render, doc) for _ in range(rounds)]
        pages = len(PdfReader(io.BytesIO(pdf_runs[0][1])).pages)
        print(
            f"| {kind} | {pages} | {len(pdf_runs[0][1]) / 1024:.0f} | {statistics.median(t for t, _ in pdf_runs) * 1000:.0f} | "
            f"{len(docx_runs[0][1]) / 1024:.0f} | {statistics.median(t for t, _ in docx_runs) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
