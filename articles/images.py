"""Images for figures and the media library: re-encoding of uploads and responsive renditions,
all with Pillow.

An accepted upload (civicsite/core/uploads.py) is decoded and written again by Pillow: EXIF (GPS
included), comments and anything appended to the file are left behind, the orientation the
camera recorded is applied to the pixels first, and the file gets a server-made name. Then,
when a library image (or a figure with a file of its own) is saved with a new file,
``make_renditions`` writes smaller copies in WebP and in a fallback format under its
``rendition_folder`` (MEDIA_ROOT/renditions/library/<pk>/, or renditions/<figure pk>/) and
returns the list stored in its ``renditions``; templates read only that list. A figure showing
a library image copies that list: renditions are made once per upload, however many stories
reuse the picture. Renditions carry pixels only (sRGB, no
profile, no metadata: ``civicsite.core.uploads.encode``), and a write that fails part-way (a full
disk) removes the renditions this call had written before the error goes on.
"""

import io
import posixpath

from django.core.files.storage import default_storage
from PIL import Image, ImageOps

# The upload checks and the re-encoding are shared with candidate and author photos
# (civicsite/core/uploads.py); the names stay importable from here.
from civicsite.core.uploads import (
    ALLOWED_FORMATS,
    MIME_TYPES,
    SAVE_OPTIONS,
    reencode_upload,
    validate_image_upload,
)
from civicsite.core.uploads import encode as _encode
from civicsite.core.uploads import has_alpha as _has_alpha
from civicsite.core.uploads import prepare_for as _prepare_for

__all__ = [
    "ALLOWED_FORMATS",
    "MIME_TYPES",
    "RENDITION_WIDTHS",
    "SAVE_OPTIONS",
    "_encode",
    "_has_alpha",
    "_prepare_for",
    "delete_renditions",
    "fallback_format",
    "make_renditions",
    "mime_type",
    "reencode_upload",
    "rendition_widths",
    "validate_image_upload",
]

RENDITION_WIDTHS = (480, 800, 1200, 1600)


def rendition_widths(original_width):
    """The standard widths up to the original (never upscaled), plus the original width."""
    widths = [width for width in RENDITION_WIDTHS if width < original_width]
    if original_width <= RENDITION_WIDTHS[-1]:
        widths.append(original_width)
    return widths


# The fallback format for browsers without WebP: the original's, except that a WebP original
# falls back to JPEG (or PNG when it has transparency).
def fallback_format(image_format, image):
    if image_format == "WEBP":
        return "PNG" if _has_alpha(image) else "JPEG"
    return image_format


def make_renditions(figure, *, storage=None):
    """Write the renditions of ``figure`` (a Figure or a LibraryImage: anything with ``image``
    and ``rendition_folder``) and return the list for its ``renditions``.

    Old renditions in its folder are removed first, so replacing an image leaves no strays.
    """
    storage = storage or default_storage
    folder = figure.rendition_folder
    delete_renditions(figure, storage=storage)
    with figure.image.open("rb") as source, Image.open(source) as opened:
        opened.load()
        original_format = opened.format if opened.format in ALLOWED_FORMATS else "JPEG"
        image = ImageOps.exif_transpose(opened)
    fallback = fallback_format(original_format, image)
    renditions = []
    try:
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
    except BaseException:
        for rendition in renditions:
            storage.delete(rendition["name"])
        raise
    return renditions


def delete_renditions(figure, *, storage=None):
    storage = storage or default_storage
    folder = figure.rendition_folder
    if not storage.exists(folder):
        return
    for filename in storage.listdir(folder)[1]:
        storage.delete(posixpath.join(folder, filename))


def mime_type(rendition_format):
    return MIME_TYPES[rendition_format.upper()]
