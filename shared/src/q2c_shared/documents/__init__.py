"""What customer documents (the quote, the invoice) share: how they write figures and dates,
how they embed images, and the base stylesheet (`base.css`: page box, running header and
footer, typography, status badge, draft watermark). Rendering (WeasyPrint) stays in the
services; each loads `BASE_STYLESHEET` before its own."""

from importlib import resources

BASE_STYLESHEET = (resources.files("q2c_shared.documents") / "base.css").read_text(encoding="utf-8")
