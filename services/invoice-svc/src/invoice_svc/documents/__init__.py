"""Customer-facing documents of invoice-svc: the invoice PDF, branded per selling legal entity."""

from invoice_svc.documents.render import pdf_filename, render_invoice_pdf

__all__ = ["pdf_filename", "render_invoice_pdf"]
