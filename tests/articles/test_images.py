"""Figure uploads: refused with a form error when unsafe, re-encoded and resized when not."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.forms import FigureForm
from articles.models import Figure
from tests.articles.factories import jpeg_bytes, make_article, make_figure

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def image_bytes(image_format, size=(640, 400), mode="RGB", color=(200, 60, 40), **options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **options)
    return buffer.getvalue()


def jpeg_with_gps():
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (33.0, 45.0, 0.0), 3: "W", 4: (84.0, 23.0, 0.0)})
    return jpeg_bytes(600, 400, exif=exif.tobytes())


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


def submit(content, name="photo.jpg", content_type="image/jpeg"):
    form = FigureForm(
        data={"key": "photo", "alt_text": "A rally", "caption": "", "credit": "", "order": 0},
        files={"image": SimpleUploadedFile(name, content, content_type=content_type)},
    )
    return form


def save_figure(form):
    assert form.is_valid(), form.errors
    figure = form.save(commit=False)
    figure.article = make_article()
    figure.save()
    return figure


def test_a_jpeg_loses_its_exif_and_gps_and_keeps_its_orientation(settings):
    figure = save_figure(submit(jpeg_with_gps()))

    with Image.open(figure.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(GPS_IFD)
        assert "exif" not in stored.info
        # Orientation 6 was applied to the pixels: the 600x400 photo stands upright.
        assert stored.size == (400, 600)
    assert (figure.width, figure.height) == (400, 600)
    assert b"DemoCam" not in Path(figure.image.path).read_bytes()


def test_the_stored_file_gets_a_server_made_name():
    figure = save_figure(submit(jpeg_bytes(), name="../../etc/passwd.jpg"))
    stem = Path(figure.image.name).stem
    assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
    assert figure.image.name.startswith("library/")  # uploads join the media library


def test_bytes_appended_after_the_image_are_dropped():
    payload = jpeg_bytes() + b"<script>alert(1)</script>PK\x03\x04 polyglot"
    figure = save_figure(submit(payload))
    assert b"polyglot" not in Path(figure.image.path).read_bytes()


@pytest.mark.parametrize(
    ("image_format", "name", "mode", "expected_fallback"),
    [
        ("PNG", "chart.png", "RGBA", "png"),
        ("WEBP", "photo.webp", "RGB", "jpeg"),
        ("GIF", "logo.gif", "P", "gif"),
    ],
)
def test_png_webp_and_gif_are_accepted(image_format, name, mode, expected_fallback):
    color = 5 if mode == "P" else (20, 120, 80, 255)[: len(mode)]
    figure = save_figure(submit(image_bytes(image_format, mode=mode, color=color), name=name))
    formats = {r["format"] for r in figure.renditions}
    assert formats == {"webp", expected_fallback}
    with Image.open(figure.image.path) as stored:
        assert stored.format == image_format


def refusal(form):
    assert not form.is_valid()
    return " ".join(form.errors["image"])


def test_a_text_file_named_jpg_is_refused():
    message = refusal(submit(b"Just some notes, not a photo.\n" * 20))
    assert "not a JPEG, PNG, WebP or GIF image" in message


def test_an_svg_with_a_script_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    message = refusal(submit(svg, name="logo.svg", content_type="image/svg+xml"))
    assert "not a JPEG, PNG, WebP or GIF image" in message


def test_a_truncated_jpeg_is_refused():
    noisy = Image.effect_noise((800, 600), 60).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG", quality=95)
    whole = buffer.getvalue()
    message = refusal(submit(whole[: len(whole) // 2]))
    assert "damaged or incomplete" in message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    # A real JPEG header followed by padding up to 11 MB: refused on its size alone.
    eleven_mb = jpeg_bytes(64, 64) + b"\x00" * (11 * 1024 * 1024)
    message = refusal(submit(eleven_mb)).replace("\xa0", " ")
    assert "This file is 11.0 MB; the limit is 10.0 MB" in message


def test_an_image_over_the_pixel_limit_is_refused():
    # 8000 x 5200 = 41.6 megapixels, one colour, so the PNG itself is tiny.
    big = image_bytes("PNG", size=(8000, 5200), mode="1", color=1)
    assert len(big) < 200_000
    message = refusal(submit(big, name="huge.png", content_type="image/png"))
    assert "8,000 × 5,200 pixels (41.6 megapixels); the limit is 40 megapixels" in message


def test_the_pixel_limit_follows_the_setting(settings):
    settings.IMAGE_MAX_PIXELS = 200_000
    message = refusal(submit(jpeg_bytes(1000, 600)))
    assert "1,000 × 600 pixels (0.6 megapixels); the limit is 0.2 megapixels" in message


def test_a_decompression_bomb_is_refused():
    message = refusal(submit(png_claiming(100_000, 100_000), name="bomb.png"))
    assert "decompression bomb" in message


@pytest.mark.parametrize("image_format", ["BMP", "TIFF"])
def test_formats_off_the_allow_list_are_refused(image_format):
    message = refusal(submit(image_bytes(image_format), name=f"scan.{image_format.lower()}"))
    assert "not a JPEG, PNG, WebP or GIF image" in message


def test_renditions_exist_on_disk_at_each_width_in_webp_and_the_original_format(settings):
    figure = make_figure(make_article(), width=2000, height=1000)

    widths = sorted({r["width"] for r in figure.renditions})
    assert widths == [480, 800, 1200, 1600]
    for rendition in figure.renditions:
        path = Path(settings.MEDIA_ROOT) / rendition["name"]
        assert path.parent.name == str(figure.pk)
        assert path.parent.parent.name == "renditions"
        with Image.open(path) as image:
            assert image.format.lower() == rendition["format"]
            assert image.size == (rendition["width"], rendition["height"])
            assert image.height == image.width // 2
    assert {r["format"] for r in figure.renditions} == {"webp", "jpeg"}
    assert Figure.objects.get(pk=figure.pk).renditions == figure.renditions


def test_small_images_are_never_upscaled():
    figure = make_figure(make_article(), width=300, height=200)
    assert {(r["width"], r["height"]) for r in figure.renditions} == {(300, 200)}

    figure = make_figure(make_article(), width=1000, height=500)
    assert sorted({r["width"] for r in figure.renditions}) == [480, 800, 1000]


def test_src_and_srcset_come_from_the_stored_renditions(django_assert_num_queries):
    figure = make_figure(make_article(), width=2000, height=1000)
    figure = Figure.objects.get(pk=figure.pk)
    with django_assert_num_queries(0):
        assert figure.src.endswith(f"/renditions/{figure.pk}/1200w.jpg")
        assert figure.srcset_webp.count("w,") == 3
        assert figure.srcset_fallback.endswith("1600w.jpg 1600w")


def test_replacing_the_image_replaces_the_renditions(settings):
    figure = make_figure(make_article(), width=2000, height=1000)
    old = [Path(settings.MEDIA_ROOT) / r["name"] for r in figure.renditions]
    figure.image = SimpleUploadedFile("new.jpg", jpeg_bytes(600, 600), content_type="image/jpeg")
    figure.save()
    assert {r["width"] for r in figure.renditions} == {480, 600}
    assert not (Path(settings.MEDIA_ROOT) / f"renditions/{figure.pk}/1600w.jpg").exists()
    assert any(not path.exists() for path in old)
