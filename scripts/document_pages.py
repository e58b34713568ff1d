"""Page images of every document type, to look at beside a real county 通报 or 交办单:

    .venv/bin/python scripts/document_pages.py [out-dir]     (default test-artifacts/documents)

writes <type>.pdf and <type>.docx (named as downloads are), the PDF's pages as <type>-pdf-<n>.png
(pdftoppm, from poppler-utils) and, where LibreOffice is installed, the DOCX's pages as
<type>-docx-<n>.png (soffice converts it to PDF first), and one contact sheet per type
(<type>-sheet.png, ImageMagick's montage) when montage is there."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from document_samples import samples  # noqa: E402
from duban_common.documents import docx, pdf  # noqa: E402
from duban_common.documents.files import file_name  # noqa: E402


def pages(pdf_file: Path, prefix: Path, dpi: int = 60) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf_file), str(prefix)], check=True)
    return sorted(prefix.parent.glob(prefix.name + "-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def docx_as_pdf(docx_file: Path) -> Path | None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                office,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(docx_file.parent / "lo"),
                str(docx_file),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return docx_file.parent / "lo" / (docx_file.stem + ".pdf")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.png"), *out.glob("lo/*.pdf")]:
        old.unlink()
    for kind, doc in samples().items():
        pdf_file, docx_file = (
            out / file_name(doc.number, doc.title, "pdf"),
            out / file_name(doc.number, doc.title, "docx"),
        )
        pdf_file.write_bytes(pdf.render(doc))
        docx_file.write_bytes(docx.render(doc))
        images = pages(pdf_file, out / f"{kind}-pdf")
        converted = docx_as_pdf(docx_file)
        images += pages(converted, out / f"{kind}-docx") if converted else []
        if shutil.which("montage") and images:
            subprocess.run(
                [
                    "montage",
                    *map(str, images),
                    "-tile",
                    "6x",
                    "-geometry",
                    "+6+6",
                    "-background",
                    "#888888",
                    str(out / f"{kind}-sheet.png"),
                ],
                check=True,
            )
        print(f"{kind}: {pdf_file.name}, {len(images)} page images")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "test-artifacts" / "documents")
