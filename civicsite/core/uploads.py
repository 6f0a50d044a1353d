"""Image uploads for every app: checks, re-encoding, the form field, and a full disk.

Candidate photos, author photos and article figures all take pictures from editors, so the
rules live here, where both apps may import them (``candidates`` never imports ``articles``).
README, "Robustness", Uploads, and the order the checks run in:

1. The byte size, before the file is read (``IMAGE_UPLOAD_MAX_BYTES``, default 10 MB).
2. The pixel count, from the header: ``Image.open`` reads only the header, so a
   decompression bomb is refused before any pixel is decoded (``IMAGE_MAX_PIXELS``,
   default 40 megapixels).
3. The format, from the bytes and never from the name: JPEG, PNG, WebP or GIF. No SVG (it can
   carry script), no BMP/TIFF/HEIC. A PNG named .jpg is fine; a text file named .jpg is not.
4. A full decode, which is where truncated and corrupt files fail.
5. A re-encode through Pillow that keeps the pixels and nothing else: no EXIF (GPS
   included), XMP, JPEG comments or APP segments, PNG text chunks, GIF comments, nor anything
   appended to the file (polyglot payloads). Pillow copies an image's ``info`` into the file
   it saves (a JPEG's comment comes back by itself), so ``clean_pixels`` empties it first. The
   camera's orientation is applied to the pixels, and a colour profile is applied too: the
   pixels are converted to sRGB and the profile dropped, because a profile is an arbitrary
   blob of up to megabytes that can carry a payload of its own, and sRGB is what browsers
   assume for an image without one (renditions had no profile anyway).
6. A server-made file name (a uuid4 and the real format's extension).

Every refusal is a ``ValidationError`` with a message an editor can act on (a form error),
never a 500. A disk that fills up while the file is written is not the editor's mistake:
``StorageFullMiddleware`` answers it with a 503 page that says the upload was not stored, and
nothing that request wrote stays on the disk: ``MediaStorage`` writes each file under a
temporary name and removes it when the write fails part-way, and the middleware removes the
files (an original and its renditions) whose rows were rolled back with the failed request.
"""

import contextlib
import contextvars
import errno
import io
import logging
import os
import uuid
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageOps

logger = logging.getLogger(__name__)

# Pillow's own guard matches the site's pixel limit (it warns past this and raises past twice
# this); the explicit check in validate_image_upload gives the editor the numbers first.
Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

# Pillow format name -> file extension. No SVG (it can carry script), no BMP/TIFF/HEIC.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
    "GIF": {"optimize": True},
}

NOT_AN_IMAGE = (
    "This file is not a JPEG, PNG, WebP or GIF image. Other formats (SVG, BMP, TIFF, HEIC ...) "
    "and files that are not images are refused; export the picture as JPEG or PNG."
)
DAMAGED = "This image file is damaged or incomplete. Export it again and upload the new file."
STORAGE_FULL = (
    "The upload could not be stored: the server has run out of disk space. Nothing was "
    "saved. Please tell the site's technical staff, and try again once they have made room."
)


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


# --- Re-encoding ------------------------------------------------------------------------------


def has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def prepare_for(image, image_format):
    """Convert the mode so the format can store it (JPEG has no alpha, GIF is paletted)."""
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = (
                image.convert("RGBA").convert("RGB") if has_alpha(image) else image.convert("RGB")
            )
    elif image_format == "GIF":
        if image.mode not in ("P", "L"):
            image = image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE)
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if has_alpha(image) else "RGB")
    return image


# What of an image's ``info`` may reach a saved file: a GIF's or PNG's transparent colour is
# part of the picture. Everything else (comment, exif, xmp, icc_profile, text chunks, dpi) is
# dropped, since Pillow writes some of it back by itself when it saves.
KEPT_INFO = ("transparency",)
SRGB = ImageCms.createProfile("sRGB")


def in_srgb(image):
    """The image's pixels in sRGB, its colour profile (if any) applied and left behind."""
    profile = image.info.get("icc_profile")
    if not profile:
        return image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if has_alpha(image) else "RGB")
    try:
        return ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), SRGB, outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a profile LittleCMS cannot read: the pixels as they are


def clean_pixels(image):
    """A copy that carries the pixels and nothing else into the file Pillow will write."""
    image = in_srgb(image)
    clean = image.copy()
    clean.info = {key: image.info[key] for key in KEPT_INFO if key in image.info}
    return clean


def encode(image, image_format):
    buffer = io.BytesIO()
    # Only what is passed here is written: no exif=, no pnginfo, no comment, no profile.
    image = prepare_for(clean_pixels(image), image_format)
    image.save(buffer, image_format, **SAVE_OPTIONS[image_format])
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
    content = encode(image, facts.format)
    upload.seek(0)
    name = f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[facts.format]}"
    return SimpleUploadedFile(name, content, content_type=MIME_TYPES[facts.format])


# --- The form field ---------------------------------------------------------------------------


def upload_help_text():
    return (
        f"JPEG, PNG, WebP or GIF, at most {filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)} "
        f"and {settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels. The file is re-saved "
        "without its camera data (EXIF, GPS)."
    )


class UploadedImageField(forms.ImageField):
    """An image field that refuses unsafe uploads and hands on a re-encoded copy.

    Django's own ImageField decodes the whole file before any limit is checked; this one runs
    ``validate_image_upload`` (size first, then the header, then the pixels) and returns the
    clean copy made by ``reencode_upload``, with a server-made name. Use it in any form with an
    image upload (admin forms included: declared fields replace the admin's own).
    """

    default_error_messages = {"invalid_image": "Upload a JPEG, PNG, WebP or GIF image."}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", upload_help_text())
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):
            attrs["accept"] = ",".join(f"image/{fmt.lower()}" for fmt in ALLOWED_FORMATS)
        return attrs

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return reencode_upload(upload)


# --- A full disk ------------------------------------------------------------------------------

# "No space left on device" and "disk quota exceeded": the storage, not the request, is at fault.
STORAGE_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def is_storage_full(exception):
    return isinstance(exception, OSError) and exception.errno in STORAGE_FULL_ERRNOS


class MediaStorage(FileSystemStorage):
    """Django's file storage, except that a write that fails leaves no file behind.

    Each file is written under a temporary name in its folder, then linked to its real name:
    a write that fails part-way (a full disk) removes its temporary file, and readers never see
    half a file under a real name. Every file stored while ``uncommitted_files_removed`` is open
    (each request, through StorageFullMiddleware) is remembered until its transaction commits.
    """

    def _save(self, name, content):
        temporary = posix_join(os.path.dirname(name), f".{uuid.uuid4().hex}.part")
        try:
            temporary = super()._save(temporary, content)
            while True:
                try:
                    os.link(self.path(temporary), self.path(name))
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path(temporary))
        remember_until_commit(self, name)
        return name


def posix_join(folder, filename):
    return f"{folder}/{filename}" if folder else filename


# The files stored during the current request that no committed row owns yet.
_uncommitted = contextvars.ContextVar("uncommitted_files", default=None)


def remember_until_commit(storage, name):
    files = _uncommitted.get()
    if files is None:
        return
    entry = (storage, name)
    files.add(entry)
    # Outside a transaction this runs at once; inside one, only if it commits.
    transaction.on_commit(lambda: files.discard(entry))


@contextlib.contextmanager
def uncommitted_files_removed():
    """Remove, if the block fails, the files it stored whose transaction did not commit.

    A figure's original and renditions are written inside the admin's transaction; when a
    later write fails, Django rolls the rows back and this removes their files, so a full disk
    is not left fuller by orphans. A file whose row was committed stays.
    """
    files = UncommittedFiles()
    token = _uncommitted.set(files)
    failed = False
    try:
        yield files
    except BaseException:
        failed = True
        raise
    finally:
        _uncommitted.reset(token)
        if failed or files.failed:
            for storage, name in sorted(files, key=lambda entry: entry[1]):
                with contextlib.suppress(OSError):
                    storage.delete(name)
                    logger.warning("Removed %s: its upload failed and nothing owns it", name)


class UncommittedFiles(set):
    """The set ``uncommitted_files_removed`` yields; ``failed`` marks a request that failed."""

    failed = False


class StorageFullMiddleware:
    """A 503 page saying the upload was not stored, instead of a traceback, on a full disk.

    The write happens deep inside a model's save (FieldFile.save -> storage.save), inside the
    admin's transaction, which Django rolls back as the exception passes: so nothing of the
    form was saved, and the page says so; the files that request stored are removed (any
    exception out of a view counts: its rows were rolled back too). Other OSErrors are bugs
    and stay 500s.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with uncommitted_files_removed() as files:
            request._uncommitted_files = files
            return self.get_response(request)

    def process_exception(self, request, exception):
        files = getattr(request, "_uncommitted_files", None)
        if files is not None:
            files.failed = True
        if not is_storage_full(exception):
            return None
        logger.error("Upload not stored, storage full: %s", exception)
        response = render(
            request,
            "civicsite/upload_not_stored.html",
            {"message": STORAGE_FULL},
            status=503,
        )
        response["Retry-After"] = "300"
        response["Cache-Control"] = "no-store"
        return response
