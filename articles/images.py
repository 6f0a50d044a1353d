"""Images for figures: re-encoding of uploads and responsive renditions, all with Pillow.

An accepted upload (articles/validators.py) is decoded and written again by Pillow: EXIF (GPS
included), comments and anything appended to the file are left behind, the orientation the
camera recorded is applied to the pixels first, and the file gets a server-made name. Then,
when a Figure is saved with a new image, ``make_renditions`` writes smaller copies in WebP and
in a fallback format under MEDIA_ROOT/renditions/<figure pk>/ and returns the list stored in
Figure.renditions; templates read only that list.
"""

import io
import posixpath
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

from articles.validators import ALLOWED_FORMATS, validate_image_upload

# Pillow's own guard matches the site's pixel limit (it raises past twice this).
Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

RENDITION_WIDTHS = (480, 800, 1200, 1600)
# The fallback format for browsers without WebP: the original's, except that a WebP original
# falls back to JPEG (or PNG when it has transparency).
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
    "GIF": {"optimize": True},
}


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _prepare_for(image, image_format):
    """Convert the mode so the format can store it (JPEG has no alpha, GIF is paletted)."""
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = (
                image.convert("RGBA").convert("RGB") if _has_alpha(image) else image.convert("RGB")
            )
    elif image_format == "GIF":
        if image.mode not in ("P", "L"):
            image = image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE)
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    return image


def _encode(image, image_format):
    buffer = io.BytesIO()
    # Only what is passed here is written: no exif=, no pnginfo, no comment.
    _prepare_for(image, image_format).save(buffer, image_format, **SAVE_OPTIONS[image_format])
    return buffer.getvalue()


def reencode_upload(upload):
    """Validate an upload and return a clean copy with a uuid4 file name.

    Raises django.core.exceptions.ValidationError (with a message for the editor) on refusal.
    Animated GIFs keep their first frame.
    """
    facts = validate_image_upload(upload)
    with Image.open(upload, formats=[facts.format]) as original:
        original.load()
        image = ImageOps.exif_transpose(original)
        icc_profile = original.info.get("icc_profile")
    buffer = io.BytesIO()
    prepared = _prepare_for(image, facts.format)
    options = dict(SAVE_OPTIONS[facts.format])
    if icc_profile and facts.format in ("JPEG", "PNG", "WEBP"):
        options["icc_profile"] = icc_profile  # colours, not metadata about the photographer
    prepared.save(buffer, facts.format, **options)
    upload.seek(0)
    name = f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[facts.format]}"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=MIME_TYPES[facts.format])


def rendition_widths(original_width):
    """The standard widths up to the original (never upscaled), plus the original width."""
    widths = [width for width in RENDITION_WIDTHS if width < original_width]
    if original_width <= RENDITION_WIDTHS[-1]:
        widths.append(original_width)
    return widths


def fallback_format(image_format, image):
    if image_format == "WEBP":
        return "PNG" if _has_alpha(image) else "JPEG"
    return image_format


def make_renditions(figure, *, storage=None):
    """Write the figure's renditions and return the list for Figure.renditions.

    Old renditions of the figure are removed first, so replacing an image leaves no strays.
    """
    storage = storage or default_storage
    folder = f"renditions/{figure.pk}"
    delete_renditions(figure, storage=storage)
    with figure.image.open("rb") as source, Image.open(source) as opened:
        opened.load()
        original_format = opened.format if opened.format in ALLOWED_FORMATS else "JPEG"
        image = ImageOps.exif_transpose(opened)
    fallback = fallback_format(original_format, image)
    renditions = []
    for width in rendition_widths(image.width):
        height = max(1, round(image.height * width / image.width))
        resized = (
            image
            if width == image.width
            else image.resize((width, height), Image.Resampling.LANCZOS)
        )
        for image_format in ("WEBP", fallback):
            extension = ALLOWED_FORMATS[image_format]
            name = storage.save(
                posixpath.join(folder, f"{width}w.{extension}"),
                io.BytesIO(_encode(resized, image_format)),
            )
            renditions.append(
                {
                    "width": width,
                    "height": height,
                    "format": image_format.lower(),
                    "name": name,
                }
            )
    return renditions


def delete_renditions(figure, *, storage=None):
    storage = storage or default_storage
    folder = f"renditions/{figure.pk}"
    if not storage.exists(folder):
        return
    for filename in storage.listdir(folder)[1]:
        storage.delete(posixpath.join(folder, filename))


def mime_type(rendition_format):
    return MIME_TYPES[rendition_format.upper()]
