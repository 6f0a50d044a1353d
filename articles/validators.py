"""Upload checks for images: every refusal is a ValidationError (a form error), never a 500.

The order matters (SECURITY.md, Uploads): the byte size is checked before the file is read;
the pixel count is read from the header (Image.open does not decode) before any pixel is
loaded; only then is the image decoded, which is where truncated and corrupt files fail.
"""

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image

# Pillow format name -> file extension. No SVG (it can carry script), no BMP/TIFF/HEIC.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

NOT_AN_IMAGE = (
    "This file is not a JPEG, PNG, WebP or GIF image. Other formats (SVG, BMP, TIFF, HEIC ...) "
    "and files that are not images are refused; export the picture as JPEG or PNG."
)
DAMAGED = "This image file is damaged or incomplete. Export it again and upload the new file."


@dataclass(frozen=True)
class ImageFacts:
    format: str
    width: int
    height: int


def _megapixels(pixels):
    number = f"{pixels / 1_000_000:.1f}".removesuffix(".0")
    return f"{number} megapixels"


def validate_image_upload(upload):
    """Refuse anything but a sound JPEG/PNG/WebP/GIF within the size and pixel limits.

    Returns the image's format and size. Leaves the file positioned at its start.
    """
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = settings.IMAGE_MAX_PIXELS
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            f"This file is {filesizeformat(upload.size)}; the limit is "
            f"{filesizeformat(max_bytes)}. Resize or compress the image and upload it again.",
            code="file_too_large",
        )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that; the explicit
            # check below gives the editor the numbers instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(ALLOWED_FORMATS)) as image:
                facts = ImageFacts(image.format, image.width, image.height)
                if facts.width * facts.height > max_pixels:
                    raise _too_many_pixels(facts, max_pixels)
                image.load()
    except Image.DecompressionBombError as error:
        raise ValidationError(
            f"This image has far more pixels than the limit of {_megapixels(max_pixels)} "
            "(it may be a decompression bomb) and was refused.",
            code="too_many_pixels",
        ) from error
    except Image.UnidentifiedImageError as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as error:
        # Truncated data ("image file is truncated"), broken chunks, bad headers.
        raise ValidationError(DAMAGED, code="damaged") from error
    finally:
        upload.seek(0)
    return facts


def _too_many_pixels(facts, max_pixels):
    pixels = facts.width * facts.height
    return ValidationError(
        f"This image is {facts.width:,} × {facts.height:,} pixels ({_megapixels(pixels)}); "
        f"the limit is {_megapixels(max_pixels)}. "
        "Resize it (1600 to 3000 pixels wide is plenty for the web) and upload it again.",
        code="too_many_pixels",
    )
