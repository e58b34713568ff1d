"""Official documents (公文) by GB/T 9704-2012: one model (model.py), one layout, rendered to
DOCX (docx.py) and PDF (pdf.py); Chinese file names for downloads (files.py)."""

from .model import Annex, Block, Document, Heading, Issuing, Receipt, Table, chinese_date, numbered

__all__ = ["Annex", "Block", "Document", "Heading", "Issuing", "Receipt", "Table", "chinese_date", "numbered"]
