"""Hostile image uploads on every upload form: article figures, candidate and author photos.

The checks live in civicsite/core/uploads.py (shared, since candidates never imports articles).
Each refusal is a form error with a message an editor can act on, and writes nothing: no row,
no file. A disk that fills up while the file is written is a 503 page saying the upload was
not stored, never a traceback (a storage whose _save fails with ENOSPC stands in for it).
"""

import errno
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.forms import AuthorAdminForm, FigureForm
from articles.models import Author
from candidates.forms import CandidateAdminForm
from candidates.models import Candidate
from civicsite.core.uploads import DAMAGED, NOT_AN_IMAGE, STORAGE_FULL, UploadedImageField

pytestmark = pytest.mark.django_db


def image_bytes(image_format="JPEG", size=(640, 400), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 60, 40)).save(buffer, image_format)
    return buffer.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width, height):
    """A tiny PNG whose header claims width x height pixels: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)
# (file name, content, words the refusal must contain)
REFUSED = {
    "a text file named .jpg": ("notes.jpg", b"Just some notes, not a picture.\n" * 20, "not a"),
    "an SVG with a script": ("logo.svg", SVG_WITH_SCRIPT, "not a"),
    "an SVG named .png": ("logo.png", SVG_WITH_SCRIPT, "not a"),
    "an HTML page named .gif": ("x.gif", b"<html><script>alert(1)</script></html>", "not a"),
    "a truncated JPEG": ("cut.jpg", image_bytes()[:600], "damaged or incomplete"),
    "a PNG cut short": ("cut.png", image_bytes("PNG")[:100], "damaged or incomplete"),
    "a decompression bomb": ("bomb.png", png_claiming(100_000, 100_000), "decompression bomb"),
    "a picture over the pixel limit": ("big.png", png_claiming(8_000, 6_000), "megapixels"),
    "a BMP": ("photo.bmp", image_bytes("BMP"), "not a"),
    "a TIFF": ("photo.tif", image_bytes("TIFF"), "not a"),
    "an empty file": ("empty.jpg", b"", "empty"),
    # Too short for Pillow to recognise: "not an image" is fair.
    "a GIF header and nothing else": ("x.gif", b"GIF89a", "not a"),
}


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def figure_form(file):
    return FigureForm(
        data={"key": "photo", "alt_text": "A rally", "caption": "", "credit": "", "order": 0},
        files={"image": file},
    )


class CandidateForm(CandidateAdminForm):
    """The admin builds CandidateAdminForm's Meta; a form used on its own needs one."""

    class Meta:
        model = Candidate
        fields = ["name", "slug", "photo", "photo_alt"]


def candidate_form(file):
    return CandidateForm(
        data={"name": "Ann Able", "slug": "ann-able", "photo_alt": "Ann Able at a forum"},
        files={"photo": file},
    )


def author_form(file):
    return AuthorAdminForm(
        data={"name": "Demo Desk", "slug": "demo-desk", "photo_alt": "The desk's logo"},
        files={"photo": file},
    )


FORMS = {
    "figure": (figure_form, "image"),
    "candidate": (candidate_form, "photo"),
    "author": (author_form, "photo"),
}


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("editor", "e@example.org", "pass")
    client.force_login(user)
    return client


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("form_name", FORMS)
@pytest.mark.parametrize("case", REFUSED)
def test_unsafe_uploads_are_refused_with_a_message_on_every_upload_form(form_name, case, settings):
    make_form, field = FORMS[form_name]
    name, content, words = REFUSED[case]
    form = make_form(upload(name, content))
    assert not form.is_valid()
    message = " ".join(form.errors[field])
    assert words in message.lower() or words in message, message
    assert media_files(settings) == []


@pytest.mark.parametrize("form_name", FORMS)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(form_name, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 10_240
    make_form, field = FORMS[form_name]

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the file was read before its size was checked")

    big = SimpleUploadedFile("big.jpg", b"", content_type="image/jpeg")
    big.file, big.size = Unreadable(), 50_000
    form = make_form(big)
    assert not form.is_valid()
    assert "the limit is 10.0\xa0KB" in " ".join(form.errors[field])


@pytest.mark.parametrize("form_name", FORMS)
def test_a_png_named_jpg_is_accepted_and_stored_as_a_png_with_a_server_made_name(form_name):
    make_form, field = FORMS[form_name]
    form = make_form(upload("../../etc/passwd.jpg", image_bytes("PNG")))
    assert form.is_valid(), form.errors
    stored = form.cleaned_data[field]
    assert stored.name.endswith(".png")
    assert len(Path(stored.name).stem) == 32 and "/" not in stored.name
    assert Image.open(stored).format == "PNG"


def test_the_messages_name_what_to_do():
    assert "export the picture as JPEG or PNG" in NOT_AN_IMAGE
    assert "Export it again" in DAMAGED


def test_a_candidate_photo_refused_in_the_admin_shows_the_message_and_saves_nothing(
    editor_client, settings
):
    response = editor_client.post(
        reverse("admin:candidates_candidate_add"),
        {
            "name": "Ann Able",
            "slug": "ann-able",
            "photo": upload("logo.svg", SVG_WITH_SCRIPT, "image/svg+xml"),
            "photo_alt": "Ann Able",
        },
    )
    assert response.status_code == 200
    assert "This file is not a JPEG, PNG, WebP or GIF image" in response.content.decode()
    assert not Candidate.objects.exists()
    assert media_files(settings) == []


def test_a_candidate_photo_accepted_in_the_admin_is_re_encoded(editor_client, settings):
    response = editor_client.post(
        reverse("admin:candidates_candidate_add"),
        {
            "name": "Ann Able",
            "slug": "ann-able",
            "photo": upload("portrait.jpg", image_bytes("PNG")),
            "photo_alt": "Ann Able",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate = Candidate.objects.get()
    assert candidate.photo.name.startswith("candidates/") and candidate.photo.name.endswith(".png")
    assert [p.suffix for p in media_files(settings)] == [".png"]


def test_the_field_offers_only_the_allowed_formats_to_the_file_picker():
    widget_html = str(UploadedImageField(required=False).widget.render("photo", None))
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in widget_html


# --- A full disk ----------------------------------------------------------------------------


class FullDiskStorage(FileSystemStorage):
    """Fault injection at the filesystem layer: every write fails as on a full disk."""

    def _save(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device", name)


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.hostile.test_uploads.FullDiskStorage"},
    }


def test_a_full_disk_during_a_candidate_photo_upload_is_a_503_page_and_saves_nothing(
    editor_client, full_disk, settings
):
    response = editor_client.post(
        reverse("admin:candidates_candidate_add"),
        {
            "name": "Ann Able",
            "slug": "ann-able",
            "photo": upload("portrait.jpg", image_bytes()),
            "photo_alt": "Ann Able",
        },
    )
    assert response.status_code == 503
    html = response.content.decode()
    assert "The upload could not be stored" in html
    assert STORAGE_FULL in html.replace("&#x27;", "'")
    assert "Traceback" not in html
    assert response["Retry-After"]
    assert not Candidate.objects.exists(), "the admin's transaction must roll back"


def test_a_full_disk_during_an_author_photo_upload_is_a_503_page(
    editor_client, full_disk, settings
):
    response = editor_client.post(
        reverse("admin:articles_author_add"),
        {"name": "Demo Desk", "slug": "demo-desk", "photo": upload("p.jpg", image_bytes())},
    )
    assert response.status_code == 503
    assert "The upload could not be stored" in response.content.decode()
    assert not Author.objects.exists()


def test_other_os_errors_are_not_mistaken_for_a_full_disk(rf):
    from civicsite.core.uploads import StorageFullMiddleware

    middleware = StorageFullMiddleware(lambda request: None)
    request = rf.get("/")
    assert middleware.process_exception(request, OSError(errno.EACCES, "denied")) is None
    assert middleware.process_exception(request, ValueError("x")) is None
    answer = middleware.process_exception(request, OSError(errno.EDQUOT, "quota"))
    assert answer.status_code == 503
