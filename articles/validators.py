"""Upload checks for images: every refusal is a ValidationError (a form error), never a 500.

The checks themselves live in civicsite/core/uploads.py, shared with candidate and author photos
(``candidates`` never imports ``articles``); these names stay here for the articles code and
its tests. The order (README, "Robustness"): the byte size before the file is read, the pixel
count from the header before any pixel is decoded, then the full decode.
"""

from civicsite.core.uploads import (
    ALLOWED_FORMATS,
    DAMAGED,
    NOT_AN_IMAGE,
    ImageFacts,
    _megapixels,
    _too_many_pixels,
    validate_image_upload,
)

__all__ = [
    "ALLOWED_FORMATS",
    "DAMAGED",
    "NOT_AN_IMAGE",
    "ImageFacts",
    "_megapixels",
    "_too_many_pixels",
    "validate_image_upload",
]
