"""Official documents (公文) by GB/T 9704-2012: one model (model.py), one layout, rendered to
DOCX (docx.py) and PDF (pdf.py, fonts.py); Chinese line breaking (breaking.py); the tenant's
issuing body and own DOCX templates (issuing.py, template.py); Chinese file names for
downloads (files.py). docs/documents.md describes the layout and the fonts."""

from .model import KINDS, Annex, Block, Document, Heading, Issuing, Receipt, Table, chinese_date, numbered

__all__ = ["KINDS", "Annex", "Block", "Document", "Heading", "Issuing", "Receipt", "Table", "chinese_date", "numbered"]
