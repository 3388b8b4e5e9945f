"""Customer-facing documents of quote-svc: the signable quote PDF."""

from quote_svc.documents.render import render_quote_pdf

__all__ = ["render_quote_pdf"]
