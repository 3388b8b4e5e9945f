"""Customer-facing documents of invoice-svc: the invoice and credit note PDFs, branded per
selling legal entity."""

from invoice_svc.documents.render import (
    credit_note_pdf_filename,
    pdf_filename,
    render_credit_note_pdf,
    render_invoice_pdf,
)

__all__ = [
    "credit_note_pdf_filename",
    "pdf_filename",
    "render_credit_note_pdf",
    "render_invoice_pdf",
]
