"""What customer documents (the quote, the invoice) share: how they write figures and dates,
and how they embed images. Pure Python: rendering (WeasyPrint) stays in the services."""
