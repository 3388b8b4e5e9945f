"""Images a document embeds (logos) as data: URLs, so rendering never loads a URL."""

import base64
from pathlib import Path

IMAGE_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}


def data_url(path: Path) -> str:
    """The file as a `data:` URL; its media type comes from its suffix (one of
    IMAGE_MEDIA_TYPES, else ValueError)."""
    media_type = IMAGE_MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise ValueError(f"document image {path} is not one of {', '.join(IMAGE_MEDIA_TYPES)}")
    return f"data:{media_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
