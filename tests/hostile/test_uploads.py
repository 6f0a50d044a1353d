"""Hostile image uploads on every upload form: article figures, candidate and author photos.

The checks live in civicsite/core/uploads.py (shared, since candidates never imports articles).
Each refusal is a form error with a message an editor can act on, and writes nothing: no row,
no file. A disk that fills up while the file is written is a 503 page saying the upload was
not stored, never a traceback, and leaves no file behind: a storage whose write fails with
ENOSPC part-way stands in for the disk (DiskFillsUp), after the first bytes have reached it.

Stored images carry pixels only: tests/hostile/data/ holds a polyglot JPEG (an HTML page in its
comment, XMP, Photoshop and trailing bytes, plus EXIF with GPS) and a PNG with text chunks
(make_polyglots.py there made them); nothing of their payloads reaches any stored file.
"""

import errno
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.forms import AuthorAdminForm, FigureForm
from articles.models import Article, Author, Figure
from candidates.forms import CandidateAdminForm
from candidates.models import Candidate
from civicsite.core.uploads import (
    DAMAGED,
    NOT_AN_IMAGE,
    STORAGE_FULL,
    MediaStorage,
    UploadedImageField,
)
from tests.articles.test_admin import article_form, management

DATA = Path(__file__).parent / "data"
POLYGLOT_JPEG = (DATA / "polyglot.jpg").read_bytes()
TEXT_CHUNKS_PNG = (DATA / "text_chunks.png").read_bytes()
PAYLOAD_MARKERS = [b"POLYGLOT-PAYLOAD", b"<script", b"<html", b"8BIM", b"xmpmeta", b"Exif"]

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


class DiskFillsUp(MediaStorage):
    """The site's storage on a disk with ``room`` bytes left: a write past it fails part-way.

    Fault injection at the filesystem layer: the bytes up to ``room`` are written to the real
    file (so a half-written file exists), then the next chunk fails with ENOSPC, as os.write
    does on a full disk.
    """

    room = 0
    chunk_size = 4096

    def _save(self, name, content):
        return super()._save(name, FillingUp(content, self))


class FillingUp:
    def __init__(self, content, storage):
        self.content, self.storage = content, storage

    def chunks(self, chunk_size=None):
        content = self.content.read() if hasattr(self.content, "read") else bytes(self.content)
        for start in range(0, len(content), DiskFillsUp.chunk_size):
            chunk = content[start : start + DiskFillsUp.chunk_size]
            if len(chunk) > DiskFillsUp.room:
                raise OSError(errno.ENOSPC, "No space left on device")
            DiskFillsUp.room -= len(chunk)
            yield chunk


@pytest.fixture
def disk_with_room(settings):
    """Call with a number of bytes: the media disk fills up after that many."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.hostile.test_uploads.DiskFillsUp"},
    }

    def room(size):
        DiskFillsUp.room = size

    yield room
    DiskFillsUp.room = 0


@pytest.fixture
def full_disk(disk_with_room):
    disk_with_room(2000)  # the first bytes of any file, then ENOSPC


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
    assert media_files(settings) == [], "no half-written file may stay on the full disk"


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
    assert media_files(settings) == []


def test_other_os_errors_are_not_mistaken_for_a_full_disk(rf):
    from civicsite.core.uploads import StorageFullMiddleware

    middleware = StorageFullMiddleware(lambda request: None)
    request = rf.get("/")
    assert middleware.process_exception(request, OSError(errno.EACCES, "denied")) is None
    assert middleware.process_exception(request, ValueError("x")) is None
    answer = middleware.process_exception(request, OSError(errno.EDQUOT, "quota"))
    assert answer.status_code == 503


def figure_post(image):
    return article_form(
        body="Results are in.\n\n[figure: count]",
        **management("figures", 1),
        **{
            "figures-0-key": "count",
            "figures-0-image": image,
            "figures-0-alt_text": "Poll workers counting ballots",
            "figures-0-caption": "",
            "figures-0-credit": "Illustration",
            "figures-0-order": "0",
        },
    )


def test_a_disk_that_fills_up_during_the_renditions_leaves_no_original_and_no_rendition(
    editor_client, disk_with_room, settings
):
    """The hole: the original and the first renditions stayed on the full disk as orphans."""
    from civicsite.core.uploads import reencode_upload

    noise = io.BytesIO()
    Image.effect_noise((1800, 1200), 60).convert("RGB").save(noise, "JPEG")
    original_size = reencode_upload(upload("count.jpg", noise.getvalue())).size
    upload_file = upload("count.jpg", noise.getvalue())
    disk_with_room(original_size + 30_000)  # the original, a rendition or two, then ENOSPC
    response = editor_client.post(reverse("admin:articles_article_add"), figure_post(upload_file))
    assert response.status_code == 503
    assert "The upload could not be stored" in response.content.decode()
    assert not Article.objects.exists() and not Figure.objects.exists()
    assert DiskFillsUp.room < 4096, "the disk did fill up part-way through the renditions"
    assert media_files(settings) == []


def test_with_room_on_the_disk_the_same_upload_stores_the_original_and_its_renditions(
    editor_client, disk_with_room, settings
):
    disk_with_room(10_000_000)
    upload_file = upload("count.jpg", image_bytes(size=(1800, 1200)))
    response = editor_client.post(reverse("admin:articles_article_add"), figure_post(upload_file))
    assert response.status_code == 302
    figure = Figure.objects.get()
    stored = {p.relative_to(settings.MEDIA_ROOT).as_posix() for p in media_files(settings)}
    assert stored == {figure.image.name, *(r["name"] for r in figure.renditions)}
    assert len(figure.renditions) == 8  # 480, 800, 1200, 1600 in WebP and JPEG


def jpeg_markers(data):
    """The marker of every segment before the image data (SOS), in order."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]


def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        chunks.append(data[at + 4 : at + 8].decode())
        at += 12 + length
    return chunks


def webp_chunks(data):
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, at = [], 12
    while at < len(data):
        kind, size = data[at : at + 4].decode(), struct.unpack("<I", data[at + 4 : at + 8])[0]
        chunks.append(kind)
        at += 8 + size + (size & 1)
    return chunks


# JFIF header, quantisation and Huffman tables, frame (baseline or progressive), restart
# interval, start of scan: the segments of pixels. No COM (0xFE), APP1 (EXIF, XMP), APP2 (ICC),
# APP13 (Photoshop) or any other.
PIXEL_SEGMENTS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}


def assert_pixels_only(path):
    data = path.read_bytes()
    for marker in PAYLOAD_MARKERS:
        assert marker not in data, f"{marker!r} survived in {path.name}"
    if data[:2] == b"\xff\xd8":
        assert set(jpeg_markers(data)) <= PIXEL_SEGMENTS, (path.name, jpeg_markers(data))
        assert data.endswith(b"\xff\xd9"), "nothing after the end-of-image marker"
    elif data[:4] == b"\x89PNG":
        assert set(png_chunks(data)) <= {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}, path.name
    else:
        assert set(webp_chunks(data)) <= {"VP8 ", "VP8L", "VP8X", "ALPH"}, path.name
    with Image.open(path) as image:
        image.load()
        assert not {"comment", "exif", "xmp", "icc_profile", "photoshop"} & set(image.info)


def test_the_polyglot_files_are_real_images_carrying_their_payloads():
    """The test files are what the tests say: decodable images with the payload inside."""
    with Image.open(DATA / "polyglot.jpg") as jpeg:
        jpeg.load()
        assert b"<script>" in jpeg.info["comment"]
        assert {"exif", "xmp", "icc_profile", "photoshop"} <= set(jpeg.info)
        assert jpeg.getexif().get_ifd(0x8825), "EXIF with a GPS position"
    assert POLYGLOT_JPEG.endswith(b"</html>")
    with Image.open(DATA / "text_chunks.png") as png:
        png.load()
        assert "<script>" in png.info["Comment"]
    assert {"tEXt", "zTXt", "iTXt", "prVt"} <= set(png_chunks(TEXT_CHUNKS_PNG.split(b"IEND")[0]))


def test_a_polyglot_jpeg_figure_is_stored_and_rendered_without_its_payload(editor_client, settings):
    """The hole: the HTML in the JPEG's comment came back in the stored file and renditions."""
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        figure_post(upload("rally.jpg", POLYGLOT_JPEG)),
    )
    assert response.status_code == 302, response.context and response.context.get("errors")
    figure = Figure.objects.get()
    stored = media_files(settings)
    assert len(stored) == 1 + len(figure.renditions) == 1 + 2 * 3  # 480, 800, 1000 wide
    for path in stored:
        assert_pixels_only(path)


@pytest.mark.parametrize("form_name", FORMS)
def test_a_png_with_text_chunks_is_stored_without_them_on_every_upload_form(form_name, settings):
    make_form, field = FORMS[form_name]
    form = make_form(upload("chart.png", TEXT_CHUNKS_PNG, "image/png"))
    assert form.is_valid(), form.errors
    stored = form.cleaned_data[field]
    path = Path(settings.MEDIA_ROOT) / "check.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stored.read())
    assert_pixels_only(path)


def test_a_colour_profile_is_applied_to_the_pixels_and_left_out_of_the_file(settings):
    """sRGB in, sRGB out without the profile: the colours stay, the 3 kB blob goes."""
    from civicsite.core.uploads import reencode_upload

    stored = reencode_upload(upload("rally.jpg", POLYGLOT_JPEG))
    with Image.open(stored) as clean, Image.open(DATA / "polyglot.jpg") as original:
        assert "icc_profile" not in clean.info
        ours, theirs = clean.convert("RGB").getpixel((500, 320)), original.getpixel((500, 320))
        assert all(abs(a - b) <= 6 for a, b in zip(ours, theirs, strict=True)), (ours, theirs)
